/**
 * @module stun/transaction
 * STUN client transactions over UDP as sans-IO state machines (RFC 8489 6.2.1): the
 * request goes out at once and again after RTO, doubling each time, until Rc requests
 * have been sent; the transaction fails Rm * RTO after the last one. With the defaults
 * (RTO 500 ms, Rc 7, Rm 16) requests leave at 0, 500, 1500, 3500, 7500, 15500 and
 * 31500 ms and the transaction times out at 39500 ms. Responses are matched by
 * transaction id (6.3); late and duplicate responses are ignored.
 */
import { InvalidArgumentError, InvalidStateError } from '../common/errors.js';
import { transactionKey } from './message.js';
import type { StunMessage } from './message.js';

/** RFC 8489 6.2.1 defaults. */
export const DEFAULT_RTO_MS = 500;
export const DEFAULT_RC = 7;
export const DEFAULT_RM = 16;
/** Bound on concurrent client transactions in one table (each holds a request). */
export const MAX_PENDING_TRANSACTIONS = 1024;

export interface TransactionOptions {
  /** Initial retransmission timeout (RFC 8489 6.2.1: >= 500 ms advised on the Internet). */
  readonly rtoMs?: number;
  /** Total requests sent, Rc. */
  readonly maxRequests?: number;
  /** Rm: the final wait is Rm * RTO. */
  readonly lastWaitFactor?: number;
}

export type TransactionState = 'waiting' | 'succeeded' | 'failed' | 'timedout' | 'cancelled';

export type TransactionEvent =
  | { readonly type: 'response'; readonly message: StunMessage; readonly rttMs: number | undefined }
  | { readonly type: 'timeout' };

/**
 * One client transaction: `pollTransmit()` gives the request bytes when due.
 * `rttMs` in the response event is set only when no retransmission happened (Karn).
 */
export class StunClientTransaction {
  readonly transactionId: Uint8Array;
  readonly request: Uint8Array;
  private readonly rtoMs: number;
  private readonly maxRequests: number;
  private readonly lastWaitFactor: number;
  private readonly startedAt: number;
  private sent = 0;
  private due = true;
  private nextAt: number;
  private interval: number;
  private stateValue: TransactionState = 'waiting';
  private readonly events: TransactionEvent[] = [];

  constructor(now: number, request: Uint8Array, transactionId: Uint8Array, options: TransactionOptions = {}) {
    this.rtoMs = options.rtoMs ?? DEFAULT_RTO_MS;
    this.maxRequests = options.maxRequests ?? DEFAULT_RC;
    this.lastWaitFactor = options.lastWaitFactor ?? DEFAULT_RM;
    if (!(this.rtoMs > 0) || !Number.isInteger(this.maxRequests) || this.maxRequests < 1 || !(this.lastWaitFactor > 0)) {
      throw new InvalidArgumentError('transaction: rtoMs and lastWaitFactor must be > 0, maxRequests an integer >= 1');
    }
    this.request = request;
    this.transactionId = transactionId;
    this.startedAt = now;
    this.nextAt = now;
    this.interval = this.rtoMs;
  }

  get state(): TransactionState {
    return this.stateValue;
  }

  /** Number of times the request has been handed out by pollTransmit. */
  get requestsSent(): number {
    return this.sent;
  }

  pollTransmit(): Uint8Array | undefined {
    if (!this.due || this.stateValue !== 'waiting') return undefined;
    this.due = false;
    this.sent++;
    if (this.sent < this.maxRequests) {
      this.nextAt += this.interval;
      this.interval *= 2;
    } else {
      this.nextAt += this.lastWaitFactor * this.rtoMs;
    }
    return this.request;
  }

  pollTimeout(): number | undefined {
    if (this.stateValue !== 'waiting') return undefined;
    return this.nextAt;
  }

  handleTimeout(now: number): void {
    if (this.stateValue !== 'waiting' || this.due || now < this.nextAt) return;
    if (this.sent >= this.maxRequests) {
      this.stateValue = 'timedout';
      this.events.push({ type: 'timeout' });
      return;
    }
    this.due = true;
  }

