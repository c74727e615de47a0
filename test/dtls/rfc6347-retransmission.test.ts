/**
 * RFC 6347 4.2.4 on a virtual clock: exact retransmission times (initial timeout,
 * doubling, 60 s cap), bounded failure, retransmission triggered by the peer's repeated
 * flight, and handshakes that finish across loss, reordering and duplication (seeded).
 */
import { describe, expect, it } from 'vitest';
import { Pair, testCertificate } from './harness.js';
import { DtlsEndpoint } from '../../src/dtls/endpoint.js';
import { certificateFingerprint } from '../../src/crypto/x509.js';
import { seededRandom } from '../../src/common/random.js';
import { parseRecords } from '../../src/dtls/record.js';
import { parseFragments } from '../../src/dtls/fragment.js';
import { HandshakeType, SUITES } from '../../src/dtls/constants.js';
import { DEFAULT_INITIAL_RTO_MS, MAX_RTT_INITIAL_RTO_MS, MIN_RTT_INITIAL_RTO_MS, initialRtoFromRtt } from '../../src/dtls/flight.js';
import fc from 'fast-check';

function drainAll(ep: DtlsEndpoint): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = ep.pollTransmit(); d; d = ep.pollTransmit()) out.push(d);
  return out;
}

describe('flight retransmission timer (RFC 6347 4.2.4)', () => {
  it('a lone client resends its ClientHello at 1, 3, 7, 15, 31, 63, 123, 183 s, then fails at 243 s', () => {
    const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), rng: seededRandom(1) });
    client.start(0);
    expect(drainAll(client)).toHaveLength(1);
    const sends: number[] = [];
    let now = 0;
    for (let i = 0; i < 20; i++) {
      const t = client.pollTimeout();
      if (t === undefined) break;
      now = t;
      client.handleTimeout(now);
      const out = drainAll(client);
      if (out.length > 0) {
        // Each resend is the same ClientHello (message_seq 0) in a new record.
        const f = parseFragments(parseRecords(out[0]!)[0]!.fragment)[0]!;
        expect([f.msgType, f.messageSeq]).toEqual([HandshakeType.ClientHello, 0]);
        sends.push(now);
      }
    }
    expect(sends).toEqual([1000, 3000, 7000, 15000, 31000, 63000, 123000, 183000]);
    expect(now).toBe(243000);
    expect(client.state).toBe('closed');
    const events = [];
    for (let e = client.pollEvent(); e; e = client.pollEvent()) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'closed', error: 'local' });
    expect(client.pollTimeout()).toBeUndefined();
  });

  it('honours a configured initial timeout, cap and count', () => {
    const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), initialRtoMs: 100, maxRtoMs: 400, maxRetransmits: 5, rng: seededRandom(1) });
    client.start(50);
    drainAll(client);
    const deadlines: number[] = [];
    for (let t = client.pollTimeout(); t !== undefined; t = client.pollTimeout()) {
      deadlines.push(t);
      client.handleTimeout(t);
      drainAll(client);
    }
    expect(deadlines).toEqual([150, 350, 750, 1150, 1550, 1950]);
    expect(client.state).toBe('closed');
  });

  // 4.2.4.1 leaves timer values to the implementation: with the path RTT known (ICE
  // measured it), the first timeout is 2 x RTT within [50 ms, 3 s] (flight.ts).
  for (const [rtt, first] of [[0.2, 50], [40, 80], [900, 1800], [5000, 3000]] as const) {
    it(`with an RTT estimate of ${rtt} ms the first ClientHello is resent after ${first} ms, then doubling`, () => {
      const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), rng: seededRandom(1) });
      client.setRttEstimate(rtt);
      client.start(0);
      drainAll(client);
      const sends: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = client.pollTimeout() as number;
        client.handleTimeout(t);
        if (drainAll(client).length > 0) sends.push(t);
      }
      expect(sends).toEqual([first, 3 * first, 7 * first]);
    });
  }

  it('initialRtoFromRtt: 2 x RTT within [MIN, MAX]; nonsense keeps the 1 s default', () => {
    expect(initialRtoFromRtt(0)).toBe(MIN_RTT_INITIAL_RTO_MS);
    expect(initialRtoFromRtt(123)).toBe(246);
    expect(initialRtoFromRtt(1e9)).toBe(MAX_RTT_INITIAL_RTO_MS);
    expect(initialRtoFromRtt(Number.NaN)).toBe(DEFAULT_INITIAL_RTO_MS);
    expect(initialRtoFromRtt(-1)).toBe(DEFAULT_INITIAL_RTO_MS);
    const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), rng: seededRandom(1) });
    client.setRttEstimate(Number.NaN);
    client.start(0);
    expect(client.pollTimeout()).toBe(1000);
  });

  it('a first ClientHello lost to a server not yet listening costs one short timeout, not a second', () => {
    for (const [rtt, expectedAt] of [[undefined, 1000], [1, 50]] as const) {
      const p = new Pair();
      if (rtt !== undefined) p.client.setRttEstimate(rtt);
      let dropped = false;
      let resentAt: number | undefined;
      p.filter = (from, d) => {
        if (from !== 0 || d[0] !== 22) return true;
        if (!dropped) {
          dropped = true;
          return false;
        }
        resentAt ??= p.now;
        return true;
      };
      p.start();
      expect(p.runUntil(() => p.connected())).toBe(true);
      expect(resentAt).toBe(expectedAt);
      expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    }
  });

  it('a DTLS 1.3 client takes the RTT estimate too (RFC 9147 5.8 timers)', () => {
    const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), rng: seededRandom(1), dtls13: true });
    client.setRttEstimate(10);
    client.start(0);
    drainAll(client);
    expect(client.pollTimeout()).toBe(50);
  });

  it('an early handleTimeout does nothing', () => {
    const client = new DtlsEndpoint({ role: 'client', certificate: testCertificate(1), rng: seededRandom(1) });
    client.start(0);
    drainAll(client);
    client.handleTimeout(999);
    expect(drainAll(client)).toHaveLength(0);
    expect(client.pollTimeout()).toBe(1000);
  });

  it('the server resends its final flight when the client repeats flight 5', () => {
    const p = new Pair();
    let dropServerFinal = true;
    p.filter = (from, d) => {
      // Drop the server's first CCS+Finished datagram (content type 20 first).
      if (from === 1 && dropServerFinal && d[0] === 20) {
        dropServerFinal = false;
        return false;
      }
      return true;
    };
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    expect(dropServerFinal).toBe(false);
    expect(p.server.stats.retransmits).toBe(1);
    expect(p.client.stats.retransmits).toBeGreaterThanOrEqual(1);
  });
});

