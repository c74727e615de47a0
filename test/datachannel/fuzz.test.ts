/**
 * Data channel managers under random operations (open in-band or negotiated, send
 * strings/bytes, close from either side) over random lossy paths: nothing throws on
 * remote input, reliable ordered channels deliver in order, and every channel that was
 * closed ends closed on both sides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DcPair } from './helpers.js';

describe('data channel managers under random operations', () => {
  it('keep their state consistent', () => {
    let delivered = 0;
    let closes = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(0, 0.02, 0.1),
        fc.integer({ min: 1, max: 80 }),
        fc.array(
          fc.oneof(
            { arbitrary: fc.record({ op: fc.constant('open' as const), side: fc.constantFrom('a' as const, 'b' as const), ordered: fc.boolean(), rexmit: fc.constantFrom(undefined, 0, 3) }), weight: 2 },
            { arbitrary: fc.record({ op: fc.constant('send' as const), side: fc.constantFrom('a' as const, 'b' as const), which: fc.nat(), text: fc.boolean(), size: fc.integer({ min: 0, max: 70_000 }) }), weight: 8 },
            { arbitrary: fc.record({ op: fc.constant('close' as const), side: fc.constantFrom('a' as const, 'b' as const), which: fc.nat() }), weight: 1 },
            { arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 500 }) }), weight: 2 },
          ),
          { minLength: 5, maxLength: 40, size: 'medium' },
        ),
        (seed, lossRate, delayMs, ops) => {
          const p = new DcPair({ seed, link: { lossRate, delayMs }, a: { closeLingerMs: 60_000 }, b: { closeLingerMs: 60_000 } });
          p.connect();
          const sentOn = new Map<number, (string | number)[]>(); // reliable ordered channel id -> what a sent
          const reliableOrdered = new Set<number>();
          const closed = new Set<number>();
          // one reliable channel from each side to start with
          reliableOrdered.add(p.a.createChannel(p.now, { label: 'first-a' }).id);
          p.b.createChannel(p.now, { label: 'first-b' });
          p.run(() => p.a.channelIds().length === 2 && p.b.channelIds().length === 2, 200_000);
          for (const o of ops) {
            const m = o.op === 'wait' ? p.a : o.side === 'a' ? p.a : p.b;
            if (o.op === 'open') {
              const ch = m.createChannel(p.now, { label: `c${seed}`, ordered: o.ordered, ...(o.rexmit === undefined ? {} : { maxRetransmits: o.rexmit }) });
              if (o.side === 'a' && o.ordered && o.rexmit === undefined) reliableOrdered.add(ch.id);
            } else if (o.op === 'send') {
              const ids = m.channelIds().filter((id) => m.getChannel(id)?.readyState === 'open');
              if (ids.length === 0) continue;
              const id = ids[o.which % ids.length] as number;
              const data = o.text ? 'x'.repeat(o.size) : new Uint8Array(o.size);
              m.send(p.now, id, data);
              if (o.side === 'a' && reliableOrdered.has(id) && !closed.has(id)) sentOn.set(id, [...(sentOn.get(id) ?? []), o.text ? `s${o.size}` : o.size]);
            } else if (o.op === 'close') {
              const ids = m.channelIds();
              if (ids.length === 0) continue;
              const id = ids[o.which % ids.length] as number;
              m.close(p.now, id);
              closed.add(id);
            } else {
              const until = p.now + o.ms;
              p.run(() => p.now >= until, 200_000);
            }
          }
          p.run(() => p.a.association.bytesInFlight === 0 && p.b.association.bytesInFlight === 0 && p.a.association.totalBufferedAmount === 0 && p.b.association.totalBufferedAmount === 0, 200_000);
          const until = p.now + 120_000;
          p.run(() => p.now >= until, 200_000);
          expect(p.a.association.state).toBe('established');
          expect(p.b.association.state).toBe('established');
          for (const [id, sent] of sentOn) {
            const got = p.eventsB
              .filter((e) => e.type === 'message' && e.id === id)
              .map((e) => (e.type === 'message' ? (typeof e.data === 'string' ? `s${e.data.length}` : e.data.length) : -1));
            // a channel id may be reused after a close; the first messages are ours in order
            expect(got.slice(0, sent.length)).toEqual(sent);
          }
          delivered += p.eventsB.filter((e) => e.type === 'message').length + p.eventsA.filter((e) => e.type === 'message').length;
          closes += p.eventsA.filter((e) => e.type === 'closed').length;
          for (const id of closed) {
            expect(p.a.getChannel(id)?.readyState ?? 'closed').not.toBe('closing');
            expect(p.b.getChannel(id)?.readyState ?? 'closed').not.toBe('closing');
          }
        },
      ),
      { numRuns: 40, seed: 8831 },
    );
    // the runs did exercise the channels
    expect(delivered).toBeGreaterThan(100);
    expect(closes).toBeGreaterThan(5);
  });
});
