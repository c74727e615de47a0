/**
 * Our DTLS endpoint against Chromium 156's, over a real ICE path: the page offers a data
 * channel; Node answers as an ICE-lite endpoint (RFC 8445 2.5) on 127.0.0.1 with a tiny
 * STUN Binding responder (RFC 8489 6.3.1, 14.5 MESSAGE-INTEGRITY, 14.7 FINGERPRINT; in
 * this file so the test depends on nothing but dtls and common) and our certificate's
 * fingerprint (RFC 8122). With a=setup:passive Chrome is the DTLS client (RFC 5763 5):
 * its ClientHello offers DTLS 1.3 and we answer 1.2; with a=setup:active we are the
 * client. Success is checked on both sides: our `connected` event (with Chrome's
 * certificate matching the offer's fingerprint) and Chrome's connectionState, and the
 * first application data is Chrome's SCTP packet (RFC 8261, port 5000).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { chromeAvailable, useChrome } from '../interop/harness/index.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import type { DtlsEvent } from '../../src/dtls/endpoint.js';
import { certificateFingerprint, formatFingerprint, parseFingerprint } from '../../src/crypto/x509.js';
import { hmac } from '../../src/crypto/hash.js';
import { crc32 } from '../../src/common/crc32.js';
import { Writer } from '../../src/common/bytes.js';
import { testCertificate } from './harness.js';

const ICE_UFRAG = 'purertcdtls';
const ICE_PWD = 'purertc-dtls-interop-password';
const MAGIC = 0x2112a442;

/** A Binding success response to `req` from `from` (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT). */
function bindingSuccess(req: Uint8Array, fromAddress: string, fromPort: number): Uint8Array {
  const txid = req.subarray(8, 20);
  const ip = fromAddress.split('.').map(Number);
  const w = new Writer(100);
  w.u16(0x0101).u16(0).u32(MAGIC).bytes(txid);
  w.u16(0x0020).u16(8).u8(0).u8(1).u16(fromPort ^ 0x2112);
  w.u32((((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) ^ MAGIC) >>> 0);
  w.setU16(2, w.length - 20 + 24);
  const mi = hmac('sha1', new TextEncoder().encode(ICE_PWD), w.written());
  w.u16(0x0008).u16(20).bytes(mi);
  w.setU16(2, w.length - 20 + 8);
  const fp = (crc32(w.written()) ^ 0x5354554e) >>> 0;
  w.u16(0x8028).u16(4).u32(fp);
  return w.finish();
}

class IceLiteDtls {
  readonly socket: Socket;
  readonly events: DtlsEvent[] = [];
  readonly endpoint: DtlsEndpoint;
  private remote: { address: string; port: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  stunRequests = 0;

  constructor(endpoint: DtlsEndpoint, socket: Socket) {
    this.endpoint = endpoint;
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      const first = msg[0] ?? 255;
      if (first <= 3) {
        if (msg.readUInt16BE(0) !== 0x0001) return;
        this.stunRequests++;
        this.remote = { address: rinfo.address, port: rinfo.port };
        socket.send(bindingSuccess(new Uint8Array(msg), rinfo.address, rinfo.port), rinfo.port, rinfo.address);
        if (!this.started) {
          this.started = true;
          this.endpoint.start(performance.now());
          this.flush();
        }
      } else if (first >= 20 && first <= 63) {
        this.remote ??= { address: rinfo.address, port: rinfo.port };
        this.endpoint.handleInput(performance.now(), new Uint8Array(msg));
        this.flush();
      }
    });
  }

  static async bind(endpoint: DtlsEndpoint): Promise<IceLiteDtls> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new IceLiteDtls(endpoint, s);
  }

  flush(): void {
    for (let d = this.endpoint.pollTransmit(); d; d = this.endpoint.pollTransmit()) {
      if (this.remote) this.socket.send(d, this.remote.port, this.remote.address);
    }
    for (let e = this.endpoint.pollEvent(); e; e = this.endpoint.pollEvent()) this.events.push(e);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.endpoint.pollTimeout();
    if (at !== undefined) {
      this.timer = setTimeout(() => {
        this.endpoint.handleTimeout(performance.now());
        this.flush();
      }, Math.max(0, at - performance.now()));
    }
  }

  async waitFor(pred: (e: DtlsEvent) => boolean, timeoutMs = 15_000): Promise<DtlsEvent> {
    const start = performance.now();
    for (;;) {
      const e = this.events.find(pred);
      if (e) return e;
      if (performance.now() - start > timeoutMs) throw new Error(`timeout; stun requests ${this.stunRequests}; events ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket.close();
  }
}

function answerSdp(offer: string, port: number, fingerprint: string, setup: 'active' | 'passive'): string {
  const mid = /a=mid:(\S+)/.exec(offer)?.[1] ?? '0';
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'a=ice-lite',
    `m=application ${port} UDP/DTLS/SCTP webrtc-datachannel`,
    'c=IN IP4 127.0.0.1',
    `a=mid:${mid}`,
    `a=ice-ufrag:${ICE_UFRAG}`,
    `a=ice-pwd:${ICE_PWD}`,
    `a=fingerprint:${fingerprint}`,
    `a=setup:${setup}`,
    'a=sctp-port:5000',
    `a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`,
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

describe.skipIf(!chromeAvailable)('DTLS 1.2 against Chromium', () => {
  const chrome = useChrome();
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  const cases = [
    { setup: 'passive', cookies: false },
    { setup: 'passive', cookies: true },
    { setup: 'active', cookies: false },
    { setup: 'passive', cookies: false, dtls13: true },
    { setup: 'active', cookies: false, dtls13: true },
    { setup: 'passive', cookies: true, dtls13: true },
  ] as const;
  for (const c of cases) {
    const { setup, cookies } = c;
    const dtls13 = 'dtls13' in c && c.dtls13;
    it(`Chrome as DTLS ${setup === 'passive' ? 'client' : 'server'}, ${dtls13 ? 'DTLS 1.3 with X25519MLKEM768' : setup === 'passive' ? 'offers 1.3, gets 1.2' : 'DTLS 1.2'}${cookies ? (dtls13 ? ', after our HelloRetryRequest' : ', after our HelloVerifyRequest') : ''}`, async () => {
      const page = await chrome.newPage();
      const peer = await page.createPeer('chrome', { dataChannels: ['dtls'] });
      const offer = await peer.createOffer();
      const offerSdp = offer.sdp ?? '';
      const fpLine = /a=fingerprint:([^\r\n]+)/.exec(offerSdp)?.[1];
      expect(fpLine).toBeDefined();
      const chromeFingerprint = parseFingerprint(fpLine!);
      const cert = testCertificate(61);
      const ours = await IceLiteDtls.bind(new DtlsEndpoint({
        role: setup === 'passive' ? 'server' : 'client',
        certificate: cert,
        remoteFingerprints: [chromeFingerprint],
        cookies,
        dtls13,
      }));
      cleanups.push(() => ours.close());
      await peer.setRemoteDescription({ type: 'answer', sdp: answerSdp(offerSdp, ours.socket.address().port, formatFingerprint(certificateFingerprint(cert.der)), setup) });
      const ev = await ours.waitFor((e) => e.type === 'connected' || e.type === 'closed');
      expect(ev).toMatchObject({ type: 'connected', version: dtls13 ? 'DTLS 1.3' : 'DTLS 1.2', peerFingerprint: chromeFingerprint });
      if (ev.type === 'connected') {
        expect(ev.srtpProfile).toBeDefined();
        // Measured with Chromium 156: as client it takes our first choices; as server it
        // picks ECDHE-ECDSA-AES128-GCM-SHA256, x25519 and SRTP_AES128_CM_HMAC_SHA1_80.
        if (dtls13 && setup === 'passive') expect([ev.cipherSuite, ev.group, ev.srtpProfile]).toEqual(['TLS_AES_128_GCM_SHA256', 'X25519MLKEM768', 'SRTP_AEAD_AES_128_GCM']);
        else if (dtls13) expect([ev.group, ev.srtpProfile]).toEqual(['X25519MLKEM768', 'SRTP_AES128_CM_HMAC_SHA1_80']);
        else if (setup === 'passive') expect([ev.cipherSuite, ev.group, ev.srtpProfile]).toEqual(['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'x25519', 'SRTP_AEAD_AES_128_GCM']);
      }
      await peer.waitFor({ kind: 'connectionState', state: 'connected' });
      // Chrome's SCTP association starts over our DTLS: an SCTP packet to port 5000 (RFC 8261).
      if (setup === 'passive') {
        const data = await ours.waitFor((e) => e.type === 'data');
        expect(data.type === 'data' && ((data.data[2]! << 8) | data.data[3]!)).toBe(5000);
      }
    });
  }
});
