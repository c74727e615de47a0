/**
 * The DTLS 1.3 server session (RFC 9147) on a virtual clock, driven by the test client
 * in dtls13-client.ts: the full handshake with X25519MLKEM768, the ACK of the client's
 * final flight (7.1), ACK-driven and timer-driven retransmission (5.8, 7.2), data both
 * ways, exporter agreement, the record layer's sequence number encryption and
 * reconstruction (4.2.2, 4.2.3), and hostile input. Chrome is the interop check
 * (interop-chrome.test.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { seededRandom } from '../../src/common/random.js';
import { certificateFingerprint } from '../../src/crypto/x509.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import type { DtlsEvent } from '../../src/dtls/endpoint.js';
import { HandshakeType } from '../../src/dtls/constants.js';
import { RecordLayer13, parseRecords13, reconstruct } from '../../src/dtls/record13.js';
import { trafficKeys } from '../../src/dtls/keys13.js';
import { parseAck, serializeAck, parseCertificate13, serializeCertificate13, parseClientKeyShares } from '../../src/dtls/messages13.js';
import { TestClient13 } from './dtls13-client.js';
import { Pair, testCertificate } from './harness.js';

function server(opts: { remote?: boolean } = {}): { ep: DtlsEndpoint; events: DtlsEvent[]; drain: () => Uint8Array[] } {
  const cert = testCertificate(41);
  const ep = new DtlsEndpoint({
    role: 'server',
    certificate: cert,
    dtls13: true,
    rng: seededRandom(9),
    remoteFingerprints: opts.remote === false ? [] : [certificateFingerprint(testCertificate(42).der)],
  });
  const events: DtlsEvent[] = [];
  const drain = (): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let d = ep.pollTransmit(); d; d = ep.pollTransmit()) out.push(d);
    for (let e = ep.pollEvent(); e; e = ep.pollEvent()) events.push(e);
    return out;
  };
  return { ep, events, drain };
}

function pump(ep: DtlsEndpoint, client: TestClient13, drain: () => Uint8Array[], now: number, dropServer = (_i: number): boolean => false): void {
  let i = 0;
  for (let round = 0; round < 10; round++) {
    const fromClient = client.outbox.splice(0);
    for (const d of fromClient) ep.handleInput(now, d);
    const fromServer = drain();
    for (const d of fromServer) if (!dropServer(i++)) client.handle(d);
    if (fromClient.length === 0 && fromServer.length === 0) break;
  }
}

describe('DTLS 1.3 server session', () => {
  it('completes with X25519MLKEM768, ACKs the final flight, carries data, and agrees on exported keys', () => {
    const { ep, events, drain } = server();
    const client = new TestClient13(testCertificate(42));
    ep.start(0);
    pump(ep, client, drain, 0);
    expect(client.serverMessages).toEqual([
      HandshakeType.ServerHello,
      HandshakeType.EncryptedExtensions,
      HandshakeType.CertificateRequest,
      HandshakeType.Certificate,
      HandshakeType.CertificateVerify,
      HandshakeType.Finished,
    ]);
    expect(ep.state).toBe('connected');
    expect(events.find((e) => e.type === 'connected')).toMatchObject({ version: 'DTLS 1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', srtpProfile: 'SRTP_AEAD_AES_128_GCM' });
    // One ACK listing the client's three handshake records of epoch 2.
    expect(client.acks).toHaveLength(1);
    expect(client.acks[0]!.every(([e]) => e === 2)).toBe(true);
    expect(client.acks[0]!.length).toBeGreaterThanOrEqual(1);
    expect(ep.pollTimeout()).toBeUndefined();
    expect(ep.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56)).toEqual(client.exporter('EXTRACTOR-dtls_srtp', 56));
    client.send(Uint8Array.of(1, 2, 3));
    pump(ep, client, drain, 1);
    expect(events.find((e) => e.type === 'data')).toMatchObject({ data: Uint8Array.of(1, 2, 3) });
    ep.send(Uint8Array.of(4, 5));
    pump(ep, client, drain, 2);
    expect(client.received).toEqual([Uint8Array.of(4, 5)]);
    // A repeated final flight (our ACK was lost) is ACKed again.
    client.resendFinalFlight();
    pump(ep, client, drain, 500);
    expect(client.acks).toHaveLength(2);
  });

  it('retransmits its flight on the timer (1, 3, 7 s ...) and gives up in bounded time', () => {
    const { ep, drain } = server();
    const client = new TestClient13(testCertificate(42));
    ep.start(0);
    ep.handleInput(0, client.outbox.splice(0)[0]!);
    expect(drain().length).toBeGreaterThan(0);
    const times: number[] = [];
    for (let t = ep.pollTimeout(); t !== undefined; t = ep.pollTimeout()) {
      ep.handleTimeout(t);
      if (drain().length > 0) times.push(t);
    }
    expect(times).toEqual([1000, 3000, 7000, 15000, 31000, 63000, 123000, 183000]);
    expect(ep.state).toBe('closed');
  });

  it('finishes when its whole first flight is lost once', () => {
    const { ep, drain } = server();
    const client = new TestClient13(testCertificate(42));
    ep.start(0);
    pump(ep, client, drain, 0, () => true); // everything from the server lost
    expect(client.serverMessages).toEqual([]);
    ep.handleTimeout(1000);
    pump(ep, client, drain, 1000);
    expect(ep.state).toBe('connected');
  });

  it('rejects a client certificate that does not match the fingerprint', () => {
    const { ep, events, drain } = server();
    const client = new TestClient13(testCertificate(43));
    ep.start(0);
    pump(ep, client, drain, 0);
    expect(ep.state).toBe('closed');
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: expect.stringMatching(/fingerprint/) });
  });

  it('never throws on hostile input in any state', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 120 }), fc.nat()), { maxLength: 10 }), (inputs) => {
        const { ep, drain } = server({ remote: false });
        const client = new TestClient13(testCertificate(42));
        ep.start(0);
        const seen: Uint8Array[] = [...client.outbox];
        for (let stage = 0; stage < 4; stage++) {
          for (const [s, bytes, pos] of inputs) {
            if (s !== stage) continue;
            ep.handleInput(stage, bytes);
            const base = seen[pos % seen.length]!.slice();
            base[pos % base.length] = (base[pos % base.length]! + 1) & 0xff;
            ep.handleInput(stage, base);
            if (bytes.length > 0) ep.handleInput(stage, Uint8Array.of(0x2c | (pos & 3), ...bytes));
          }
          const out = client.outbox.splice(0);
          seen.push(...out);
          for (const d of out) ep.handleInput(stage, d);
          for (const d of drain()) client.handle(d);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('DTLS 1.3 record layer (RFC 9147 4)', () => {
  for (const [aead, keyLength] of [['aes-128-gcm', 16], ['aes-256-gcm', 32], ['chacha20-poly1305', 32]] as const) {
    it(`seals and opens with record number encryption (${aead})`, () => {
      const keys = trafficKeys('sha256', new Uint8Array(32).fill(3), keyLength);
      const a = new RecordLayer13();
      const b = new RecordLayer13();
      a.setWriteKeys(3, aead, keys);
      b.setReadKeys(3, aead, keys);
      for (let i = 0; i < 300; i++) {
        const rec = a.seal(23, 3, Uint8Array.of(i & 0xff))!;
        expect(rec[0]! & 0xe3).toBe(0x23); // 001 header, epoch bits 3
        if (i > 0) expect((rec[1]! << 8) | rec[2]!).not.toBe(i); // sequence number is masked (with overwhelming probability)
        const [r] = parseRecords13(rec);
        const o = b.open(r!, [3]);
        expect(o).toMatchObject({ contentType: 23, epoch: 3, sequenceNumber: i });
        expect(b.open(r!, [3])).toBeUndefined(); // replay
        const bad = rec.slice();
        bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
        expect(b.open(parseRecords13(bad)[0]!, [3])).toBeUndefined();
      }
    });
  }

  it('reconstructs full sequence numbers from 8 or 16 low bits (4.2.2)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 2 ** 40 }), fc.integer({ min: -100, max: 100 }), fc.constantFrom(8, 16), (highest, delta, bits) => {
        const actual = highest + 1 + delta;
        if (actual < 0) return;
        expect(reconstruct(highest, actual % 2 ** bits, bits)).toBe(actual);
      }),
    );
  });

  it('codecs round trip and random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 2 ** 47 })), { maxLength: 20 }), (recs) => {
        expect(parseAck(serializeAck(recs))).toEqual(recs);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 255 }), fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { maxLength: 5 }), (ctx, chain) => {
        expect(parseCertificate13(serializeCertificate13(ctx, chain))).toEqual({ context: ctx, chain });
      }),
    );
    for (const parse of [parseRecords13, parseAck, parseCertificate13, parseClientKeyShares]) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          try {
            parse(b);
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
        }),
        { numRuns: 300 },
      );
    }
  });
});

describe('DTLS 1.3 client and server together (virtual clock)', () => {
  it('negotiate DTLS 1.3 with X25519MLKEM768 and agree on keys and data', () => {
    const p = new Pair({ dtls13: true }, { dtls13: true });
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    for (const i of [0, 1] as const) {
      expect(p.events[i].find((e) => e.type === 'connected')).toMatchObject({ version: 'DTLS 1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', srtpProfile: 'SRTP_AEAD_AES_128_GCM' });
    }
    expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56));
    p.client.send(Uint8Array.of(1));
    p.server.send(Uint8Array.of(2));
    p.runUntil(() => p.events[0].some((e) => e.type === 'data') && p.events[1].some((e) => e.type === 'data'));
    expect(p.events[1].find((e) => e.type === 'data')).toMatchObject({ data: Uint8Array.of(1) });
    expect(p.events[0].find((e) => e.type === 'data')).toMatchObject({ data: Uint8Array.of(2) });
    // The server's ACK stops the client's final-flight timer.
    p.runUntil(() => p.client.pollTimeout() === undefined);
    expect(p.client.pollTimeout()).toBeUndefined();
    p.client.close();
    p.runUntil(() => p.server.state === 'closed');
    expect(p.events[1].at(-1)).toMatchObject({ type: 'closed', reason: 'peer sent close_notify' });
  });

  it('with server cookies: a stateless HelloRetryRequest, then DTLS 1.3 (RFC 9147 5.1)', () => {
    const p = new Pair({ dtls13: true }, { dtls13: true, cookies: true });
    const first: number[] = [];
    p.filter = (from, d) => {
      // The server's first datagram is the HelloRetryRequest: a ServerHello in epoch 0 alone.
      if (from === 1 && first.length === 0) first.push(d.length);
      return true;
    };
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    expect(p.server.negotiated).toMatchObject({ version: 'DTLS 1.3', group: 'X25519MLKEM768' });
    expect(first[0]).toBeLessThan(200);
    expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56));
    // A 1.2-only client still gets the DTLS 1.2 HelloVerifyRequest path from the same server.
    const q = new Pair({}, { dtls13: true, cookies: true });
    q.start();
    expect(q.runUntil(() => q.connected())).toBe(true);
    expect(q.server.negotiated?.version).toBe('DTLS 1.2');
  });

  it('a 1.3-offering client and a 1.2-only server settle on DTLS 1.2, and the reverse', () => {
    for (const [c, s] of [[true, false], [false, true]] as const) {
      const p = new Pair({ dtls13: c }, { dtls13: s });
      p.start();
      expect(p.runUntil(() => p.connected())).toBe(true);
      expect(p.client.negotiated?.version).toBe('DTLS 1.2');
      expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 56));
    }
  });

  it('completes over loss, duplication and reordering (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ loss: fc.double({ min: 0, max: 0.3, noNaN: true }), duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }), reorder: fc.double({ min: 0, max: 0.5, noNaN: true }), seed: fc.integer({ min: 1, max: 1_000_000 }), mtu: fc.integer({ min: 256, max: 1500 }) }),
        (c) => {
          const p = new Pair({ dtls13: true, mtu: c.mtu, maxRetransmits: 20 }, { dtls13: true, mtu: c.mtu, maxRetransmits: 20 }, c);
          p.start();
          expect(p.runUntil(() => p.connected(), 50_000)).toBe(true);
          expect(p.server.negotiated?.version).toBe('DTLS 1.3');
          expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
        },
      ),
      { numRuns: 15 },
    );
  });
});
