/**
 * SFU relay throughput: RTP packets forwarded per CPU-second through one process, the way
 * a selective forwarding unit handles a VP8 stream (a real 640x480 ~1.5 Mbps stream that
 * ffmpeg/libvpx makes into a temp dir at start, packetized into SRTP with
 * AES_CM_128_HMAC_SHA1_80, RFC 3711 / RFC 5764 profile 1):
 *
 * - `depacketize`: SRTP unprotect (RFC 3711 3.3), RTP parse (RFC 3550 5.1), reassemble
 *   whole VP8 frames (RFC 7741 4), packetize them again, serialize, SRTP protect.
 *   purertc (SrtpContext, parseRtp, Vp8Depacketizer, Vp8Packetizer, writeRtp) next to
 *   werift doing the same with its own classes (SrtpSession, RtpPacket,
 *   dePacketizeRtpPackets, Vp8Packetizer), in the same run.
 * - `streams`: the same through purertc's sans-IO stream cores, RtpStreamReceiver
 *   (jitter buffer, frame events) -> RtpStreamSender.sendFrame (packetize, history for
 *   RTX); and `forwardRtp` through them: RtpStreamReceiver rtp events (RTX unwrap,
 *   statistics) -> RtpStreamSender.sendRtp (SSRC, sequence, timestamp rewrite, history).
 *   werift has no counterpart of these cores, so these rows have no ratio.
 * - `forwardRtp`: the plain relay that an SFU mostly does: SRTP unprotect, rewrite SSRC and
 *   sequence number in place (rewriteRtpHeader), SRTP protect; werift: decrypt,
 *   RtpPacket.deSerialize, header rewrite, encrypt.
 *
 * Rates are input packets per second of this process's CPU time (user + system), best of
 * ROUNDS interleaved rounds, since the machine is shared; "us/pkt" is CPU microseconds per
 * forwarded packet. Output packets are counted and must equal what a lossless relay emits.
 *
 *   npx tsx bench/sfu.ts [msPerRound] [rounds]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { dePacketizeRtpPackets, RtpPacket as WRtpPacket, SrtpSession, Vp8Packetizer as WVp8Packetizer } from 'werift';
import { parseIvf } from '../src/media/ivf.js';
import { Vp8Depacketizer, Vp8Packetizer } from '../src/media/vp8.js';
import { parseRtp, rewriteRtpHeader, rtpPacketBytes, writeRtp } from '../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../src/rtp/rtp-packet.js';
import { SrtpContext, SrtpProfile } from '../src/srtp/index.js';
import type { RtpCodec } from '../src/media/codecs.js';
import { RtpStreamReceiver } from '../src/media/rtp-stream-receiver.js';
import { RtpStreamSender } from '../src/media/rtp-stream-sender.js';

const MS = Number(process.argv[2] ?? 300);
/** Rounds per contender, interleaved; the best round counts (the machine is shared). */
const ROUNDS = Number(process.argv[3] ?? 5);
const SECONDS_OF_VIDEO = 4;
const FPS = 30;
const IN_SSRC = 0x1111_2222;
const OUT_SSRC = 0x3333_4444;
const PT = 96;
const MAX_PAYLOAD_BYTES = 1200;
const PROFILE = SrtpProfile.AesCm128HmacSha1_80;
/** werift's profile id for AES_CM_128_HMAC_SHA1_80 (RFC 5764 4.1.2: SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001). */
const WERIFT_PROFILE = 1 as const;
/** How far packets out per packet in may stray from 1 (a frame split differently by a packetizer). */
const MAX_OUT_PER_IN_DEVIATION = 0.02;
/** Bytes an SRTP packet may reach: the RTP packet plus the 10-byte tag (RFC 3711 4.2 for HMAC-SHA1-80). */
const OUT_BUFFER_BYTES = 1500;

