/**
 * RFC 6525 5.2.3: an Incoming SSN Reset Request is performed when nothing of ours is
 * pending (F1, F2: we answer with an Outgoing SSN Reset Request for those streams whose
 * Re-configuration Response Sequence Number is the request's, 5.1.2 A4), answered
 * "Nothing to do" when our outstanding request already covers the streams, and "Error:
 * Request already in progress" (4.4) when another request of ours is outstanding.
 */
import { describe, expect, it } from 'vitest';
import type { ReconfigChunk, OutgoingResetRequest, ReconfigResponse } from '../../src/sctp/chunk-reconfig.js';
import { ReconfigResult } from '../../src/sctp/constants.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern } from './helpers.js';

/** A pair that records A's RE-CONFIG chunks, B's Initial TSN (= its first request sequence number) and A's tag. */
function setup() {
  const fromA: ReconfigChunk[] = [];
  const fromB: ReconfigChunk[] = [];
  const facts = { bInitialTsn: 0, tagOfA: 0 };
  const watch = (into: ReconfigChunk[], side: 'a' | 'b') => (d: Uint8Array): boolean => {
    const pkt = parsePacket(d);
    for (const c of pkt.chunks) {
      if (c.type === 'reconfig') into.push(c);
      if (side === 'b' && (c.type === 'init' || c.type === 'init-ack')) facts.bInitialTsn = c.initialTsn;
    }
    if (side === 'b' && pkt.chunks[0]?.type !== 'init-ack') facts.tagOfA = pkt.verificationTag;
    return false;
  };
  const p = new Pair({ ab: { delayMs: 5, dropIf: watch(fromA, 'a') }, ba: { delayMs: 5, dropIf: watch(fromB, 'b') } });
  p.connect();
  /** B (by hand) asks A to reset A's outgoing streams. */
  const askA = (requestSeq: number, streamIds: number[]): void => {
    p.ba.send(p.now, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: facts.tagOfA, chunks: [{ type: 'reconfig', params: [{ type: 'incoming-reset', requestSeq, streamIds }] }] }));
  };
  return { p, fromA, fromB, facts, askA };
}

describe('RFC 6525 5.2.3 Incoming SSN Reset Request', () => {
  it('is performed: A sends an Outgoing SSN Reset Request for the streams, after what it queued on them', () => {
    const { p, fromA, facts, askA } = setup();
    p.a.send(p.now, 3, 51, pattern(1, 5000));
    p.a.send(p.now, 3, 51, pattern(2, 10));
    askA(facts.bInitialTsn, [3]);
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 100_000);
    const req = fromA.flatMap((c) => c.params).find((x): x is OutgoingResetRequest => x.type === 'outgoing-reset');
    expect(req).toMatchObject({ responseSeq: facts.bInitialTsn, streamIds: [3] });
    // Everything sent before the reset arrived first, then B saw its incoming stream 3 reset.
    const resetAt = p.eventsB.findIndex((e) => e.type === 'incoming-stream-reset');
    expect(messagesOf(p.eventsB.slice(0, resetAt))).toHaveLength(2);
    expect(p.eventsB[resetAt]).toMatchObject({ streamIds: [3] });
    expect(p.eventsA.find((e) => e.type === 'outgoing-stream-reset')).toMatchObject({ streamIds: [3] });
    // No Denied anywhere; the stream starts again at SSN 0 and still carries data.
    expect(fromA.flatMap((c) => c.params).some((x) => x.type === 'response' && x.result === ReconfigResult.Denied)).toBe(false);
    p.a.send(p.now, 3, 51, pattern(3, 10));
    p.run(() => messagesOf(p.eventsB).length === 3, 100_000);
    expect(messagesOf(p.eventsB)[2]?.data).toEqual(pattern(3, 10));
  });

  it('an empty stream list resets every outgoing stream A has used', () => {
    const { p, facts, askA } = setup();
    p.a.send(p.now, 1, 51, pattern(1, 10));
    p.a.send(p.now, 7, 51, pattern(2, 10));
    p.run(() => messagesOf(p.eventsB).length === 2, 100_000);
    askA(facts.bInitialTsn, []);
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 100_000);
    const done = p.eventsA.find((e) => e.type === 'outgoing-stream-reset');
    expect(done && done.type === 'outgoing-stream-reset' ? [...done.streamIds].sort() : []).toEqual([1, 7]);
  });

  it('answers "Nothing to do" when A\'s own outstanding request covers the streams, "in progress" when it does not', () => {
    const { p, fromA, facts, askA } = setup();
    // A's own request is outstanding (B's answer to it is held back by dropping it once).
    p.a.resetStreams(p.now, [2]);
    let held = true;
    const send = p.ba.send.bind(p.ba);
    p.ba.send = (now, d) => {
      if (held && parsePacket(d).chunks.some((c) => c.type === 'reconfig' && c.params.some((x) => x.type === 'response'))) return;
      send(now, d);
    };
    p.runFor(20);
    askA(facts.bInitialTsn, [2]);
    askA(facts.bInitialTsn + 1, [2, 5]);
    p.runFor(20);
    const responses = fromA.flatMap((c) => c.params).filter((x): x is ReconfigResponse => x.type === 'response');
    expect(responses.find((r) => r.responseSeq === facts.bInitialTsn)?.result).toBe(ReconfigResult.SuccessNothingToDo);
    expect(responses.find((r) => r.responseSeq === facts.bInitialTsn + 1)?.result).toBe(ReconfigResult.ErrorRequestAlreadyInProgress);
    held = false;
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 100_000);
    expect(p.a.state).toBe('established');
  });

  it('rejects a request with a wrong sequence number (5.2.1)', () => {
    const { p, fromA, facts, askA } = setup();
    askA(facts.bInitialTsn + 7, [1]);
    p.runFor(50);
    const responses = fromA.flatMap((c) => c.params).filter((x): x is ReconfigResponse => x.type === 'response');
    expect(responses).toEqual([{ type: 'response', responseSeq: facts.bInitialTsn + 7, result: ReconfigResult.ErrorBadSequenceNumber }]);
  });
});
