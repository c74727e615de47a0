/**
 * RFC 9260 5.2.2 and 5.2.4 action A: association restart. An INIT while established is
 * answered with a new Initiate Tag and our current tags as Tie-Tags in the cookie, and
 * leaves the association untouched; the COOKIE ECHO whose Tie-Tags match restarts it
 * (new tags and TSNs, streams from scratch, a restart notification), after which data
 * flows with the restarted peer.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import type { SctpEvent } from '../../src/sctp/association.js';
import { parsePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern } from './helpers.js';

/** A and B established with data exchanged; `restartB` puts a fresh B (the peer rebooted) on the same link. */
function established(): { p: Pair; restartB: () => SctpAssociation } {
  const p = new Pair({ ab: { delayMs: 5 }, ba: { delayMs: 5 } });
  p.connect();
  p.a.send(p.now, 1, 51, pattern(1, 3000));
  p.b.send(p.now, 2, 51, pattern(2, 3000));
  p.run(() => messagesOf(p.eventsA).length === 1 && messagesOf(p.eventsB).length === 1, 100_000);
  const restartB = (): SctpAssociation => {
    const fresh = new SctpAssociation({ rng: seededRandom(99), maxMtu: 1200 });
    (p as unknown as { b: SctpAssociation }).b = fresh;
    p.eventsB.length = 0;
    fresh.connect(p.now);
    return fresh;
  };
  return { p, restartB };
}

const tagsSeen = (into: number[]) => (d: Uint8Array): boolean => {
  into.push(parsePacket(d).verificationTag);
  return false;
};

describe('RFC 9260 5.2.4 A: the peer restarts', () => {
  it('A restarts with new tags, notifies, and data flows both ways with the new peer', () => {
    const { p, restartB } = established();
    const tagsToB: number[] = [];
    const oldTagOfB = parsePacket((() => {
      p.a.send(p.now, 1, 51, pattern(3, 10));
      const d = p.a.pollTransmit() as Uint8Array;
      p.ab.send(p.now, d);
      return d;
    })()).verificationTag;
    p.run(() => messagesOf(p.eventsB).length === 2, 100_000);
    const b = restartB();
    (p.ab.opts as { dropIf?: (d: Uint8Array) => boolean }).dropIf = tagsSeen(tagsToB);
    p.run(() => b.state === 'established', 100_000);
    expect(p.eventsA.filter((e) => e.type === 'restarted')).toHaveLength(1);
    expect(p.a.state).toBe('established');
    // The INIT ACK went with B's new Initiate Tag, and A now uses it.
    expect(tagsToB.at(-1)).not.toBe(oldTagOfB);
    // Streams start afresh: SSN 0 on both sides.
    p.a.send(p.now, 1, 51, pattern(4, 5000));
    b.send(p.now, 2, 51, pattern(5, 5000));
    p.run(() => messagesOf(p.eventsB).length === 1 && messagesOf(p.eventsA.slice(p.eventsA.findIndex((e) => e.type === 'restarted'))).length === 1 && p.a.bytesInFlight === 0, 100_000);
    expect(messagesOf(p.eventsB)[0]?.data).toEqual(pattern(4, 5000));
    expect(messagesOf(p.eventsA).at(-1)?.data).toEqual(pattern(5, 5000));
    expect(p.a.bytesInFlight).toBe(0);
  });

  it('what was queued or in flight before the restart is dropped, not sent to the new peer', () => {
    const { p, restartB } = established();
    p.ab.down = true;
    p.a.send(p.now, 1, 51, pattern(6, 50_000));
    p.runFor(10);
    expect(p.a.totalBufferedAmount + p.a.bytesInFlight).toBeGreaterThan(0);
    p.ab.down = false;
    const b = restartB();
    p.run(() => b.state === 'established', 100_000);
    expect(p.a.totalBufferedAmount).toBe(0);
    expect(p.a.bytesInFlight).toBe(0);
    p.runFor(5000);
    expect(messagesOf(p.eventsB)).toHaveLength(0);
  });

  it('an INIT alone (its COOKIE ECHO lost) leaves the association as it was (5.2.2)', () => {
    const { p } = established();
    const intruder = new SctpAssociation({ rng: seededRandom(1003) });
    intruder.connect(p.now);
    const init = intruder.pollTransmit() as Uint8Array;
    p.a.handleInput(p.now, init);
    const answer = p.a.pollTransmit() as Uint8Array;
    const ack = parsePacket(answer);
    expect(ack.chunks[0]?.type).toBe('init-ack');
    expect(ack.verificationTag).toBe(parsePacket(init).chunks[0]?.type === 'init' ? (parsePacket(init).chunks[0] as { initiateTag: number }).initiateTag : -1);
    expect(p.a.state).toBe('established');
    // The old peer still talks to A.
    p.b.send(p.now, 2, 51, pattern(8, 2000));
    p.run(() => messagesOf(p.eventsA).length === 2, 100_000);
    expect(p.eventsA.some((e: SctpEvent) => e.type === 'restarted')).toBe(false);
  });

  it('a COOKIE ECHO whose Tie-Tags do not match is discarded', () => {
    const { p } = established();
    // A third party gets an INIT ACK from A, then A's tags change through a real restart
    // of B; the third party's cookie then carries stale Tie-Tags.
    const third = new SctpAssociation({ rng: seededRandom(1001) });
    third.connect(p.now);
    p.a.handleInput(p.now, third.pollTransmit() as Uint8Array);
    const initAckForThird = p.a.pollTransmit() as Uint8Array;
    const b = new SctpAssociation({ rng: seededRandom(1002), maxMtu: 1200 });
    (p as unknown as { b: SctpAssociation }).b = b;
    b.connect(p.now);
    p.run(() => b.state === 'established', 100_000);
    expect(p.eventsA.filter((e) => e.type === 'restarted')).toHaveLength(1);
    third.handleInput(p.now, initAckForThird);
    const cookieEcho = third.pollTransmit() as Uint8Array;
    const dropped = p.a.stats.packetsDropped;
    p.a.handleInput(p.now, cookieEcho);
    expect(p.a.stats.packetsDropped).toBe(dropped + 1);
    expect(p.eventsA.filter((e) => e.type === 'restarted')).toHaveLength(1);
  });
});

describe('RFC 9260 9.2: INIT in SHUTDOWN-ACK-SENT', () => {
  it('is discarded and the SHUTDOWN ACK is sent again', () => {
    const p = new Pair({ ab: { delayMs: 5 }, ba: { delayMs: 5 } });
    p.connect();
    // B shuts down; A's SHUTDOWN ACK is lost, so A stays in SHUTDOWN-ACK-SENT.
    (p.ab.opts as { dropIf?: (d: Uint8Array) => boolean }).dropIf = (d) => parsePacket(d).chunks.some((c) => c.type === 'shutdown-ack');
    p.b.shutdown(p.now);
    p.run(() => p.a.state === 'shutdown-ack-sent', 10_000);
    const intruder = new SctpAssociation({ rng: seededRandom(1004) });
    intruder.connect(p.now);
    p.a.handleInput(p.now, intruder.pollTransmit() as Uint8Array);
    const out: Uint8Array[] = [];
    for (let d = p.a.pollTransmit(); d; d = p.a.pollTransmit()) out.push(d);
    expect(out.flatMap((d) => parsePacket(d).chunks.map((c) => c.type))).toEqual(['shutdown-ack']);
    expect(p.a.state).toBe('shutdown-ack-sent');
  });
});