// ---- the input: a real VP8 stream, packetized, SRTP-protected by "the publisher" ----
const dir = mkdtempSync(path.join(tmpdir(), 'purertc-bench-sfu-'));
execFileSync('ffmpeg', [
  '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=640x480:rate=${FPS},noise=alls=20:allf=t`, '-t', String(SECONDS_OF_VIDEO),
  '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', String(FPS), path.join(dir, 'a.ivf'),
]);
const frames = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'a.ivf')))).frames.map((f) => f.data);
rmSync(dir, { recursive: true, force: true });

const key = randomBytes(16);
const salt = randomBytes(14);
const publisher = new SrtpContext(PROFILE, key, salt);
const publisherPacketizer = new Vp8Packetizer({ maxPayloadBytes: MAX_PAYLOAD_BYTES, pictureId: 1 });
const pool: Uint8Array[] = [];
let frameEnds = 0;
{
  let seq = 0;
  frames.forEach((frame, i) => {
    const payloads = publisherPacketizer.packetize(frame);
    payloads.forEach((payload, k) => {
      const p: RtpPacket = {
        marker: k === payloads.length - 1, payloadType: PT, sequenceNumber: seq++ & 0xffff, timestamp: (i * 90000) / FPS,
        ssrc: IN_SSRC, csrcs: [], headerExtension: undefined, payload, paddingBytes: 0,
      };
      const plain = new Uint8Array(rtpPacketBytes(p));
      writeRtp(p, plain, 0);
      pool.push(publisher.protectRtp(plain));
    });
    frameEnds++;
  });
}
const wPool = pool.map((b) => Buffer.from(b));
const totalBytes = pool.reduce((a, b) => a + b.length, 0);

/** Where outputs go, so no contender's work is dead code; also checks that each relay emits what it should. */
let sink = 0;
let sent = 0;

/** Runs f over the pool (a fresh pass restarts receive state: replay protection forbids reuse). */
interface Contender {
  readonly name: string;
  /** Called at the start of each pass over the pool. */
  readonly restart: () => void;
  readonly packet: (k: number) => void;
}

function rate(c: Contender, ms: number): { pps: number; outPerIn: number } {
  let n = 0;
  const sentBefore = sent;
  c.restart();
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  while (performance.now() - wallStart < ms) {
    for (let k = 0; k < pool.length; k++) c.packet(k);
    n += pool.length;
    c.restart();
  }
  const cpu = process.cpuUsage(cpuStart);
  const outPerIn = (sent - sentBefore) / n;
  // a lossless relay emits one packet per packet in (same payload budget, same 4-byte VP8 descriptor)
  if (Math.abs(outPerIn - 1) > MAX_OUT_PER_IN_DEVIATION) throw new Error(`${c.name}: ${outPerIn} packets out per packet in`);
  return { pps: (n * 1e6) / (cpu.user + cpu.system), outPerIn };
}

// ---- purertc: unprotect, parse, depacketize, packetize, serialize, protect ----
function purertcDepacketize(): Contender {
  let rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
  let depacketizer = new Vp8Depacketizer();
  const tx = new SrtpContext(PROFILE, key, salt);
  const packetizer = new Vp8Packetizer({ maxPayloadBytes: MAX_PAYLOAD_BYTES, pictureId: 7 });
  const plainIn = new Uint8Array(OUT_BUFFER_BYTES);
  const plainOut = new Uint8Array(OUT_BUFFER_BYTES);
  const srtpOut = new Uint8Array(OUT_BUFFER_BYTES);
  let seq = 0;
  return {
    name: 'purertc depacketize (SrtpContext, Vp8Depacketizer/Packetizer)',
    restart: () => {
      rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
      depacketizer = new Vp8Depacketizer();
    },
    packet: (k) => {
      const r = rx.unprotectRtp(pool[k]!, plainIn);
      if (!r.ok) throw new Error(`unprotect: ${r.reason}`);
      const frame = depacketizer.push(parseRtp(r.packet));
      if (frame === undefined) return;
      const payloads = packetizer.packetize(frame.data);
      for (let i = 0; i < payloads.length; i++) {
        const n = writeRtp(
          { marker: i === payloads.length - 1, payloadType: PT, sequenceNumber: seq++ & 0xffff, timestamp: frame.timestamp, ssrc: OUT_SSRC, csrcs: [], headerExtension: undefined, payload: payloads[i]!, paddingBytes: 0 },
          plainOut,
          0,
        );
        sink ^= tx.protectRtp(plainOut.subarray(0, n), srtpOut).length;
        sent++;
      }
    },
  };
}

