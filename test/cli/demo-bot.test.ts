// The demo's echo bot (src/cli/demo-bot.ts) against a purertc "page": the demo runs
// in-process (signaling, STUN, TURN, bot on 127.0.0.1) and a second purertc
// RTCPeerConnection plays the browser. It sends a VP8 IVF and an Ogg Opus file made by
// ffmpeg (src/node/media-files.ts playIvf / playOggOpus); the bot forwards every RTP
// packet back (writeRtp) and the page checks that the frames that come back are the
// frames it sent, byte for byte, in order, with the sender's RTP timestamp spacing
// (RFC 3550 5.1: the forwarder only adds a constant offset). A re-offer (JSEP RFC 9429
// 5.10) adds, pauses, resumes and stops the camera on the same connection. Through a
// loopback relay that drops 5% of the RTP one way (seeded), NACK/RTX (RFC 4585, RFC 4588)
// repair each leg and the echo stays byte-identical. Real sockets: the tests wait for
// events and assert no durations.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaStream, MediaStreamTrack, RTCPeerConnection } from '../../src/index.js';
import type { RTCDataChannel, RTCEncodedFrame, RTCRtpTransceiver } from '../../src/index.js';
import { startDemo } from '../../src/cli/demo.js';
import type { DemoHandle } from '../../src/cli/demo.js';
import { BOT_NAME, MAX_ECHO_TRACKS, summarizeMedia } from '../../src/cli/demo-bot.js';
import { RTCStatsReport } from '../../src/node/rtc-stats.js';
import type { BotMediaSummary, BotStatsSummary } from '../../src/cli/demo-bot.js';
import { playIvf, playOggOpus } from '../../src/node/media-files.js';
import type { Playback } from '../../src/node/media-files.js';
import { SignalingClient } from '../../src/signaling/client.js';
import { ffmpeg, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { startUdpProxy } from '../support/udp-proxy.js';
import type { UdpProxy } from '../support/udp-proxy.js';
import { waitFor } from '../support/wait.js';

let m: MediaDir;
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '10', m.file('camera.ivf')]);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', m.file('mic.opus')]);
});
afterAll(() => m.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Page {
  readonly pc: RTCPeerConnection;
  readonly sig: SignalingClient;
  readonly botId: string;
  readonly stats: BotStatsSummary[];
  /** Offers the current state to the bot and applies its answer. */
  negotiate(): Promise<void>;
}

async function demoWithLog(): Promise<{ demo: DemoHandle; log: string[] }> {
  const log: string[] = [];
  const demo = await startDemo({ host: '127.0.0.1', port: 0, stunPort: 0, turnPort: 0, log: (l) => log.push(l) });
  cleanups.push(() => demo.close());
  return { demo, log };
}

/** RTP loss of the relay in the lossy tests (RTCP, STUN and DTLS always pass), and its seed. */
const LOSS_FRACTION = 0.05;
const LOSS_SEED = 7;

/**
 * A purertc peer that joins the room, asks the demo for the bot and talks to it as the page
 * does. With `loss`, the page reaches the bot only through a loopback relay that drops
 * RTP one way (test/support/udp-proxy.ts; 'inbound' = page to bot, 'outbound' = bot to
 * page): the bot's UDP host candidate is rewritten to the relay, its other candidates are
 * not used, and the bot gets none of ours.
 */
async function page(demo: DemoHandle, room: string, loss?: 'inbound' | 'outbound'): Promise<Page & { proxy: () => UdpProxy | undefined }> {
  const sig = await SignalingClient.connect(demo.signalingUrl);
  cleanups.push(() => sig.close());
  await sig.join(room, 'page');
  const res = await fetch(`${demo.url.replace('localhost', '127.0.0.1')}api/bot?room=${room}`, { method: 'POST' });
  expect(res.status).toBe(200);
  const bot = await sig.next('peer-joined');
  expect(bot.name).toBe(BOT_NAME);
  const pc = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], iceServers: [{ urls: demo.stunUrl }] });
  cleanups.push(() => pc.close());
  pc.onicecandidate = (e) => {
    // Through the relay the bot gets none of our candidates: it learns the relay's inner
    // socket from our checks (peer-reflexive, RFC 8445 7.3.1.3), so no direct path exists.
    if (loss !== undefined) return;
    const c = e.candidate;
    sig.candidate(c === null ? null : { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment }, bot.id);
  };
  let proxy: UdpProxy | undefined;
  let candidates = Promise.resolve();
  sig.on('candidate', (x) => {
    const c = x.candidate;
    if (x.from !== bot.id || c === null) return;
    if (loss === undefined) {
      void pc.addIceCandidate(c).catch(() => undefined);
      return;
    }
    candidates = candidates.then(async () => {
      const parts = c.candidate.split(' ');
      if (proxy === undefined && parts[2]?.toLowerCase() === 'udp' && parts[4] === '127.0.0.1' && parts[7] === 'host') {
        proxy = await startUdpProxy({ target: { address: '127.0.0.1', port: Number(parts[5]) }, lossFraction: LOSS_FRACTION, seed: LOSS_SEED, lossDirection: loss });
        const started = proxy;
        cleanups.push(() => started.close());
      }
      if (proxy?.isTargetCandidate(c.candidate)) await pc.addIceCandidate({ ...c, candidate: proxy.rewriteCandidate(c.candidate) }).catch(() => undefined);
    });
  });
  const stats: BotStatsSummary[] = [];
  return {
    pc,
    sig,
    botId: bot.id,
    stats,
    proxy: () => proxy,
    async negotiate() {
      await pc.setLocalDescription(await pc.createOffer());
      const offer = pc.localDescription!.sdp;
      sig.offer(loss === undefined ? offer : offer.replace(/^a=candidate:[^\r\n]*\r\n/gm, ''), bot.id);
      const answer = await sig.next('answer', { match: (x) => x.from === bot.id });
      // Through the relay, the bot's candidates come only by trickle (rewritten above).
      const sdp = loss === undefined ? answer.sdp : answer.sdp.replace(/^a=candidate:[^\r\n]*\r\n/gm, '');
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
  };
}

