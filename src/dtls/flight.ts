/**
 * @module dtls/flight
 * Flights and their retransmission (RFC 6347 4.2.4): a flight is sent whole, the timer
 * starts at the initial value (1 s, 4.2.4.1) and doubles on each expiry up to a cap
 * (60 s, 4.2.4.1); after a bounded number of retransmissions the handshake fails. The
 * final flight of a handshake is not timer-driven: it is resent only when the peer's
 * previous flight shows up again (4.2.4). 4.2.4.1 leaves timer values to the
 * implementation and recommends 1 s; when the path's round-trip time is known (ICE
 * measured it on the same 5-tuple) the first timeout may instead be twice the RTT,
 * kept within [50 ms, 3 s] (what libwebrtc does), so a first flight lost to a peer
 * that was not listening yet costs tens of milliseconds rather than a second.
 * Messages are fragmented so that every
 * datagram fits the path MTU (4.1.1, 4.2.3), and several records share a datagram.
 */
import { ContentType } from './constants.js';
import { fragmentMessage, serializeFragment, HANDSHAKE_HEADER_LENGTH } from './fragment.js';
/** What flights need from a record layer (DTLS 1.2's RecordLayer and 1.3's RecordLayer13). */
export interface RecordSealer {
  seal(contentType: number, epoch: number, plaintext: Uint8Array): Uint8Array | undefined;
  overhead(epoch: number): number;
}

export const DEFAULT_INITIAL_RTO_MS = 1000;
export const DEFAULT_MAX_RTO_MS = 60_000;
/** Floor of an RTT-derived initial timeout (a loopback RTT is far below timer precision). */
export const MIN_RTT_INITIAL_RTO_MS = 50;
/** Ceiling of an RTT-derived initial timeout (an outlier sample must not stall the handshake). */
export const MAX_RTT_INITIAL_RTO_MS = 3000;

/** The initial retransmission timeout for a path with round-trip time `rttMs`: 2 x RTT within [50 ms, 3 s]. */
export function initialRtoFromRtt(rttMs: number): number {
  if (!Number.isFinite(rttMs) || rttMs < 0) return DEFAULT_INITIAL_RTO_MS;
  return Math.min(MAX_RTT_INITIAL_RTO_MS, Math.max(MIN_RTT_INITIAL_RTO_MS, 2 * rttMs));
}
/** Retransmissions of one flight before the handshake fails (RFC 6347 4.2.4 leaves the count to us; 1+2+4+...+60 s ≈ 4 min). */
export const DEFAULT_MAX_RETRANSMITS = 8;
/** Smallest MTU we fragment to; IPv6's 1280 minus headers leaves more than this. */
export const MIN_MTU = 256;

export type FlightItem =
  | { readonly kind: 'handshake'; readonly epoch: number; readonly msgType: number; readonly messageSeq: number; readonly body: Uint8Array }
  | { readonly kind: 'ccs'; readonly epoch: number };

/** Serializes a flight into datagrams no larger than `mtu`, sealing each record now (new sequence numbers each time, 4.2.4). */
export function buildFlightDatagrams(items: readonly FlightItem[], mtu: number, records: RecordSealer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  const push = (rec: Uint8Array | undefined): void => {
    if (rec === undefined) return;
    if (size + rec.length > mtu && current.length > 0) {
      out.push(concat(current, size));
      current = [];
      size = 0;
    }
    current.push(rec);
    size += rec.length;
  };
  for (const item of items) {
    if (item.kind === 'ccs') {
      push(records.seal(ContentType.ChangeCipherSpec, item.epoch, Uint8Array.of(1)));
      continue;
    }
    const room = Math.max(1, mtu - records.overhead(item.epoch) - HANDSHAKE_HEADER_LENGTH);
    for (const f of fragmentMessage(item.msgType, item.messageSeq, item.body, room)) {
      const free = mtu - size - records.overhead(item.epoch) - HANDSHAKE_HEADER_LENGTH;
      // Start a fresh datagram rather than emitting a tiny fragment at the end of one.
      if (current.length > 0 && free < Math.min(f.body.length, 64)) {
        out.push(concat(current, size));
        current = [];
        size = 0;
      }
      push(records.seal(ContentType.Handshake, item.epoch, serializeFragment(f)));
    }
  }
  if (current.length > 0) out.push(concat(current, size));
  return out;
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const buf = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return buf;
}

export interface RetransmitConfig {
  readonly initialRtoMs: number;
  readonly maxRtoMs: number;
  readonly maxRetransmits: number;
}

/** The retransmission timer of the current flight. */
export class FlightTimer {
  private readonly config: RetransmitConfig;
  private initialRtoMs: number;
  private rtoMs: number;
  private retransmits = 0;
  /** Absolute deadline, undefined when no timer runs. */
  deadline: number | undefined;

  constructor(config: RetransmitConfig) {
    this.config = config;
    this.initialRtoMs = config.initialRtoMs;
    this.rtoMs = config.initialRtoMs;
  }

  /** The initial timeout for flights started from now on (a running timer keeps its deadline). */
  setInitialRto(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.initialRtoMs = Math.min(ms, this.config.maxRtoMs);
  }

  /** A new flight was sent at `now`: restart from the initial timeout (4.2.4.1). */
  start(now: number): void {
    this.rtoMs = this.initialRtoMs;
    this.retransmits = 0;
    this.deadline = now + this.rtoMs;
  }

  stop(): void {
    this.deadline = undefined;
  }

  /** The timer fired: 'retransmit' (timer re-armed with a doubled timeout) or 'give-up'. */
  expire(now: number): 'retransmit' | 'give-up' {
    if (this.retransmits >= this.config.maxRetransmits) {
      this.deadline = undefined;
      return 'give-up';
    }
    this.retransmits++;
    this.rtoMs = Math.min(this.rtoMs * 2, this.config.maxRtoMs);
    this.deadline = now + this.rtoMs;
    return 'retransmit';
  }
}