// ---- werift: decrypt, deSerialize, dePacketizeRtpPackets, Vp8Packetizer, encrypt ----
function weriftDepacketize(): Contender {
  const session = (): SrtpSession =>
    new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: WERIFT_PROFILE });
  let rx = session();
  const tx = session();
  const packetizer = new WVp8Packetizer({ maxPayloadSize: MAX_PAYLOAD_BYTES, payloadType: PT, ssrc: OUT_SSRC, sequenceNumber: 0, pictureId: 7 });
  let pending: WRtpPacket[] = [];
  return {
    name: 'werift  depacketize (SrtpSession, dePacketizeRtpPackets, Vp8Packetizer)',
    restart: () => {
      rx = session();
      pending = [];
    },
    packet: (k) => {
      const p = WRtpPacket.deSerialize(rx.decrypt(wPool[k]!));
      pending.push(p);
      if (!p.header.marker) return;
      const frame = dePacketizeRtpPackets('VP8', pending);
      pending = [];
      for (const out of packetizer.packetize(frame.data, frame.timestamp)) {
        sink ^= tx.encrypt(out.payload, out.header).length;
        sent++;
      }
    },
  };
}

// ---- forwardRtp: no depacketizing ----
function purertcForward(): Contender {
  let rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
  const tx = new SrtpContext(PROFILE, key, salt);
  const plain = new Uint8Array(OUT_BUFFER_BYTES);
  const out = new Uint8Array(OUT_BUFFER_BYTES);
  let seq = 0;
  return {
    name: 'purertc forwardRtp (unprotect, rewriteRtpHeader, protect)',
    restart: () => {
      rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
    },
    packet: (k) => {
      const r = rx.unprotectRtp(pool[k]!, plain);
      if (!r.ok) throw new Error(`unprotect: ${r.reason}`);
      rewriteRtpHeader(r.packet, { ssrc: OUT_SSRC, sequenceNumber: seq++ & 0xffff });
      sink ^= tx.protectRtp(r.packet, out).length;
      sent++;
    },
  };
}

function weriftForward(): Contender {
  const session = (): SrtpSession =>
    new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: WERIFT_PROFILE });
  let rx = session();
  const tx = session();
  let seq = 0;
  return {
    name: 'werift  forwardRtp (decrypt, deSerialize, header rewrite, encrypt)',
    restart: () => {
      rx = session();
    },
    packet: (k) => {
      const p = WRtpPacket.deSerialize(rx.decrypt(wPool[k]!));
      p.header.ssrc = OUT_SSRC;
      p.header.sequenceNumber = seq++ & 0xffff;
      sink ^= tx.encrypt(p.payload, p.header).length;
      sent++;
    },
  };
}

/**
 * purertc through the sans-IO stream cores: RtpStreamReceiver frame events ->
 * RtpStreamSender.sendFrame, or (`forward`) its rtp events -> RtpStreamSender.sendRtp.
 */