  /** Returns true when `msg` completed this transaction; false when ignored (late, duplicate, other id, not a response). */
  handleResponse(now: number, msg: StunMessage): boolean {
    if (this.stateValue !== 'waiting') return false;
    if (msg.class !== 'success' && msg.class !== 'error') return false;
    if (transactionKey(msg.transactionId) !== transactionKey(this.transactionId)) return false;
    this.stateValue = msg.class === 'success' ? 'succeeded' : 'failed';
    this.events.push({ type: 'response', message: msg, rttMs: this.sent === 1 ? now - this.startedAt : undefined });
    return true;
  }

  /** Stops retransmitting; no event. */
  cancel(): void {
    if (this.stateValue === 'waiting') this.stateValue = 'cancelled';
  }

  pollEvent(): TransactionEvent | undefined {
    return this.events.shift();
  }
}

export type TableEvent<T> = TransactionEvent & { readonly transactionId: Uint8Array; readonly context: T };

/**
 * Many client transactions keyed by transaction id, with `context` (e.g. the
 * destination address) carried to transmits and events. Bounded by `maxPending`.
 */
export class StunTransactionTable<T> {
  private readonly pending = new Map<string, { tx: StunClientTransaction; context: T }>();
  private readonly events: TableEvent<T>[] = [];
  private readonly maxPending: number;
  private readonly defaults: TransactionOptions;

  constructor(options: TransactionOptions & { maxPending?: number } = {}) {
    this.maxPending = options.maxPending ?? MAX_PENDING_TRANSACTIONS;
    this.defaults = options;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Starts a transaction; throws InvalidStateError when the table is full or the id is in use (local errors). */
  start(now: number, request: Uint8Array, transactionId: Uint8Array, context: T, options: TransactionOptions = {}): StunClientTransaction {
    const key = transactionKey(transactionId);
    if (this.pending.has(key)) throw new InvalidStateError('transaction id already in use');
    if (this.pending.size >= this.maxPending) throw new InvalidStateError(`more than ${this.maxPending} pending STUN transactions`);
    const tx = new StunClientTransaction(now, request, transactionId, { ...this.defaults, ...options });
    this.pending.set(key, { tx, context });
    return tx;
  }

  has(transactionId: Uint8Array): boolean {
    return this.pending.has(transactionKey(transactionId));
  }

  cancel(transactionId: Uint8Array): void {
    const key = transactionKey(transactionId);
    this.pending.get(key)?.tx.cancel();
    this.pending.delete(key);
  }

  /** Cancels every pending transaction (no events). */
  clear(): void {
    for (const entry of this.pending.values()) entry.tx.cancel();
    this.pending.clear();
  }

  /** Routes a response; true when it completed a pending transaction, false when ignored. */
  handleResponse(now: number, msg: StunMessage): boolean {
    const key = transactionKey(msg.transactionId);
    const entry = this.pending.get(key);
    if (!entry || !entry.tx.handleResponse(now, msg)) return false;
    this.pending.delete(key);
    this.drain(entry.tx, entry.context);
    return true;
  }

  handleTimeout(now: number): void {
    for (const [key, entry] of this.pending) {
      entry.tx.handleTimeout(now);
      if (entry.tx.state !== 'waiting') {
        this.pending.delete(key);
        this.drain(entry.tx, entry.context);
      }
    }
  }

  pollTransmit(): { readonly data: Uint8Array; readonly context: T } | undefined {
    for (const entry of this.pending.values()) {
      const data = entry.tx.pollTransmit();
      if (data) return { data, context: entry.context };
    }
    return undefined;
  }

  pollTimeout(): number | undefined {
    let best: number | undefined;
    for (const entry of this.pending.values()) {
      const at = entry.tx.pollTimeout();
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  pollEvent(): TableEvent<T> | undefined {
    return this.events.shift();
  }

  private drain(tx: StunClientTransaction, context: T): void {
    for (let e = tx.pollEvent(); e; e = tx.pollEvent()) this.events.push({ ...e, transactionId: tx.transactionId, context });
  }
}
