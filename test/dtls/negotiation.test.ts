/**
 * Negotiation rules: extended master secret required (RFC 7627 5.2), a DTLS 1.3-only
 * client refused with protocol_version (RFC 8446 4.2.1 / RFC 6347 4.1), plaintext
 * handshake input ignored once encrypted, use_srtp selection (RFC 5764 4.1.1), application data that
 * overtakes the peer's Finished (RFC 6347 4.1), and the RFC 5705 exporter context.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/common/hex.js';
import { seededRandom } from '../../src/common/random.js';
import { parseRecords, serializeRecord } from '../../src/dtls/record.js';
import { parseFragments, fragmentMessage, serializeFragment } from '../../src/dtls/fragment.js';
import { HandshakeReassembler } from '../../src/dtls/reassembly.js';
import { parseClientHello, parseServerHello, serializeClientHello } from '../../src/dtls/hello.js';
import type { ClientHello } from '../../src/dtls/hello.js';
import { ContentType, ExtensionType, HandshakeType } from '../../src/dtls/constants.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import type { DtlsEvent } from '../../src/dtls/endpoint.js';
import { Pair, testCertificate } from './harness.js';

const capture = JSON.parse(readFileSync(new URL('../../vectors/chromium-156/dtls-clienthello-first-flight.json', import.meta.url), 'utf8')) as { datagrams: string[] };

function chromeHello(): ClientHello {
  const r = new HandshakeReassembler();
  for (const h of capture.datagrams) for (const rec of parseRecords(fromHex(h))) for (const f of parseFragments(rec.fragment)) r.add(f);
  return parseClientHello(r.next()!.body);
}

function offer(hello: ClientHello): { server: DtlsEndpoint; events: DtlsEvent[]; out: Uint8Array[] } {
  const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(3), rng: seededRandom(3) });
  server.start(0);
  let seq = 0;
  for (const f of fragmentMessage(HandshakeType.ClientHello, 0, serializeClientHello(hello), 1000)) {
    server.handleInput(1, serializeRecord({ contentType: ContentType.Handshake, version: 0xfefd, epoch: 0, sequenceNumber: seq++, fragment: serializeFragment(f) }));
  }
  const events: DtlsEvent[] = [];
  for (let e = server.pollEvent(); e; e = server.pollEvent()) events.push(e);
  const out: Uint8Array[] = [];
  for (let d = server.pollTransmit(); d; d = server.pollTransmit()) out.push(d);
  return { server, events, out };
}

describe('what the server accepts', () => {
  it('refuses a ClientHello without extended_master_secret', () => {
    const h = chromeHello();
    const { server, events, out } = offer({ ...h, extensions: h.extensions.filter((e) => e.type !== ExtensionType.extended_master_secret) });
    expect(server.state).toBe('closed');
    expect(events).toContainEqual(expect.objectContaining({ type: 'alert', name: 'handshake_failure', fromPeer: false }));
    expect(events.at(-1)).toMatchObject({ type: 'closed', error: 'remote', reason: expect.stringMatching(/extended_master_secret/) });
    // The alert went out as a plaintext fatal alert record.
    const rec = parseRecords(out.at(-1)!)[0]!;
    expect([rec.contentType, ...rec.fragment]).toEqual([ContentType.Alert, 2, 40]);
  });

  it('refuses a client that offers only DTLS 1.3', () => {
    const h = chromeHello();
    const exts = h.extensions.map((e) => (e.type === ExtensionType.supported_versions ? { type: e.type, data: Uint8Array.of(2, 0xfe, 0xfc) } : e));
    const { events } = offer({ ...h, extensions: exts });
    expect(events).toContainEqual(expect.objectContaining({ type: 'alert', name: 'protocol_version' }));
  });

  it('refuses a DTLS 1.0-only client and a non-DTLS version', () => {
    const h = chromeHello();
    const noVersions = h.extensions.filter((e) => e.type !== ExtensionType.supported_versions);
    expect(offer({ ...h, version: 0xfeff, extensions: noVersions }).events).toContainEqual(expect.objectContaining({ type: 'alert', name: 'protocol_version' }));
    expect(offer({ ...h, version: 0x0303, extensions: noVersions }).events).toContainEqual(expect.objectContaining({ type: 'alert', name: 'protocol_version' }));
    expect(offer({ ...h, extensions: noVersions }).server.state).toBe('handshaking');
  });

  it('a DTLS 1.3-capable server answering 1.2 to a 1.3 offer sets the downgrade sentinel (RFC 8446 4.1.3)', () => {
    const h = chromeHello();
    const noShares = { ...h, extensions: h.extensions.filter((e) => e.type !== ExtensionType.key_share) };
    const random = (dtls13: boolean): Uint8Array => {
      const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(3), rng: seededRandom(3), dtls13 });
      server.start(0);
      for (const f of fragmentMessage(HandshakeType.ClientHello, 0, serializeClientHello(noShares), 1000)) {
        server.handleInput(1, serializeRecord({ contentType: ContentType.Handshake, version: 0xfefd, epoch: 0, sequenceNumber: f.fragmentOffset, fragment: serializeFragment(f) }));
      }
      const r = new HandshakeReassembler();
      for (let d = server.pollTransmit(); d; d = server.pollTransmit()) for (const rec of parseRecords(d)) for (const f of parseFragments(rec.fragment)) r.add(f);
      const sh = r.next()!;
      expect(sh.msgType).toBe(HandshakeType.ServerHello);
      return parseServerHello(sh.body).random;
    };
    expect(new TextDecoder().decode(random(true).subarray(24, 31))).toBe('DOWNGRD');
    expect(random(true)[31]).toBe(1);
    expect(new TextDecoder().decode(random(false).subarray(24, 31))).not.toBe('DOWNGRD');
  });

  it('picks the first SRTP profile of its own preference that the client offers', () => {
    const h = chromeHello();
    const exts = h.extensions.map((e) => (e.type === ExtensionType.use_srtp ? { type: e.type, data: Uint8Array.of(0, 4, 0, 2, 0, 1, 0) } : e));
    const { server } = offer({ ...h, extensions: exts });
    expect(server.state).toBe('handshaking');
    const p = new Pair({ srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_32', 'SRTP_AES128_CM_HMAC_SHA1_80'] }, { srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AES128_CM_HMAC_SHA1_32'] });
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    expect(p.client.negotiated?.srtpProfile).toBe('SRTP_AES128_CM_HMAC_SHA1_80');
    const none = new Pair({ srtpProfiles: ['SRTP_AEAD_AES_256_GCM'] }, { srtpProfiles: ['SRTP_AEAD_AES_128_GCM'] });
    none.start();
    expect(none.runUntil(() => none.connected())).toBe(true);
    expect(none.server.negotiated?.srtpProfile).toBeUndefined();
  });
});

describe('after the handshake', () => {
  it('ignores an unauthenticated (epoch 0) ClientHello after the handshake', () => {
    const p = new Pair();
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    // A plaintext ClientHello with a new message_seq after the switch to epoch 1.
    const h = chromeHello();
    const body = serializeClientHello(h);
    const [f] = fragmentMessage(HandshakeType.ClientHello, 50, body, 5000);
    p.server.handleInput(p.now, serializeRecord({ contentType: ContentType.Handshake, version: 0xfefd, epoch: 0, sequenceNumber: 77, fragment: serializeFragment(f!) }));
    expect(p.server.state).toBe('connected');
  });

  it('delivers application data that overtook the peer\'s Finished', () => {
    const p = new Pair();
    let dropped = false;
    p.filter = (from, d) => {
      if (from === 1 && !dropped && d[0] === ContentType.ChangeCipherSpec) {
        dropped = true;
        return false;
      }
      return true;
    };
    p.start();
    expect(p.runUntil(() => p.server.state === 'connected')).toBe(true);
    p.server.send(new TextEncoder().encode('early'));
    expect(p.runUntil(() => p.connected())).toBe(true);
    p.runUntil(() => p.events[0].some((e) => e.type === 'data'));
    const types = p.events[0].map((e) => e.type);
    expect(types.indexOf('connected')).toBeLessThan(types.indexOf('data'));
    const d = p.events[0].find((e) => e.type === 'data');
    expect(d?.type === 'data' && new TextDecoder().decode(d.data)).toBe('early');
  });

  it('exporter: no context, empty context and a context all differ (RFC 5705 4)', () => {
    const p = new Pair();
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    const a = p.client.exportKeyingMaterial('EXPORTER-test', 32);
    const b = p.client.exportKeyingMaterial('EXPORTER-test', 32, new Uint8Array(0));
    const c = p.client.exportKeyingMaterial('EXPORTER-test', 32, Uint8Array.of(1));
    expect(a).not.toEqual(b);
    expect(b).not.toEqual(c);
    expect(p.server.exportKeyingMaterial('EXPORTER-test', 32, Uint8Array.of(1))).toEqual(c);
    expect(() => new DtlsEndpoint({ role: 'client', certificate: testCertificate(1) }).exportKeyingMaterial('x', 1)).toThrow(/once connected/);
  });
});

describe('options', () => {
  it('rejects bad options with InvalidArgumentError', () => {
    const certificate = testCertificate(1);
    expect(() => new DtlsEndpoint({ role: 'client', certificate, cipherSuites: [] })).toThrow(/no cipher suites/);
    expect(() => new DtlsEndpoint({ role: 'client', certificate, initialRtoMs: 0 })).toThrow(/initialRtoMs/);
    expect(() => new DtlsEndpoint({ role: 'client', certificate, maxRetransmits: -1 })).toThrow(/maxRetransmits/);
    expect(() => new DtlsEndpoint({ role: 'client', certificate, cipherSuites: ['TLS_NOPE' as never] })).toThrow(/unknown cipher suite/);
    const ep = new DtlsEndpoint({ role: 'client', certificate });
    expect(() => ep.send(Uint8Array.of(1))).toThrow(/cannot send/);
  });
});
