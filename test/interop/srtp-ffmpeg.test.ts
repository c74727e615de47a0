/**
 * Cross-validation with FFmpeg's SRTP (libavformat/srtp.c, an implementation we did not
 * write), which covers the profile werift lacks: SRTP_AES128_CM_HMAC_SHA1_32 (and _80).
 * FFmpeg sends a sine tone as PCMU over SRTP/SRTCP to our loopback sockets, starting near
 * sequence 65535 so the ROC rolls over; we unprotect every packet and compare the payloads
 * with the raw PCMU FFmpeg writes for the same input. The test ends when every payload
 * byte has arrived (and, for _80, FFmpeg's SRTCP BYE has been unprotected), so nothing here
 * waits on a clock.
 *
 * FFmpeg deviation, found here: with AES_CM_128_HMAC_SHA1_32 it puts a 32-bit tag on SRTCP
 * too (libavformat/srtp.c uses one hmac_size for both), where RFC 4568 6.2.1 and RFC 5764
 * 4.1.2 give SRTCP an 80-bit tag for that suite. We follow the RFCs, so for _32 only SRTP
 * is compared, and FFmpeg's short-tagged SRTCP is checked to be refused, not mis-parsed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/common/hex.js';
import { SrtpContext } from '../../src/srtp/context.js';
import { readRtpHeader } from '../../src/srtp/header.js';
import { SrtpProfile } from '../../src/srtp/profile.js';

const TONE = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=3', '-c:a', 'pcm_mulaw'];
const RTCP_BYE = 203;

function run(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err}`))));
  });
}

function bind(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/** True when the compound RTCP packet holds a BYE. */
function hasBye(rtcp: Uint8Array): boolean {
  for (let at = 0; at + 4 <= rtcp.length; at += 4 * (((rtcp[at + 2]! << 8) | rtcp[at + 3]!) + 1)) {
    if (rtcp[at + 1] === RTCP_BYE) return true;
  }
  return false;
}

describe.each([
  ['AES_CM_128_HMAC_SHA1_32', SrtpProfile.AesCm128HmacSha1_32, false],
  ['AES_CM_128_HMAC_SHA1_80', SrtpProfile.AesCm128HmacSha1_80, true],
] as const)('ffmpeg %s', (suite, profile, rtcpConforms) => {
  it('FFmpeg protects, we unprotect SRTP and SRTCP, across the ROC rollover', async () => {
    const masterKey = randomBytes(16);
    const masterSalt = randomBytes(14);
    const rx = new SrtpContext(profile, masterKey, masterSalt);
    const raw = await run([...TONE, '-f', 'mulaw', '-']);
    const [rtpSock, rtcpSock] = await Promise.all([bind(), bind()]);
    const payloads: Uint8Array[] = [];
    const indices: number[] = [];
    const failures: string[] = [];
    const rtcpRefused: string[] = [];
    let payloadBytes = 0;
    let sawBye = !rtcpConforms;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const check = (): void => {
      if (payloadBytes >= raw.length && sawBye) finish();
    };
    rtpSock.on('message', (m) => {
      const r = rx.unprotectRtp(new Uint8Array(m));
      if (!r.ok) return void failures.push(`rtp ${r.reason}`);
      indices.push(r.index);
      const payload = r.packet.subarray(readRtpHeader(r.packet).headerLength);
      payloads.push(payload);
      payloadBytes += payload.length;
      check();
    });
    rtcpSock.on('message', (m) => {
      const r = rx.unprotectRtcp(new Uint8Array(m));
      if (!r.ok) return void (rtcpConforms ? failures.push(`rtcp ${r.reason}`) : rtcpRefused.push(r.reason));
      if (hasBye(r.packet)) sawBye = true;
      check();
    });
    try {
      // Small packets (pkt_size) keep the burst far below the socket's receive buffer.
      const url = `srtp://127.0.0.1:${rtpSock.address().port}?rtcpport=${rtcpSock.address().port}&pkt_size=400`;
      const params = Buffer.concat([masterKey, masterSalt]).toString('base64');
      await Promise.all([
        run([...TONE, '-f', 'rtp', '-ssrc', '4660', '-seq', '65500', '-rtpflags', 'send_bye', '-srtp_out_suite', suite, '-srtp_out_params', params, url]),
        done,
      ]);
      expect(failures).toEqual([]);
      if (!rtcpConforms) for (const reason of rtcpRefused) expect(reason).toBe('auth');
      expect(indices.length).toBeGreaterThan(40);
      expect(indices).toEqual(indices.map((_, i) => 65500 + i)); // in order on loopback, ROC 1 after 65535
      expect(indices.at(-1)!).toBeGreaterThan(65535);
      expect(toHex(Buffer.concat(payloads))).toBe(toHex(raw));
    } finally {
      rtpSock.close();
      rtcpSock.close();
    }
  });
});
