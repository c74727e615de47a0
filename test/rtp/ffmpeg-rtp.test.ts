// Interop with ffmpeg's RTP demuxer and VP8 depacketizer (libavformat rtpdec_vp8): a real
// libvpx stream is packetized by us (RFC 7741), sent as RTP over UDP on 127.0.0.1 to
// `ffmpeg -i stream.sdp` (after an SR + SDES compound), and ffmpeg's reassembled frames
// must equal the originals. ffmpeg stops after the frame count (`-frames:v`); ending it
// with an RTCP BYE instead races the BYE against RTP packets still queued in ffmpeg.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIvf, Vp8Packetizer } from '../../src/media/index.js';
import { rtpPacket, serializeRtp, serializeRtcp } from '../../src/rtp/index.js';

let dir = '';
// Sequence numbers cross the 16-bit wrap and timestamps the 32-bit one.
const TS0 = 0xffff0000;
const SEQ0 = 65500;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'purertc-ffrtp-'));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '2', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '30', path.join(dir, 'src.ivf')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An even UDP port on 127.0.0.1 whose successor (RTCP) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const a = dgram.createSocket('udp4');
    a.bind(0, '127.0.0.1');
    await once(a, 'listening');
    const p = a.address().port;
    a.close();
    if (p % 2 !== 0 || p > 65000) continue;
    const b = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(p + 1, '127.0.0.1', () => resolve(true));
    });
    b.close();
    if (ok) return p;
  }
}

/** ffmpeg opens its RTP socket before it reads anything: wait until the kernel lists it (bounded). */
async function waitForUdpListener(port: number): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (let i = 0; i < 1000; i++) {
    if (readFileSync('/proc/net/udp', 'utf8').includes(hex)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`ffmpeg never opened UDP port ${port}`);
}

describe('ffmpeg receives our RTP', () => {
  it('VP8 frames packetized by us are reassembled by ffmpeg byte for byte', async () => {
    const { header, frames } = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'src.ivf'))));
    const port = await freePortPair();
    const sdpPath = path.join(dir, 'in.sdp');
    const outPath = path.join(dir, 'received.ivf');
    writeFileSync(sdpPath, `v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video ${port} RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`);
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath, '-c', 'copy', '-frames:v', String(frames.length), outPath]);
    let stderr = '';
    ff.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(ff, 'exit');
    const guard = setTimeout(() => ff.kill('SIGKILL'), 30_000); // never hang the suite
    try {
      await waitForUdpListener(port);
      const sock = dgram.createSocket('udp4');
      const send = (b: Uint8Array, p: number) => new Promise<void>((resolve, reject) => sock.send(b, p, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      // An SR + SDES compound first, as a sender would (RFC 3550 6.1).
      await send(
        serializeRtcp([
          { type: 'sr', ssrc: 0x5eed, ntpTimestamp: 0xeeb147dd353f7cedn, rtpTimestamp: TS0, packetCount: 0, octetCount: 0, reports: [] },
          { type: 'sdes', chunks: [{ ssrc: 0x5eed, items: [{ type: 1, text: 'purertc' }] }] },
        ]),
        port + 1,
      );
      const pk = new Vp8Packetizer({ maxPayloadBytes: 1100, pictureId: 100 });
      let seq = SEQ0;
      for (const [i, f] of frames.entries()) {
        const payloads = pk.packetize(f.data);
        for (const [k, payload] of payloads.entries()) {
          await send(serializeRtp(rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: (TS0 + i * 3000) >>> 0, ssrc: 0x5eed, marker: k === payloads.length - 1, payload })), port);
        }
      }
      const [code] = await exited;
      sock.close();
      expect(stderr).toBe('');
      expect(code).toBe(0);
    } finally {
      clearTimeout(guard);
      if (ff.exitCode === null) ff.kill('SIGKILL');
    }
    const got = parseIvf(new Uint8Array(readFileSync(outPath)));
    expect(got.header).toMatchObject({ fourcc: 'VP80', width: header.width, height: header.height });
    expect(got.frames.length).toBe(frames.length);
    got.frames.forEach((f, i) => expect(f.data).toEqual(frames[i]!.data));
  });
});
