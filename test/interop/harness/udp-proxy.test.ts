/**
 * The media tests' lossy UDP relay (test/support/udp-proxy.ts) on loopback with
 * node:dgram: full-cone forwarding both ways (RFC 4787 4.1, 5), the RFC 7983 / RFC 5761 4
 * classification that decides what may be lost (RTP only: never STUN, DTLS or RTCP), the
 * seeded loss fraction, blackouts, and the candidate rewrite (RFC 8839 5.1 fields).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { isRtp, isRtpOrRtcp, startUdpProxy } from '../../support/udp-proxy.js';
import type { UdpProxy } from '../../support/udp-proxy.js';
import { waitFor } from '../../support/wait.js';

const sockets: Socket[] = [];
const proxies: UdpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function socket(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function send(s: Socket, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/** An RTP packet (RFC 3550 5.1: V=2, payload type `pt`) numbered by `seq`. */
const rtp = (seq: number, pt = 96): Buffer => Buffer.from([0x80, pt, seq >> 8, seq & 0xff, 0, 0, 0, 0, 0, 0, 0, 1]);
/** An RTCP receiver report header (RFC 3550 6.4.2: PT 201). */
const rtcp = (): Buffer => Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]);
/** A STUN binding request's first bytes (RFC 8489 5: first two bits zero) and a DTLS record (content type 22). */
const stun = (): Buffer => Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
const dtls = (): Buffer => Buffer.from([22, 0xfe, 0xfd, 0, 0]);

describe('udp-proxy classification (RFC 7983 7, RFC 5761 4)', () => {
  it('tells RTP from RTCP, STUN and DTLS', () => {
    expect(isRtp(rtp(1))).toBe(true);
    expect(isRtp(rtp(1, 96 | 0x80))).toBe(true); // marker set, PT 96: second byte 224
    expect(isRtp(rtp(1, 111))).toBe(true);
    expect(isRtp(rtcp())).toBe(false);
    expect(isRtpOrRtcp(rtcp())).toBe(true);
    for (const pt of [192, 200, 201, 205, 206, 207, 223]) expect(isRtp(Buffer.from([0x80, pt, 0, 0]))).toBe(false);
    expect(isRtpOrRtcp(stun())).toBe(false);
    expect(isRtpOrRtcp(dtls())).toBe(false);
    expect(isRtp(new Uint8Array())).toBe(false);
  });
});

