import { describe, expect, it } from 'vitest';
import { initFeatures } from '../../src/sctp/chunk-init.js';
import { CauseCode } from '../../src/sctp/constants.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

describe('SCTP association setup (RFC 9260 5.1, 5.2)', () => {
  it('establishes with one side initiating', () => {
    const p = new Pair();
    p.connect();
    expect(p.a.state).toBe('established');
    expect(p.b.state).toBe('established');
    expect(p.a.peerSupportsForwardTsn).toBe(true);
    expect(p.a.peerSupportsReconfig).toBe(true);
    expect(p.a.outboundStreamCount).toBe(65535);
    expect(p.eventsA.filter((e) => e.type === 'connected')).toHaveLength(1);
    expect(p.eventsB.filter((e) => e.type === 'connected')).toHaveLength(1);
  });

  it('establishes when both sides send INIT at once (5.2.1 collision)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const p = new Pair({ seed, ab: { delayMs: 10 } });
      p.connect(true);
      expect(p.a.state).toBe('established');
      expect(p.b.state).toBe('established');
      p.a.send(p.now, 1, 51, pattern(1, 10));
      p.b.send(p.now, 2, 51, pattern(2, 10));
      p.run(() => messagesOf(p.eventsA).length === 1 && messagesOf(p.eventsB).length === 1, 10_000);
      expect(messagesOf(p.eventsB)[0]?.data).toEqual(pattern(1, 10));
      expect(messagesOf(p.eventsA)[0]?.data).toEqual(pattern(2, 10));
    }
  });

  it('retransmits INIT and COOKIE ECHO when they are lost', () => {
    const p = new Pair({ ab: { dropIf: (_d, i) => i < 2 } });
    p.connect();
    expect(p.a.state).toBe('established');
    expect(p.now).toBeGreaterThan(0);
  });

  it('gives up after Max.Init.Retransmits when nobody answers', () => {
    const p = new Pair({ ab: { dropIf: () => true } });
    p.a.connect(0);
    p.run(() => p.a.state === 'closed', 10_000);
    const closed = p.eventsA.find((e) => e.type === 'closed');
    expect(closed).toMatchObject({ type: 'closed', error: true });
  });

  it('answers a stale cookie with an ERROR, and the initiator starts over (5.1.5, 5.2.6)', () => {
    // B's cookies live 1 s; A's first COOKIE ECHO is lost and its retransmission 3 s later is stale.
    const errors: number[] = [];
    const p = new Pair({
      b: { cookieLifetimeMs: 1000 },
      a: { rtoInitialMs: 3000, rtoMinMs: 3000 },
      ab: { dropIf: (_d, i) => i === 1 },
      ba: { dropIf: (d) => (parsePacket(d).chunks.forEach((c) => c.type === 'error' && errors.push(...c.causes.map((x) => x.code))), false) },
    });
    p.a.connect(0);
    p.run(() => p.a.state === 'established' && p.b.state === 'established', 10_000);
    expect(errors).toEqual([CauseCode.StaleCookie]);
  });

  it('ignores a forged or altered COOKIE ECHO', () => {
    const p = new Pair();
    p.a.connect(0);
    const init = p.a.pollTransmit() as Uint8Array;
    p.b.handleInput(0, init);
    const initAck = parsePacket(p.b.pollTransmit() as Uint8Array);
    const ack = initAck.chunks[0];
    if (ack?.type !== 'init-ack') throw new Error('no INIT ACK');
    const cookie = initFeatures(ack).stateCookie as Uint8Array;
    const forged = cookie.slice();
    forged[10] = (forged[10] as number) ^ 1;
    const tagOfB = ack.initiateTag;
    p.b.handleInput(1, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagOfB, chunks: [{ type: 'cookie-echo', cookie: forged }] }));
    expect(p.b.state).toBe('new');
    expect(p.b.pollTransmit()).toBeUndefined();
    p.b.handleInput(1, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagOfB, chunks: [{ type: 'cookie-echo', cookie }] }));
    expect(p.b.state).toBe('established');
  });
});

describe('SCTP data transfer', () => {
  it('delivers ordered messages of many sizes in order on a clean link', () => {
    const p = new Pair({ ab: { delayMs: 10 } });
    p.connect();
    const sizes = [1, 2, 100, 1171, 1172, 1173, 5000, 65536, 262144];
    sizes.forEach((n, i) => p.a.send(p.now, 0, 53, pattern(i, n)));
    p.run(() => messagesOf(p.eventsB).length === sizes.length, 100_000);
    const got = messagesOf(p.eventsB);
    sizes.forEach((n, i) => expect(sameBytes(got[i]?.data, pattern(i, n))).toBe(true));
    p.run(() => p.a.bytesInFlight === 0, 100_000);
    expect(p.a.bytesInFlight).toBe(0);
  });

  it('refuses to send before established, empty, or on an unknown stream', () => {
    const p = new Pair();
    expect(() => p.a.send(0, 0, 51, new Uint8Array(1))).toThrow(/state/);
    p.connect();
    expect(() => p.a.send(p.now, 0, 51, new Uint8Array(0))).toThrow(/empty/);
    expect(() => p.a.send(p.now, 70000, 51, new Uint8Array(1))).toThrow(/stream/);
  });

  it('aborts with a reason the peer sees', () => {
    const p = new Pair();
    p.connect();
    p.a.abort(p.now, 'bye now');
    p.run(() => p.b.state === 'closed', 1000);
    expect(p.eventsB.find((e) => e.type === 'closed')).toMatchObject({ byPeer: true, reason: expect.stringContaining('bye now') });
  });

  it('shuts down gracefully after delivering queued data (9.2)', () => {
    const p = new Pair({ ab: { delayMs: 5, lossRate: 0.1 }, seed: 3 });
    p.connect();
    for (let i = 0; i < 20; i++) p.a.send(p.now, 0, 53, pattern(i, 3000));
    p.a.shutdown(p.now);
    p.run(() => p.a.state === 'closed' && p.b.state === 'closed', 100_000);
    expect(messagesOf(p.eventsB)).toHaveLength(20);
    expect(p.eventsA.find((e) => e.type === 'closed')).toMatchObject({ reason: 'shutdown', error: false });
    expect(p.eventsB.find((e) => e.type === 'closed')).toMatchObject({ reason: 'shutdown', error: false });
  });
});