/** The chat channel, collecting the bot's stats summaries and echoes. */
function chat(p: Page, channel: RTCDataChannel): string[] {
  const echoes: string[] = [];
  channel.onmessage = (e: MessageEvent) => {
    const msg = JSON.parse(String(e.data)) as { kind: string; text?: string } & BotStatsSummary;
    if (msg.kind === 'stats') p.stats.push(msg);
    else if (msg.kind === 'echo') echoes.push(String(msg.text));
  };
  return echoes;
}

function play(p: Playback): Playback {
  cleanups.push(() => p.stop());
  return p;
}

/** Collects a track's frames (copies: the data may be a view into a reused buffer). */
function frames(track: MediaStreamTrack): RTCEncodedFrame[] {
  const out: RTCEncodedFrame[] = [];
  track.addEventListener('frame', (e) => {
    const f = (e as Event & { frame: RTCEncodedFrame }).frame;
    out.push({ data: f.data.slice(), timestamp: f.timestamp, keyframe: f.keyframe });
  });
  return out;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Where each echoed frame sits in the sent sequence: the echo must be the sent frames in
 * order (some may be skipped, none reordered), byte-identical, and their RTP timestamps
 * must differ from the sent ones by one constant (mod 2^32). Returns the matched indexes,
 * or undefined when no alignment exists.
 */
function align(sent: readonly RTCEncodedFrame[], echoed: readonly RTCEncodedFrame[]): number[] | undefined {
  const first = echoed[0];
  if (first === undefined) return undefined;
  for (let start = 0; start < sent.length; start++) {
    const s0 = sent[start]!;
    if (!same(s0.data, first.data)) continue;
    const offset = (first.timestamp - s0.timestamp) >>> 0;
    const at = [start];
    let j = start + 1;
    for (const e of echoed.slice(1)) {
      while (j < sent.length && !(same(sent[j]!.data, e.data) && ((e.timestamp - sent[j]!.timestamp) >>> 0) === offset)) j++;
      if (j >= sent.length) break;
      at.push(j++);
    }
    if (at.length === echoed.length) return at;
  }
  return undefined;
}

const mediaOf = (s: BotStatsSummary | undefined, kind: string): BotMediaSummary | undefined => s?.media.find((x) => x.kind === kind);

describe('the demo echo bot and a purertc page', () => {
  it('sends the camera and microphone back: the same frames, byte for byte, in order; the stats summary counts both ways', async () => {
    const { demo, log } = await demoWithLog();
    const p = await page(demo, 'camera');
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const stream = new MediaStream([video, audio]);
    p.pc.addTrack(video, stream);
    p.pc.addTrack(audio, stream);
    const echoes = chat(p, p.pc.createDataChannel('chat'));
    const sentVideo = frames(video);
    const sentAudio = frames(audio);
    const back: { kind: string; streams: string[]; track: MediaStreamTrack }[] = [];
    p.pc.ontrack = (e) => back.push({ kind: e.track.kind, streams: e.streams.map((s) => s.id), track: e.track });
    await p.negotiate();
    // The answer sends on both sections: one echo track per kind, both in one stream.
    expect(back.map((b) => b.kind).sort()).toEqual(['audio', 'video']);
    expect(new Set(back.map((b) => b.streams.join()))).toHaveProperty('size', 1);
    expect(p.pc.getTransceivers().map((t) => t.currentDirection)).toEqual(['sendrecv', 'sendrecv']);
    const echoVideo = frames(back.find((b) => b.kind === 'video')!.track);
    const echoAudio = frames(back.find((b) => b.kind === 'audio')!.track);
    await waitFor(() => (p.pc.connectionState === 'connected' ? true : undefined), 'connected');
    play(playIvf(video, m.file('camera.ivf'), { loop: true }));
    play(playOggOpus(audio, m.file('mic.opus'), { loop: true }));
    await waitFor(() => (echoVideo.length >= 40 && echoAudio.length >= 60 ? true : undefined), 'echoed frames');
    const v = echoVideo.slice();
    const a = echoAudio.slice();
    expect(align(sentVideo, v)).toBeDefined();
    expect(align(sentAudio, a)).toBeDefined();
    // (The check bites: one flipped bit or one shifted timestamp has no alignment.)
    expect(align(sentVideo, [{ ...v[0]!, data: v[0]!.data.map((x, i) => (i === 0 ? x ^ 1 : x)) }])).toBeUndefined();
    expect(align(sentVideo, [v[0]!, { ...v[1]!, timestamp: v[1]!.timestamp + 1 }])).toBeUndefined();
    expect(v.some((f) => f.keyframe)).toBe(true);
    // The bot's stats summary (from its own getStats) counts packets both ways per section.
    await waitFor(() => {
      const last = p.stats.at(-1);
      const mv = mediaOf(last, 'video');
      const ma = mediaOf(last, 'audio');
      return (mv?.inbound?.packetsReceived ?? 0) > 0 && (mv?.outbound?.packetsSent ?? 0) > 0 && (ma?.outbound?.packetsSent ?? 0) > 0 ? true : undefined;
    }, 'media counters in the bot summary');
    const mv = mediaOf(p.stats.at(-1), 'video')!;
    expect(mv.codec).toBe('video/VP8');
    expect(mv.inbound!.framesReceived).toBeGreaterThan(0);
    expect(mv.outbound!.framesSent).toBeGreaterThan(0);
    expect(mediaOf(p.stats.at(-1), 'audio')!.codec).toBe('audio/opus');
    // The page's own getStats sees the echo arrive on the bot's SSRC.
    const report = await p.pc.getStats();
    const inbound = [...report.values()].find((s) => s.type === 'inbound-rtp' && s['kind'] === 'video');
    expect(inbound?.['ssrc']).toBe(mv.outbound!.ssrc);
    expect(Number(inbound?.['packetsReceived'])).toBeGreaterThan(0);
    expect(echoes[0]).toBe(`hello from ${BOT_NAME}, built on purertc`);
    expect(log.filter((l) => / echoing (audio|video) of mid /.test(l))).toHaveLength(2);
    // A keyframe request on the echo (PLI to the bot) is passed on to the page's camera track.
    const requested = new Promise<void>((resolve) => {
      video.onkeyframerequest = () => resolve();
    });
    back.find((b) => b.kind === 'video')!.track.requestKeyframe();
    await requested;
    await waitFor(() => ((mediaOf(p.stats.at(-1), 'video')?.outbound?.pliCount ?? 0) > 0 && (mediaOf(p.stats.at(-1), 'video')?.inbound?.pliCount ?? 0) > 0 ? true : undefined), 'PLI counted by the bot both ways');
  });

  it('answers re-offers on the same connection: the camera added to a running chat, paused, resumed and stopped', async () => {
    const { demo, log } = await demoWithLog();
    const p = await page(demo, 'later');
    const channel = p.pc.createDataChannel('chat');
    const echoes = chat(p, channel);
    await p.negotiate();
    await waitFor(() => (channel.readyState === 'open' ? true : undefined), 'chat open');
    // Adding the camera once the chat runs: a re-offer with a new video section.
    const video = new MediaStreamTrack({ kind: 'video' });
    const sender = p.pc.addTrack(video, new MediaStream([video]));
    let echo: MediaStreamTrack | undefined;
    p.pc.ontrack = (e) => {
      echo ??= e.track;
    };
    await p.negotiate();
    expect(echo?.kind).toBe('video');
    const echoed = frames(echo!);
    const sent = frames(video);
    play(playIvf(video, m.file('camera.ivf'), { loop: true }));
    await waitFor(() => (echoed.length >= 20 ? true : undefined), 'echo after the re-offer');
    expect(align(sent, echoed.slice())).toBeDefined();
    // Pausing: no track, section inactive (what the page's "stop camera" does).
    const t = p.pc.getTransceivers().find((x) => x.sender === sender) as RTCRtpTransceiver;
    await sender.replaceTrack(null);
    t.direction = 'inactive';
    await p.negotiate();
    expect(t.currentDirection).toBe('inactive');
    // Resuming on the same transceiver with a new source: the echo follows, on the same section.
    const again = new MediaStreamTrack({ kind: 'video' });
    const sentAgain = frames(again);
    await sender.replaceTrack(again);
    t.direction = 'sendrecv';
    await p.negotiate();
    expect(t.currentDirection).toBe('sendrecv');
    const before = echoed.length;
    play(playIvf(again, m.file('camera.ivf'), { loop: true }));
    await waitFor(() => (echoed.length >= before + 20 ? true : undefined), 'echo after resuming');
    expect(align(sentAgain, echoed.slice(before + 1))).toBeDefined();
    // The chat kept going over the same connection all along.
    channel.send('still here');
    await waitFor(() => (echoes.includes('echo: still here') ? true : undefined), 'chat echo');
    expect(log.filter((l) => l.endsWith(': answered a re-offer'))).toHaveLength(3);
    expect(log.filter((l) => / echoing video of mid /.test(l))).toHaveLength(1);
    expect(log.join('\n')).not.toMatch(/closed \(|negotiation failed/);
    expect(p.pc.getTransceivers()).toHaveLength(1);
    // Stopping the transceiver (webrtc-pc 5.4): the re-offer rejects the section, the echo ends.
    t.stop();
    await p.negotiate();
    await waitFor(() => (log.some((l) => / stopped echoing video of mid /.test(l)) ? true : undefined), 'echo stopped');
    expect(echo!.readyState).toBe('ended');
    channel.send('after stop');
    await waitFor(() => (echoes.includes('echo: after stop') ? true : undefined), 'chat echo after stop');
  });

  it.each(['inbound', 'outbound'] as const)('repairs RTP loss on the %s leg (NACK and RTX, RFC 4585 6.2.1, RFC 4588): the frames still come back byte-identical', async (direction) => {
    const { demo } = await demoWithLog();
    const p = await page(demo, `loss-${direction}`, direction);
    const video = new MediaStreamTrack({ kind: 'video' });
    p.pc.addTrack(video, new MediaStream([video]));
    chat(p, p.pc.createDataChannel('chat'));
    let echo: MediaStreamTrack | undefined;
    p.pc.ontrack = (e) => {
      echo = e.track;
    };
    await p.negotiate();
    const sent = frames(video);
    const echoed = frames(echo!);
    await waitFor(() => (p.pc.connectionState === 'connected' ? true : undefined), 'connected through the relay');
    play(playIvf(video, m.file('camera.ivf'), { loop: true }));
    await waitFor(() => (echoed.length >= 60 ? true : undefined), 'echoed frames through the lossy relay', 30_000);
    expect(align(sent, echoed.slice())).toBeDefined();
    expect(p.proxy()!.counters.rtpDroppedRandom).toBeGreaterThan(0);
    // Who repaired what, in the bot's own stats: on the inbound leg the bot's receiver
    // NACKs the page; on the outbound leg the page NACKs the bot, which resends what it forwarded.
    await waitFor(() => {
      const v = mediaOf(p.stats.at(-1), 'video');
      if (direction === 'inbound') return (v?.inbound?.nackCount ?? 0) > 0 && (v?.inbound?.retransmittedPacketsReceived ?? 0) > 0 ? true : undefined;
      return (v?.outbound?.nackCount ?? 0) > 0 && (v?.outbound?.retransmittedPacketsSent ?? 0) > 0 ? true : undefined;
    }, 'NACK and RTX counted by the bot', 30_000);
  });

  it(`echoes at most MAX_ECHO_TRACKS (${MAX_ECHO_TRACKS}) tracks per page; the rest get no echo`, async () => {
    const { demo, log } = await demoWithLog();
    const p = await page(demo, 'many');
    for (let i = 0; i <= MAX_ECHO_TRACKS; i++) p.pc.addTrack(new MediaStreamTrack({ kind: 'video' }));
    let echoes = 0;
    p.pc.ontrack = () => echoes++;
    await p.negotiate();
    expect(echoes).toBe(MAX_ECHO_TRACKS);
    expect(log.filter((l) => / echoing video of mid /.test(l))).toHaveLength(MAX_ECHO_TRACKS);
    expect(log.filter((l) => l.endsWith(`not echoing video: already ${MAX_ECHO_TRACKS} echoes`))).toHaveLength(1);
    expect(p.pc.getTransceivers().map((t) => t.currentDirection)).toEqual([...Array.from({ length: MAX_ECHO_TRACKS }, () => 'sendrecv'), 'sendonly']);
  });

  it('a bad re-offer ends that connection with a bye, not the bot', async () => {
    const { demo, log } = await demoWithLog();
    const p = await page(demo, 'bad-reoffer');
    const channel = p.pc.createDataChannel('chat');
    chat(p, channel);
    await p.negotiate();
    await waitFor(() => (channel.readyState === 'open' ? true : undefined), 'chat open');
    p.sig.offer('v=0\r\nnot an offer\r\n', p.botId);
    expect((await p.sig.next('bye')).from).toBe(p.botId);
    expect(log.join('\n')).toMatch(/negotiation failed[^]*closed \(negotiation failed\)/);
    // The bot still answers a new connection from the same page.
    const again = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
    cleanups.push(() => again.close());
    again.createDataChannel('chat');
    await again.setLocalDescription(await again.createOffer());
    p.sig.offer(again.localDescription!.sdp, p.botId);
    expect((await p.sig.next('answer')).sdp).toMatch(/^v=0\r\n/);
    expect(log.filter((l) => l.endsWith(': answered'))).toHaveLength(2);
  });
});

describe('summarizeMedia', () => {
  it('takes any stats report (any types, missing or odd fields) without throwing; numbers stay finite', () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant(undefined), fc.boolean());
    const entry = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd'),
      type: fc.constantFrom('inbound-rtp', 'outbound-rtp', 'codec', 'remote-inbound-rtp', 'transport'),
      timestamp: fc.double(),
      mid: value, kind: value, codecId: fc.oneof(value, fc.constantFrom('a', 'b', 'c', 'd')), remoteId: fc.oneof(value, fc.constantFrom('a', 'b', 'c', 'd')),
      mimeType: value, ssrc: value, packetsReceived: value, packetsSent: value, bytesSent: value, framesReceived: value, roundTripTime: value, packetsLost: value,
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const report = new RTCStatsReport(entries.map((e) => [e.id, e] as const));
        for (const m of summarizeMedia(report)) {
          for (const part of [m.inbound, m.outbound]) {
            for (const v of Object.values(part ?? {})) expect(v === null || Number.isFinite(v)).toBe(true);
          }
          expect(m.codec === null || typeof m.codec === 'string').toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a round trip whose milliseconds overflow is reported as null (fast-check counterexample, seed -632087958)', () => {
    const report = new RTCStatsReport([
      ['OV', { id: 'OV', type: 'outbound-rtp', timestamp: 0, mid: '1', kind: 'video', ssrc: 8, remoteId: 'RV', packetsSent: 1 }],
      ['RV', { id: 'RV', type: 'remote-inbound-rtp', timestamp: 0, roundTripTime: -1.8e305 }],
    ]);
    expect(summarizeMedia(report)[0]?.outbound?.roundTripTimeMs).toBeNull();
  });

  it('groups inbound-rtp and outbound-rtp by mid with the codec and the remote-inbound round trip', () => {
    const report = new RTCStatsReport([
      ['CV', { id: 'CV', type: 'codec', timestamp: 0, mimeType: 'video/VP8' }],
      ['IV', { id: 'IV', type: 'inbound-rtp', timestamp: 0, mid: '1', kind: 'video', ssrc: 7, codecId: 'CV', packetsReceived: 10, bytesReceived: 1000, packetsLost: 1, framesReceived: 3, nackCount: 2, pliCount: 1 }],
      ['OV', { id: 'OV', type: 'outbound-rtp', timestamp: 0, mid: '1', kind: 'video', ssrc: 8, codecId: 'CV', remoteId: 'RV', packetsSent: 9, bytesSent: 900, framesSent: 3, nackCount: 0, pliCount: 4 }],
      ['RV', { id: 'RV', type: 'remote-inbound-rtp', timestamp: 0, packetsLost: 2, roundTripTime: 0.004 }],
      ['OA', { id: 'OA', type: 'outbound-rtp', timestamp: 0, mid: '0', kind: 'audio', ssrc: 5, packetsSent: 50, bytesSent: 5000 }],
    ]);
    expect(summarizeMedia(report)).toEqual([
      { mid: '0', kind: 'audio', codec: null, inbound: null, outbound: { ssrc: 5, packetsSent: 50, bytesSent: 5000, framesSent: null, nackCount: 0, pliCount: null, retransmittedPacketsSent: 0, remotePacketsLost: null, roundTripTimeMs: null } },
      {
        mid: '1', kind: 'video', codec: 'video/VP8',
        inbound: { ssrc: 7, packetsReceived: 10, bytesReceived: 1000, packetsLost: 1, framesReceived: 3, nackCount: 2, pliCount: 1, retransmittedPacketsReceived: 0 },
        outbound: { ssrc: 8, packetsSent: 9, bytesSent: 900, framesSent: 3, nackCount: 0, pliCount: 4, retransmittedPacketsSent: 0, remotePacketsLost: 2, roundTripTimeMs: 4 },
      },
    ]);
  });
});
