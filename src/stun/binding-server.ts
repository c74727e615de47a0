/**
 * @module stun/binding-server
 * A sans-IO STUN Binding server (RFC 8489 section 12, "Basic Server Behavior"; request
 * processing per 6.3 and 6.3.1): a datagram and its source address in, a Binding
 * success response with XOR-MAPPED-ADDRESS, SOFTWARE and FINGERPRINT out. Requests
 * with unknown comprehension-required attributes get 420 with UNKNOWN-ATTRIBUTES;
 * requests for other methods get 400. Garbage, indications, responses, datagrams
 * above the size limit and sources over their rate are dropped and counted. The
 * Binding method is idempotent (6.3.1), so retransmissions are simply answered again.
 */
import { isComprehensionRequired, StunClass, StunMethod, ERROR_REASONS, ErrorCodes } from './constants.js';
import { decodeStunMessage, encodeStunMessage, verifyFingerprint } from './message.js';
import type { StunMessage } from './message.js';
import type { StunAttribute } from './attributes.js';
import type { IpFamily } from './ip.js';
import { ParseError } from '../common/errors.js';

/**
 * Largest request datagram handled. RFC 8489 6.2.1 keeps STUN over UDP below the path
 * MTU (576 bytes when unknown for IPv4); a Binding request is small, so anything past
 * an Ethernet MTU is not one we need to answer.
 */
export const MAX_REQUEST_BYTES = 1500;
/** Default token-bucket rate per source IP (requests per second) and burst. */
export const DEFAULT_RATE_PER_SECOND = 50;
export const DEFAULT_RATE_BURST = 100;
/** Bound on the number of sources whose rate state is kept; the oldest is evicted. */
export const MAX_TRACKED_SOURCES = 10_000;
export const DEFAULT_SOFTWARE = 'purertc';
/** Bound on responses waiting for pollTransmit (a caller that never drains loses the newest). */
export const MAX_QUEUED_TRANSMITS = 1024;

export interface TransportAddress {
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
}

export interface BindingServerOptions {
  readonly software?: string;
  /** Requests per second per source IP; 0 disables the limit. */
  readonly ratePerSecond?: number;
  readonly rateBurst?: number;
  readonly maxTrackedSources?: number;
}

export interface BindingServerStats {
  received: number;
  answered: number;
  /** Not STUN, bad fingerprint, or undecodable. */
  droppedInvalid: number;
  /** Valid STUN but not a request (indications, responses). */
  droppedNotRequest: number;
  droppedTooLarge: number;
  droppedRateLimited: number;
  droppedQueueFull: number;
  errorResponses: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class StunBindingServer {
  private readonly software: string;
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxSources: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly transmits: { to: TransportAddress; data: Uint8Array }[] = [];
  readonly stats: BindingServerStats = {
    received: 0,
    answered: 0,
    droppedInvalid: 0,
    droppedNotRequest: 0,
    droppedTooLarge: 0,
    droppedRateLimited: 0,
    droppedQueueFull: 0,
    errorResponses: 0,
  };

  constructor(options: BindingServerOptions = {}) {
    this.software = options.software ?? DEFAULT_SOFTWARE;
    this.rate = options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
    this.burst = options.rateBurst ?? DEFAULT_RATE_BURST;
    this.maxSources = options.maxTrackedSources ?? MAX_TRACKED_SOURCES;
  }

  /** Handles one datagram from `from`. Never throws on remote input. */
  handleInput(now: number, from: TransportAddress, data: Uint8Array): void {
    this.stats.received++;
    if (data.length > MAX_REQUEST_BYTES) {
      this.stats.droppedTooLarge++;
      return;
    }
    let msg;
    try {
      msg = decodeStunMessage(data);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.stats.droppedInvalid++;
      return;
    }
    if (msg.class !== StunClass.Request) {
      this.stats.droppedNotRequest++;
      return;
    }
    // RFC 8489 7: when FINGERPRINT is present it must be right, else the message is discarded.
    if (msg.attributes.some((a) => a.type === 'FINGERPRINT') && !verifyFingerprint(msg)) {
      this.stats.droppedInvalid++;
      return;
    }
    if (!this.admit(now, from.address)) {
      this.stats.droppedRateLimited++;
      return;
    }
    if (this.transmits.length >= MAX_QUEUED_TRANSMITS) {
      this.stats.droppedQueueFull++;
      return;
    }
    this.transmits.push({ to: from, data: this.respond(msg, from) });
  }

  pollTransmit(): { readonly to: TransportAddress; readonly data: Uint8Array } | undefined {
    return this.transmits.shift();
  }

  /** The server has no timers: rate buckets refill lazily from `now`. */
  pollTimeout(): number | undefined {
    return undefined;
  }

  private respond(msg: StunMessage, from: TransportAddress): Uint8Array {
    const unknown: number[] = [];
    for (const a of msg.attributes) if (a.type === 'unknown' && isComprehensionRequired(a.code)) unknown.push(a.code);
    const software: StunAttribute = { type: 'SOFTWARE', value: this.software };
    if (unknown.length > 0 || msg.method !== StunMethod.Binding) {
      this.stats.errorResponses++;
      const code = unknown.length > 0 ? ErrorCodes.UnknownAttribute : ErrorCodes.BadRequest;
      const attributes: StunAttribute[] = [{ type: 'ERROR-CODE', code, reason: ERROR_REASONS[code] ?? '' }];
      if (unknown.length > 0) attributes.push({ type: 'UNKNOWN-ATTRIBUTES', types: unknown });
      attributes.push(software);
      return encodeStunMessage({ class: StunClass.ErrorResponse, method: msg.method, transactionId: msg.transactionId, attributes }, { fingerprint: true });
    }
    this.stats.answered++;
    return encodeStunMessage(
      {
        class: StunClass.SuccessResponse,
        method: StunMethod.Binding,
        transactionId: msg.transactionId,
        attributes: [{ type: 'XOR-MAPPED-ADDRESS', family: from.family, address: from.address, port: from.port }, software],
      },
      { fingerprint: true },
    );
  }

  /** Token bucket per source IP (RFC 8489 16.1 notes servers are DoS targets). */
  private admit(now: number, source: string): boolean {
    if (this.rate <= 0) return true;
    let b = this.buckets.get(source);
    if (b) {
      this.buckets.delete(source);
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
      b.at = now;
    } else {
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      b = { tokens: this.burst, at: now };
    }
    this.buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