function purertcStreams(forward: boolean): Contender {
  const codec: RtpCodec = { payloadType: PT, name: 'VP8', clockRate: 90000, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] };
  const makeReceiver = (): RtpStreamReceiver => {
    const r = new RtpStreamReceiver({ localSsrc: 0x5555_6666, cname: 'bench', codecs: [codec], remoteSsrc: IN_SSRC });
    r.setRtpEvents(forward);
    r.setFrameEvents(!forward);
    return r;
  };
  let rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
  let receiver = makeReceiver();
  const sender = new RtpStreamSender({ ssrc: OUT_SSRC, codec, cname: 'bench', maxPayloadBytes: MAX_PAYLOAD_BYTES });
  const tx = new SrtpContext(PROFILE, key, salt);
  const plain = new Uint8Array(OUT_BUFFER_BYTES);
  const out = new Uint8Array(OUT_BUFFER_BYTES);
  /** Virtual time: packets 1 ms apart (the cores read no clock). */
  let now = 0;
  return {
    name: forward ? 'purertc forwardRtp streams (RtpStreamReceiver rtp -> Sender.sendRtp)' : 'purertc streams (RtpStreamReceiver frame -> Sender.sendFrame)',
    restart: () => {
      rx = new SrtpContext(PROFILE, key, salt, { replayWindow: 1024 });
      receiver = makeReceiver();
    },
    packet: (k) => {
      now += 1;
      const r = rx.unprotectRtp(pool[k]!, plain);
      if (!r.ok) throw new Error(`unprotect: ${r.reason}`);
      receiver.handleRtp(now, parseRtp(r.packet));
      for (let e = receiver.pollEvent(); e !== undefined; e = receiver.pollEvent()) {
        if (e.type === 'frame') sender.sendFrame(now, e.frame);
        else if (e.type === 'rtp') sender.sendRtp(now, e.packet);
      }
      while (receiver.pollTransmit() !== undefined) sink ^= 1;
      for (let t = sender.pollTransmit(); t !== undefined; t = sender.pollTransmit()) {
        if (t.rtcp) continue;
        sink ^= tx.protectRtp(t.data, out).length;
        sent++;
      }
      while (sender.pollEvent() !== undefined) sink ^= 1;
    },
  };
}

const pairs: [string, Contender, Contender | undefined][] = [
  ['depacketize', purertcDepacketize(), weriftDepacketize()],
  ['forwardRtp', purertcForward(), weriftForward()],
];
pairs.push(['streams', purertcStreams(false), undefined], ['forward streams', purertcStreams(true), undefined]);

const contenders = pairs.flatMap(([, a, b]) => (b === undefined ? [a] : [a, b]));
for (const c of contenders) rate(c, 100); // warm up
const best = new Map<Contender, { pps: number; outPerIn: number }>();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of contenders) {
    const m = rate(c, MS);
    if (m.pps > (best.get(c)?.pps ?? 0)) best.set(c, m);
  }
}

const avgPacket = Math.round(totalBytes / pool.length);
console.log(
  `SFU relay, VP8 640x480 ${SECONDS_OF_VIDEO}s at ${FPS} fps: ${frameEnds} frames, ${pool.length} SRTP packets (${avgPacket} B avg, ` +
    `${Math.round((totalBytes * 8) / SECONDS_OF_VIDEO / 1000)} kbps), AES_CM_128_HMAC_SHA1_80; best of ${ROUNDS} x ${MS} ms; node ${process.version}`,
);
console.log(`${'contender'.padEnd(76)} ${'pkts/CPU-s'.padStart(10)} ${'us/pkt'.padStart(7)} ${'out/in'.padStart(6)} ${'streams@1.5Mbps/core'.padStart(21)}`);
const packetsPerStreamSecond = pool.length / SECONDS_OF_VIDEO;
for (const c of contenders) {
  const m = best.get(c)!;
  console.log(
    `${c.name.padEnd(76)} ${Math.round(m.pps).toString().padStart(10)} ${(1e6 / m.pps).toFixed(2).padStart(7)} ${m.outPerIn.toFixed(3).padStart(6)} ${Math.floor(m.pps / packetsPerStreamSecond).toString().padStart(21)}`,
  );
}
console.log('');
for (const [label, a, b] of pairs) {
  if (b === undefined) continue;
  console.log(`ratio purertc/werift, ${label.padEnd(12)} ${(best.get(a)!.pps / best.get(b)!.pps).toFixed(2)}x`);
}
if (sink === 0.5) console.log(sink);
