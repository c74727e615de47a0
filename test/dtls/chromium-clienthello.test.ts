/**
 * Chrome 156's first DTLS flight (vectors/chromium-156/dtls-clienthello-first-flight.json):
 * one 1413-byte ClientHello in two fragments across two datagrams, offering DTLS 1.3
 * (supported_versions 0xfefc) and X25519MLKEM768 key shares. Our server must reassemble
 * it in either order and answer in DTLS 1.2 (RFC 9147 5.3 / RFC 6347), or with a
 * HelloVerifyRequest first when cookies are on (RFC 6347 4.2.1), or in DTLS 1.3 with an
 * X25519MLKEM768 share when `dtls13` is on (RFC 9147, draft-ietf-tls-ecdhe-mlkem).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/common/hex.js';
import { parseRecords } from '../../src/dtls/record.js';
import { parseFragments, fragmentMessage, serializeFragment } from '../../src/dtls/fragment.js';
import type { HandshakeFragment } from '../../src/dtls/fragment.js';
import { HandshakeReassembler } from '../../src/dtls/reassembly.js';
import type { HandshakeMessage } from '../../src/dtls/reassembly.js';
import { parseClientHello, parseHelloVerifyRequest, parseServerHello, serializeClientHello } from '../../src/dtls/hello.js';
import { parseServerKeyExchange } from '../../src/dtls/messages12.js';
import { findExtension, parseClientSupportedVersions, parseSupportedGroups, parseUseSrtp } from '../../src/dtls/extensions.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import { ContentType, DtlsVersion, ExtensionType, HandshakeType } from '../../src/dtls/constants.js';
import { serializeRecord } from '../../src/dtls/record.js';
import { seededRandom } from '../../src/common/random.js';
import { parseRecords13 } from '../../src/dtls/record13.js';
import { testCertificate } from './harness.js';

const capture = JSON.parse(readFileSync(new URL('../../vectors/chromium-156/dtls-clienthello-first-flight.json', import.meta.url), 'utf8')) as { datagrams: string[] };
const datagrams = capture.datagrams.map((h) => fromHex(h));

function messagesOf(dgs: readonly Uint8Array[]): HandshakeMessage[] {
  const r = new HandshakeReassembler();
  const out: HandshakeMessage[] = [];
  for (const d of dgs) {
    for (const rec of parseRecords(d)) {
      if (rec.contentType !== ContentType.Handshake || rec.epoch !== 0) continue;
      for (const f of parseFragments(rec.fragment)) {
        if (out.length === 0 && r.nextSeq === 0 && f.messageSeq > 0) r.reset(f.messageSeq);
        r.add(f);
      }
      for (let m = r.next(); m; m = r.next()) out.push(m);
    }
  }
  return out;
}

function drain(ep: DtlsEndpoint): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = ep.pollTransmit(); d; d = ep.pollTransmit()) out.push(d);
  return out;
}

describe("Chrome 156's ClientHello", () => {
  it('parses: two fragments of one 1413-byte message offering DTLS 1.3 and 1.2', () => {
    const frags: HandshakeFragment[] = datagrams.flatMap((d) => parseRecords(d).flatMap((r) => parseFragments(r.fragment)));
    expect(frags.map((f) => [f.messageSeq, f.fragmentOffset, f.body.length, f.length])).toEqual([
      [0, 0, 1175, 1413],
      [0, 1175, 238, 1413],
    ]);
    const [ch] = messagesOf(datagrams);
    expect(ch?.msgType).toBe(HandshakeType.ClientHello);
    const hello = parseClientHello(ch!.body);
    expect(hello.version).toBe(DtlsVersion.Dtls12);
    expect(hello.cookie.length).toBe(0);
    expect(hello.cipherSuites).toContain(0xc02b);
    expect(parseClientSupportedVersions(findExtension(hello.extensions, ExtensionType.supported_versions)!.data)).toEqual([0xfefc, 0xfefd]);
    expect(parseSupportedGroups(findExtension(hello.extensions, ExtensionType.supported_groups)!.data)).toEqual([0x11ec, 0x001d, 0x0017, 0x0018]);
    expect(findExtension(hello.extensions, ExtensionType.extended_master_secret)).toBeDefined();
    expect(parseUseSrtp(findExtension(hello.extensions, ExtensionType.use_srtp)!.data).profiles.length).toBeGreaterThan(0);
    // Re-serializing what we parsed gives Chrome's bytes back.
    expect(serializeClientHello(hello)).toEqual(ch!.body);
  });

  for (const order of [[0, 1], [1, 0]] as const) {
    it(`our server answers with a DTLS 1.2 ServerHello (fragments in order ${order.join(',')})`, () => {
      const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(31), rng: seededRandom(5) });
      server.start(0);
      for (const i of order) server.handleInput(10, datagrams[i]!);
      const out = drain(server);
      expect(out.length).toBeGreaterThan(0);
      for (const d of out) expect(d.length).toBeLessThanOrEqual(1200);
      const msgs = messagesOf(out);
      expect(msgs.map((m) => m.msgType)).toEqual([
        HandshakeType.ServerHello,
        HandshakeType.Certificate,
        HandshakeType.ServerKeyExchange,
        HandshakeType.CertificateRequest,
        HandshakeType.ServerHelloDone,
      ]);
      expect(msgs[0]!.messageSeq).toBe(0);
      const sh = parseServerHello(msgs[0]!.body);
      expect(sh.version).toBe(DtlsVersion.Dtls12);
      expect(sh.cipherSuite).toBe(0xc02b);
      expect(findExtension(sh.extensions, ExtensionType.supported_versions)).toBeUndefined();
      expect(findExtension(sh.extensions, ExtensionType.extended_master_secret)).toBeDefined();
      expect(parseServerKeyExchange(msgs[2]!.body).namedGroup).toBe(0x001d);
    });
  }

  it('with cookies: HelloVerifyRequest first, then a ServerHello to the hello that carries the cookie', () => {
    const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(31), cookies: true, rng: seededRandom(6) });
    server.start(0);
    for (const d of datagrams) server.handleInput(10, d);
    const hvrMsgs = messagesOf(drain(server));
    expect(hvrMsgs.map((m) => [m.msgType, m.messageSeq])).toEqual([[HandshakeType.HelloVerifyRequest, 0]]);
    const hvr = parseHelloVerifyRequest(hvrMsgs[0]!.body);
    expect(hvr.version).toBe(DtlsVersion.Dtls10);
    // Chrome resends the same hello with the cookie and message_seq 1 (captures README).
    const original = parseClientHello(messagesOf(datagrams)[0]!.body);
    const body = serializeClientHello({ ...original, cookie: hvr.cookie });
    let seq = 2;
    for (const f of fragmentMessage(HandshakeType.ClientHello, 1, body, 1100).reverse()) {
      server.handleInput(20, serializeRecord({ contentType: ContentType.Handshake, version: DtlsVersion.Dtls10, epoch: 0, sequenceNumber: seq++, fragment: serializeFragment(f) }));
    }
    const msgs = messagesOf(drain(server));
    expect(msgs[0]!.msgType).toBe(HandshakeType.ServerHello);
    expect(msgs[0]!.messageSeq).toBe(1);
    expect(parseServerHello(msgs[0]!.body).version).toBe(DtlsVersion.Dtls12);
  });
});

describe('record sequence mirroring (RFC 6347 4.2.1)', () => {
  it('HelloVerifyRequest and the initial ServerHello carry the ClientHello record sequence number', () => {
    const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(31), cookies: true, rng: seededRandom(7) });
    server.start(0);
    const original = parseClientHello(messagesOf(datagrams)[0]!.body);
    const send = (seq: number, body: Uint8Array, recordSeq: number): Uint8Array[] => {
      server.handleInput(1, serializeRecord({ contentType: ContentType.Handshake, version: DtlsVersion.Dtls10, epoch: 0, sequenceNumber: recordSeq, fragment: serializeFragment(fragmentMessage(HandshakeType.ClientHello, seq, body, 5000)[0]!) }));
      return drain(server);
    };
    const hvrOut = send(0, serializeClientHello(original), 41);
    expect(parseRecords(hvrOut[0]!)[0]!.sequenceNumber).toBe(41);
    const cookie = parseHelloVerifyRequest(messagesOf(hvrOut)[0]!.body).cookie;
    const shOut = send(1, serializeClientHello({ ...original, cookie }), 57);
    const recs = shOut.flatMap((d) => parseRecords(d));
    expect(recs[0]!.sequenceNumber).toBe(57);
    expect(recs.map((r) => r.sequenceNumber)).toEqual(recs.map((_, i) => 57 + i));
  });
});

describe("Chrome 156's ClientHello with DTLS 1.3 enabled on our server", () => {
  it('gets a DTLS 1.3 ServerHello with an X25519MLKEM768 key share, the rest encrypted in epoch 2', () => {
    const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(31), rng: seededRandom(5), dtls13: true });
    server.start(0);
    for (const d of [...datagrams].reverse()) server.handleInput(10, d);
    const out = drain(server);
    const plain = out.flatMap((d) => parseRecords13(d)).filter((r) => r.kind === 'plaintext');
    const encrypted = out.flatMap((d) => parseRecords13(d)).filter((r) => r.kind === 'ciphertext');
    expect(plain).toHaveLength(1);
    const [f] = parseFragments(plain[0]!.kind === 'plaintext' ? plain[0]!.fragment : new Uint8Array(0));
    expect([f!.msgType, f!.messageSeq]).toEqual([HandshakeType.ServerHello, 0]);
    const sh = parseServerHello(f!.body);
    expect(sh.version).toBe(DtlsVersion.Dtls12); // legacy_version
    expect(sh.cipherSuite).toBe(0x1301);
    expect(findExtension(sh.extensions, ExtensionType.supported_versions)!.data).toEqual(Uint8Array.of(0xfe, 0xfc));
    const ks = findExtension(sh.extensions, ExtensionType.key_share)!.data;
    expect([(ks[0]! << 8) | ks[1]!, (ks[2]! << 8) | ks[3]!]).toEqual([0x11ec, 1088 + 32]);
    expect(encrypted.length).toBeGreaterThan(0);
    expect(encrypted.every((r) => r.kind === 'ciphertext' && r.epochBits === 2)).toBe(true);
    for (const d of out) expect(d.length).toBeLessThanOrEqual(1200);
  });
});

describe('regression: a ClientHello whose ML-KEM encapsulation key fails the FIPS 203 modulus check', () => {
  it('closes with illegal_parameter instead of throwing (found by the DTLS 1.3 fuzz property)', () => {
    const server = new DtlsEndpoint({ role: 'server', certificate: testCertificate(31), rng: seededRandom(5), dtls13: true });
    server.start(0);
    const hello = parseClientHello(messagesOf(datagrams)[0]!.body);
    const exts = hello.extensions.map((e) => {
      if (e.type !== ExtensionType.key_share) return e;
      const data = e.data.slice();
      data.fill(0xff, 8, 8 + 384); // client_shares len(2), group(2), len(2): the 0x11ec share starts at 6
      return { type: e.type, data };
    });
    const body = serializeClientHello({ ...hello, extensions: exts });
    for (const f of fragmentMessage(HandshakeType.ClientHello, 0, body, 1100)) {
      server.handleInput(1, serializeRecord({ contentType: ContentType.Handshake, version: DtlsVersion.Dtls10, epoch: 0, sequenceNumber: f.fragmentOffset, fragment: serializeFragment(f) }));
    }
    expect(server.state).toBe('closed');
    const events = [];
    for (let e = server.pollEvent(); e; e = server.pollEvent()) events.push(e);
    expect(events).toContainEqual(expect.objectContaining({ type: 'alert', name: 'illegal_parameter', fromPeer: false }));
  });
});