describe('handshake over a bad network (seeded)', () => {
  it('completes under 30% loss with reordering and duplication, for 25 seeds', () => {
    let completed = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const p = new Pair({ maxRetransmits: 12 }, { maxRetransmits: 12, cookies: seed % 2 === 0 }, { loss: 0.3, duplicate: 0.2, reorder: 0.3, seed });
      p.start();
      const ok = p.runUntil(() => p.connected(), 20_000);
      if (ok) {
        completed++;
        const a = p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
        const b = p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
        expect(a).toEqual(b);
      }
    }
    expect(completed).toBe(25);
  });

  it('fragments flights to a small MTU and reassembles them', () => {
    const p = new Pair({ mtu: 300 }, { mtu: 300 }, { reorder: 0.5, duplicate: 0.3, seed: 7 });
    const sizes: number[] = [];
    p.filter = (_from, d) => {
      sizes.push(d.length);
      return true;
    };
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(300);
  });

  it('a handshake that cannot complete fails in bounded time on both sides', () => {
    const p = new Pair({}, {}, {});
    p.filter = (from) => from === 0 ? true : false; // the server's answers never arrive
    p.start();
    p.runUntil(() => p.client.state === 'closed' && p.server.state === 'closed', 10_000);
    expect(p.client.state).toBe('closed');
    expect(p.server.state).toBe('closed');
    expect(p.now).toBeLessThanOrEqual(300_000);
  });
});

describe('certificate fingerprints (RFC 5763 5, RFC 8122)', () => {
  it('the server rejects a client whose certificate does not match the SDP fingerprint', () => {
    const p = new Pair({}, { remoteFingerprints: [certificateFingerprint(testCertificate(99).der)] });
    p.start();
    p.runUntil(() => p.client.state === 'closed' && p.server.state === 'closed');
    const closed = p.events[1].find((e) => e.type === 'closed');
    expect(closed?.type === 'closed' && closed.reason).toMatch(/fingerprint .* does not match/);
    expect(p.events[0]).toContainEqual(expect.objectContaining({ type: 'alert', name: 'bad_certificate', fromPeer: true }));
    expect(p.client.state).toBe('closed');
  });
  it('the client rejects a server whose certificate does not match', () => {
    const p = new Pair({ remoteFingerprints: [certificateFingerprint(testCertificate(98).der)] }, {});
    p.start();
    p.runUntil(() => p.client.state === 'closed' && p.server.state === 'closed');
    const closed = p.events[0].find((e) => e.type === 'closed');
    expect(closed?.type === 'closed' && closed.reason).toMatch(/fingerprint/);
    expect(p.server.state).toBe('closed');
  });
});

describe('property: any network within bounds still completes the handshake', () => {
  it('random loss, duplication, reordering, MTU, suite, group and cookies', () => {
    fc.assert(
      fc.property(
        fc.record({
          loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
          duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          reorder: fc.double({ min: 0, max: 0.5, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          mtu: fc.integer({ min: 256, max: 1500 }),
          suite: fc.constantFrom(...SUITES.map((s) => s.name)),
          group: fc.constantFrom('x25519' as const, 'secp256r1' as const),
          cookies: fc.boolean(),
        }),
        (c) => {
          const p = new Pair(
            { mtu: c.mtu, cipherSuites: [c.suite], groups: [c.group], maxRetransmits: 20 },
            { mtu: c.mtu, cookies: c.cookies, maxRetransmits: 20 },
            { loss: c.loss, duplicate: c.duplicate, reorder: c.reorder, seed: c.seed },
          );
          p.start();
          expect(p.runUntil(() => p.connected(), 50_000)).toBe(true);
          expect(p.client.negotiated?.cipherSuite).toBe(c.suite);
          expect(p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60)).toEqual(p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
        },
      ),
      { numRuns: 30 },
    );
  });
});