describe('udp-proxy relay', () => {
  it('forwards both ways; the target sees the inner socket, the outer peer the outer socket', async () => {
    const target = await socket();
    const browser = await socket();
    const proxy = await startUdpProxy({ target: { address: '127.0.0.1', port: target.address().port } });
    proxies.push(proxy);
    const atTarget: { data: string; port: number }[] = [];
    target.on('message', (msg, rinfo) => {
      atTarget.push({ data: msg.toString('hex'), port: rinfo.port });
      target.send(msg, rinfo.port, rinfo.address); // echo
    });
    const atBrowser: { data: string; port: number }[] = [];
    browser.on('message', (msg, rinfo) => atBrowser.push({ data: msg.toString('hex'), port: rinfo.port }));
    for (const d of [stun(), dtls(), rtp(7), rtcp()]) browser.send(d, proxy.outer.port, '127.0.0.1');
    await waitFor(() => (atBrowser.length === 4 ? true : undefined), 'four echoes');
    expect(atTarget.map((x) => x.port)).toEqual([proxy.inner.port, proxy.inner.port, proxy.inner.port, proxy.inner.port]);
    expect(atBrowser.map((x) => x.port)).toEqual([proxy.outer.port, proxy.outer.port, proxy.outer.port, proxy.outer.port]);
    expect(new Set(atBrowser.map((x) => x.data))).toEqual(new Set([stun(), dtls(), rtp(7), rtcp()].map((b) => b.toString('hex'))));
    expect(proxy.counters).toMatchObject({ inbound: 4, outbound: 4, rtpSeen: 1, rtcp: 1, strays: 0 });
  });

  it('drops a seeded fraction of RTP only, the same pattern for the same seed, and everything during a blackout', async () => {
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const target = await socket();
      const browser = await socket();
      const proxy = await startUdpProxy({ target: { address: '127.0.0.1', port: target.address().port }, lossFraction: 0.2, seed: 42 });
      proxies.push(proxy);
      const seqs: number[] = [];
      let others = 0;
      target.on('message', (msg) => {
        if (isRtp(msg)) seqs.push(msg.readUInt16BE(2));
        else others++;
      });
      const N = 400;
      for (let i = 0; i < N; i++) {
        await send(browser, rtp(i), proxy.outer.port);
        await send(browser, i % 2 === 0 ? rtcp() : stun(), proxy.outer.port);
        // keep loopback socket buffers short (the kernel drops what overflows them)
        if (i % 20 === 19) await waitFor(() => (proxy.counters.rtpSeen === i + 1 && seqs.length + others === proxy.counters.inbound ? true : undefined), 'relay caught up');
      }
      await waitFor(() => (proxy.counters.rtpSeen === N && proxy.counters.inbound === N - proxy.counters.rtpDroppedRandom + N ? true : undefined), 'all forwarded', 3000).catch((e: unknown) => { throw new Error(`${String(e)} ${JSON.stringify(proxy.counters)}`); });
      await waitFor(() => (seqs.length + others === proxy.counters.inbound ? true : undefined), 'all received');
      expect(others).toBe(N); // RTCP and STUN never dropped
      expect(seqs.length).toBe(N - proxy.counters.rtpDroppedRandom);
      // 20% of 400: 80 expected, binomial sd 8; a fixed seed gives a fixed count
      expect(proxy.counters.rtpDroppedRandom).toBeGreaterThan(40);
      expect(proxy.counters.rtpDroppedRandom).toBeLessThan(120);
      runs.push(seqs);

      proxy.blackout(true);
      const before = seqs.length;
      for (let i = 0; i < 20; i++) browser.send(rtp(1000 + i), proxy.outer.port, '127.0.0.1');
      browser.send(rtcp(), proxy.outer.port, '127.0.0.1');
      await waitFor(() => (others === N + 1 ? true : undefined), 'rtcp through the blackout');
      expect(proxy.counters.rtpDroppedBlackout).toBe(20);
      proxy.blackout(false);
      proxy.setLossFraction(0);
      browser.send(rtp(2000), proxy.outer.port, '127.0.0.1');
      await waitFor(() => (seqs.length === before + 1 ? true : undefined), 'rtp after the blackout');
      expect(seqs.at(-1)).toBe(2000);
      seqs.pop();

      proxy.dropPayloadTypes([97]);
      for (const pt of [97, 97 | 0x80, 96]) await send(browser, rtp(3000, pt), proxy.outer.port);
      await waitFor(() => (seqs.length === before + 1 ? true : undefined), 'the payload type 96 packet');
      expect(proxy.counters.rtpDroppedPayloadType).toBe(2);
      proxy.dropPayloadTypes([]);
      seqs.pop();
    }
    // loopback keeps order here, so the same seed drops the same sequence numbers
    expect(runs[1]).toEqual(runs[0]);
  });

  it("with lossDirection 'outbound' drops what the target sends, not what it receives", async () => {
    const target = await socket();
    const browser = await socket();
    const proxy = await startUdpProxy({ target: { address: '127.0.0.1', port: target.address().port }, lossDirection: 'outbound' });
    proxies.push(proxy);
    const atTarget: number[] = [];
    const atBrowser: number[] = [];
    target.on('message', (msg, rinfo) => {
      atTarget.push(msg.readUInt16BE(2));
      target.send(msg, rinfo.port, rinfo.address); // echo
    });
    browser.on('message', (msg) => atBrowser.push(isRtp(msg) ? msg.readUInt16BE(2) : -1));
    proxy.blackout(true);
    await send(browser, rtp(1), proxy.outer.port);
    await send(browser, rtcp(), proxy.outer.port);
    await waitFor(() => (atTarget.length === 2 && atBrowser.length === 1 ? true : undefined), 'rtp in, only rtcp back');
    expect(atBrowser).toEqual([-1]);
    expect(proxy.counters).toMatchObject({ rtpSeen: 1, rtpDroppedBlackout: 1, rtcp: 1, inbound: 2, outbound: 1 });
    proxy.blackout(false);
    await send(browser, rtp(2), proxy.outer.port);
    await waitFor(() => (atBrowser.length === 2 ? true : undefined), 'rtp echoed');
    expect(atBrowser).toEqual([-1, 2]);
  });

  it('rewrites the target candidate (RFC 8839 5.1) and leaves the others', async () => {
    const proxy = await startUdpProxy({ target: { address: '127.0.0.1', port: 5000 } });
    proxies.push(proxy);
    const ours = 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host generation 0';
    expect(proxy.rewriteCandidate(ours)).toBe(`candidate:1 1 udp 2130706431 127.0.0.1 ${proxy.outer.port} typ host generation 0`);
    const other = 'candidate:2 1 udp 2130706431 127.0.0.1 5001 typ host';
    expect(proxy.rewriteCandidate(other)).toBe(other);
    const tcp = 'candidate:3 1 tcp 1518280447 127.0.0.1 5000 typ host tcptype passive';
    expect(proxy.rewriteCandidate(tcp)).toBe(tcp);
    const sdp = `v=0\r\na=${ours}\r\na=${other}\r\n`;
    expect(proxy.rewriteSdp(sdp)).toBe(`v=0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 ${proxy.outer.port} typ host generation 0\r\na=${other}\r\n`);
    expect(proxy.rewriteSdp(sdp, { dropOthers: true })).toBe(`v=0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 ${proxy.outer.port} typ host generation 0\r\n`);
    expect(proxy.isTargetCandidate(ours)).toBe(true);
    expect(proxy.isTargetCandidate(tcp)).toBe(false);
  });
});
