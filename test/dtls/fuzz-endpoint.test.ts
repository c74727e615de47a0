/**
 * Remote input never crashes an endpoint (ARCHITECTURE "Errors and bad input"): random
 * datagrams and mutated copies of real ones are injected into client and server at every
 * step of a handshake and after it, in every state; nothing may throw, and queues stay
 * within their named bounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Pair } from './harness.js';
import { MAX_EVENT_QUEUE, MAX_TRANSMIT_QUEUE } from '../../src/dtls/endpoint.js';
import { serializeRecord } from '../../src/dtls/record.js';

const injection = fc.record({
  step: fc.integer({ min: 0, max: 40 }),
  to: fc.constantFrom(0 as const, 1 as const),
  kind: fc.constantFrom('random', 'mutate', 'truncate', 'record', 'replay', 'unified'),
  bytes: fc.uint8Array({ maxLength: 200 }),
  pos: fc.nat(),
  val: fc.integer({ min: 0, max: 255 }),
  epoch: fc.integer({ min: 0, max: 3 }),
  type: fc.integer({ min: 20, max: 25 }),
});

describe('DTLS endpoint under hostile input', () => {
  it('never throws, in any state, and stays bounded (DTLS 1.2 and 1.3)', () => {
    fc.assert(
      fc.property(fc.array(injection, { maxLength: 12 }), fc.boolean(), fc.boolean(), (injections, cookies, dtls13) => {
        const p = new Pair({ dtls13 }, { cookies, dtls13 });
        const seen: Uint8Array[] = [];
        p.filter = (_from, d) => {
          seen.push(d.slice());
          return true;
        };
        p.start();
        for (let step = 0; step <= 40; step++) {
          for (const inj of injections.filter((i) => i.step === step)) {
            const ep = p.endpoint(inj.to);
            const base = seen.length > 0 ? seen[inj.pos % seen.length]! : inj.bytes;
            let data: Uint8Array;
            switch (inj.kind) {
              case 'random':
                data = inj.bytes;
                break;
              case 'mutate':
                data = base.slice();
                if (data.length > 0) data[inj.pos % data.length] = inj.val;
                break;
              case 'truncate':
                data = base.subarray(0, inj.pos % (base.length + 1));
                break;
              case 'unified':
                data = Uint8Array.of(0x2c | (inj.epoch & 3), inj.pos & 0xff, inj.val, 0, inj.bytes.length, ...inj.bytes);
                break;
              case 'record':
                data = serializeRecord({ contentType: inj.type, version: 0xfefd, epoch: inj.epoch, sequenceNumber: inj.pos, fragment: inj.bytes });
                break;
              default:
                data = base;
            }
            ep.handleInput(p.now, data);
          }
          if (!p.step()) break;
        }
        // Finish whatever is left; then exercise the connected state if we got there.
        p.runUntil(() => p.connected() || p.client.state === 'closed' || p.server.state === 'closed', 5000);
        if (p.connected()) {
          for (const inj of injections) p.endpoint(inj.to).handleInput(p.now, inj.bytes);
          p.client.send(Uint8Array.of(1, 2, 3));
          p.runUntil(() => p.events[1].some((e) => e.type === 'data'), 1000);
        }
        for (const ep of [p.client, p.server]) {
          let n = 0;
          while (ep.pollTransmit()) n++;
          expect(n).toBeLessThanOrEqual(MAX_TRANSMIT_QUEUE);
          let m = 0;
          while (ep.pollEvent()) m++;
          expect(m).toBeLessThanOrEqual(MAX_EVENT_QUEUE);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a plaintext forgery after the handshake cannot close the connection', () => {
    const p = new Pair();
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    // Fatal alert and garbage handshake in epoch 0, unauthenticated.
    p.client.handleInput(p.now, serializeRecord({ contentType: 21, version: 0xfefd, epoch: 0, sequenceNumber: 999, fragment: Uint8Array.of(2, 40) }));
    p.client.handleInput(p.now, serializeRecord({ contentType: 22, version: 0xfefd, epoch: 0, sequenceNumber: 1000, fragment: Uint8Array.of(1, 2, 3) }));
    p.client.handleInput(p.now, serializeRecord({ contentType: 23, version: 0xfefd, epoch: 1, sequenceNumber: 1000, fragment: new Uint8Array(40) }));
    expect(p.client.state).toBe('connected');
    p.server.send(Uint8Array.of(9));
    p.runUntil(() => p.events[0].some((e) => e.type === 'data'));
    expect(p.events[0].find((e) => e.type === 'data')).toMatchObject({ data: Uint8Array.of(9) });
  });

  it('replayed application records are delivered once (RFC 6347 4.1.2.6)', () => {
    const p = new Pair();
    p.start();
    expect(p.runUntil(() => p.connected())).toBe(true);
    p.client.send(Uint8Array.of(7));
    const rec = p.client.pollTransmit()!;
    p.server.handleInput(p.now, rec);
    p.server.handleInput(p.now, rec);
    const data = [];
    for (let e = p.server.pollEvent(); e; e = p.server.pollEvent()) if (e.type === 'data') data.push(e);
    expect(data).toHaveLength(1);
    expect(p.server.stats.recordsDropped).toBeGreaterThanOrEqual(1);
  });
});
