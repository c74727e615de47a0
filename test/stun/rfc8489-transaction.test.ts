// RFC 8489 6.2.1: client transaction retransmission schedule on a virtual clock.
import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../src/common/errors.js';
import { seededRandom } from '../../src/common/random.js';
import {
  encodeStunMessage,
  decodeStunMessage,
  StunClientTransaction,
  StunTransactionTable,
} from '../../src/stun/index.js';
import type { StunMessage } from '../../src/stun/index.js';

const STEP_CAP = 1000;

function request(seed: number): { bytes: Uint8Array; id: Uint8Array } {
  const id = seededRandom(seed).fill(new Uint8Array(12));
  return { bytes: encodeStunMessage({ class: 'request', method: 1, transactionId: id, attributes: [] }, { fingerprint: true }), id };
}

function response(id: Uint8Array, cls: 'success' | 'error' = 'success'): StunMessage {
  const bytes = encodeStunMessage({ class: cls, method: 1, transactionId: id, attributes: [{ type: 'XOR-MAPPED-ADDRESS', family: 'IPv4', address: '192.0.2.1', port: 1 }] });
  return decodeStunMessage(bytes);
}

/** Runs a transaction to completion on a virtual clock, jumping to each deadline; returns send times and the end. */
function run(tx: StunClientTransaction, start = 0): { sends: number[]; end: number | undefined } {
  const sends: number[] = [];
  let now = start;
  for (let step = 0; step < STEP_CAP; step++) {
    while (tx.pollTransmit()) sends.push(now);
    const ev = tx.pollEvent();
    if (ev) return { sends, end: ev.type === 'timeout' ? now : undefined };
    const at = tx.pollTimeout();
    if (at === undefined) break;
    now = Math.max(now, at);
    tx.handleTimeout(now);
  }
  return { sends, end: undefined };
}

describe('StunClientTransaction (RFC 8489 6.2.1)', () => {
  it('sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms and times out at 39500 ms with the defaults', () => {
    const r = request(1);
    const { sends, end } = run(new StunClientTransaction(0, r.bytes, r.id));
    expect(sends).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(end).toBe(39500);
  });

  it('honours a configured RTO, Rc and Rm, and a non-zero start time', () => {
    const r = request(2);
    const { sends, end } = run(new StunClientTransaction(1000, r.bytes, r.id, { rtoMs: 100, maxRequests: 3, lastWaitFactor: 4 }), 1000);
    expect(sends).toEqual([1000, 1100, 1300]);
    expect(end).toBe(1700);
  });

  it('keeps the exact schedule when the host fires timers late', () => {
    const r = request(3);
    const tx = new StunClientTransaction(0, r.bytes, r.id);
    expect(tx.pollTransmit()).toBe(r.bytes);
    tx.handleTimeout(499);
    expect(tx.pollTransmit()).toBeUndefined();
    tx.handleTimeout(700);
    expect(tx.pollTransmit()).toBe(r.bytes);
    expect(tx.pollTimeout()).toBe(1500);
  });

  it('completes on a matching response, reports RTT only without retransmission (Karn), and ignores late duplicates', () => {
    const r = request(4);
    const tx = new StunClientTransaction(0, r.bytes, r.id);
    tx.pollTransmit();
    expect(tx.handleResponse(30, response(request(99).id))).toBe(false);
    expect(tx.handleResponse(40, response(r.id))).toBe(true);
    expect(tx.state).toBe('succeeded');
    const ev = tx.pollEvent();
    expect(ev?.type).toBe('response');
    expect(ev?.type === 'response' && ev.rttMs).toBe(40);
    expect(tx.handleResponse(50, response(r.id))).toBe(false);
    expect(tx.pollEvent()).toBeUndefined();
    expect(tx.pollTimeout()).toBeUndefined();

    const r2 = request(5);
    const tx2 = new StunClientTransaction(0, r2.bytes, r2.id);
    tx2.pollTransmit();
    tx2.handleTimeout(500);
    tx2.pollTransmit();
    expect(tx2.handleResponse(600, response(r2.id, 'error'))).toBe(true);
    expect(tx2.state).toBe('failed');
    const ev2 = tx2.pollEvent();
    expect(ev2?.type === 'response' && ev2.rttMs).toBeUndefined();
  });

  it('ignores a response after the timeout', () => {
    const r = request(6);
    const tx = new StunClientTransaction(0, r.bytes, r.id);
    run(tx);
    expect(tx.state).toBe('timedout');
    expect(tx.handleResponse(40000, response(r.id))).toBe(false);
  });
});

describe('StunTransactionTable', () => {
  it('routes responses by transaction id, carries context, and times out the rest', () => {
    const table = new StunTransactionTable<string>();
    const a = request(10);
    const b = request(11);
    table.start(0, a.bytes, a.id, 'server-a');
    table.start(0, b.bytes, b.id, 'server-b');
    const sent: string[] = [];
    for (let t = table.pollTransmit(); t; t = table.pollTransmit()) sent.push(t.context);
    expect(sent.sort()).toEqual(['server-a', 'server-b']);
    expect(table.handleResponse(20, response(a.id))).toBe(true);
    expect(table.handleResponse(21, response(a.id))).toBe(false);
    const ev = table.pollEvent();
    expect(ev?.type).toBe('response');
    expect(ev?.context).toBe('server-a');
    let now = 0;
    let timeoutEvent;
    for (let step = 0; step < STEP_CAP && !timeoutEvent; step++) {
      const at = table.pollTimeout();
      if (at === undefined) break;
      now = at;
      table.handleTimeout(now);
      while (table.pollTransmit());
      timeoutEvent = table.pollEvent();
    }
    expect(timeoutEvent?.type).toBe('timeout');
    expect(timeoutEvent?.context).toBe('server-b');
    expect(now).toBe(39500);
    expect(table.size).toBe(0);
  });

  it('is bounded and refuses duplicate ids', () => {
    const table = new StunTransactionTable<number>({ maxPending: 3 });
    for (let i = 0; i < 3; i++) {
      const r = request(20 + i);
      table.start(0, r.bytes, r.id, i);
    }
    const extra = request(30);
    expect(() => table.start(0, extra.bytes, extra.id, 9)).toThrow(InvalidStateError);
    const dup = request(20);
    expect(() => table.start(0, dup.bytes, dup.id, 9)).toThrow(InvalidStateError);
    table.cancel(request(20).id);
    expect(table.size).toBe(2);
    table.start(0, extra.bytes, extra.id, 9);
    expect(table.size).toBe(3);
  });
});
