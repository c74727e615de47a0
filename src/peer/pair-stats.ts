/**
 * @module peer/pair-stats
 * Per candidate pair counters for W3C webrtc-stats RTCIceCandidatePairStats (section 7.18:
 * packetsSent/Received, bytesSent/Received of payload only, "not including headers,
 * padding or ICE connectivity checks"; requestsSent/Received, responsesSent/Received,
 * currentRoundTripTime and totalRoundTripTime from STUN Binding transactions, RFC 8445
 * section 7.2.5 and RFC 7675 consent checks) and the RTCTransportStats totals (7.16).
 *
 * Sans-IO: the peer reports each datagram it sends or receives on a pair, with `now`;
 * STUN is recognised by RFC 8489 section 5 (first two bits zero, magic cookie) and the
 * Binding method (RFC 8489 section 18.2); round trips match a success response to the
 * request's transaction id. Everything is bounded: MAX_TRACKED_PAIRS pairs,
 * MAX_OUTSTANDING_REQUESTS transactions awaiting an answer.
 */
import type { TransportAddress } from '../ice/stun-binding.js';

/** Pairs counted at once; datagrams on further pairs only reach the transport totals. */
export const MAX_TRACKED_PAIRS = 256;
/** Binding requests remembered for round-trip times; the oldest is forgotten beyond it. */
export const MAX_OUTSTANDING_REQUESTS = 512;

/** RFC 8489 section 5: the magic cookie. */
const MAGIC_COOKIE = 0x2112a442;
const STUN_HEADER_LENGTH = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

export interface PairCounters {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  requestsSent: number;
  requestsReceived: number;
  responsesSent: number;
  responsesReceived: number;
  /** Seconds; undefined until one Binding transaction completed. */
  currentRoundTripTime: number | undefined;
  totalRoundTripTime: number;
  /** `now` of the last payload datagram each way (ms on the caller's clock). */
  lastPacketSentAtMs: number | undefined;
  lastPacketReceivedAtMs: number | undefined;
}

export interface TransportTotals {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

/** The key of the pair (local base, remote address) a datagram travelled on. */
export function pairKey(local: TransportAddress, remote: TransportAddress): string {
  return `${local.address}|${local.port}|${remote.address}|${remote.port}`;
}

/** STUN message type when `data` is a STUN message (RFC 8489 section 5), else undefined. */
function stunType(data: Uint8Array): number | undefined {
  if (data.length < STUN_HEADER_LENGTH || (data[0] ?? 0xff) > 3) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(4) !== MAGIC_COOKIE) return undefined;
  return view.getUint16(0);
}

function transactionId(data: Uint8Array): string {
  let s = '';
  for (let i = 8; i < STUN_HEADER_LENGTH; i++) s += (data[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

const newCounters = (): PairCounters => ({
  packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, requestsSent: 0, requestsReceived: 0, responsesSent: 0, responsesReceived: 0,
  currentRoundTripTime: undefined, totalRoundTripTime: 0, lastPacketSentAtMs: undefined, lastPacketReceivedAtMs: undefined,
});

export class PairStatsTracker {
  private readonly pairs = new Map<string, PairCounters>();
  /** Transaction id -> pair key and send time, in insertion order (oldest first). */
  private readonly outstanding = new Map<string, { key: string; sentAtMs: number }>();
  readonly totals: TransportTotals = { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0 };
  /** Datagrams on pairs beyond MAX_TRACKED_PAIRS (counted in the totals only). */
  untrackedDatagrams = 0;

  /** The counters of one pair, if any datagram crossed it. */
  get(local: TransportAddress, remote: TransportAddress): Readonly<PairCounters> | undefined {
    return this.pairs.get(pairKey(local, remote));
  }

  get trackedPairCount(): number {
    return this.pairs.size;
  }

  get outstandingRequestCount(): number {
    return this.outstanding.size;
  }

  private counters(key: string): PairCounters | undefined {
    let c = this.pairs.get(key);
    if (c) return c;
    if (this.pairs.size >= MAX_TRACKED_PAIRS) {
      this.untrackedDatagrams++;
      return undefined;
    }
    c = newCounters();
    this.pairs.set(key, c);
    return c;
  }

  /** The pair the last data datagram used, per direction: bulk data repeats it (no key string per datagram). */
  private lastSent: { local: TransportAddress; remote: TransportAddress; counters: PairCounters } | undefined;
  private lastReceived: { local: TransportAddress; remote: TransportAddress; counters: PairCounters } | undefined;

  private dataCounters(last: 'lastSent' | 'lastReceived', local: TransportAddress, remote: TransportAddress): PairCounters | undefined {
    const l = this[last];
    if (l && l.remote.port === remote.port && l.local.port === local.port && l.remote.address === remote.address && l.local.address === local.address) return l.counters;
    const c = this.counters(pairKey(local, remote));
    if (c) this[last] = { local: { address: local.address, port: local.port }, remote: { address: remote.address, port: remote.port }, counters: c };
    return c;
  }

  /** A datagram we sent from `local` (our base or relayed address) to `remote`. */
  sent(now: number, local: TransportAddress, remote: TransportAddress, data: Uint8Array): void {
    const type = stunType(data);
    if (type === undefined) {
      this.totals.packetsSent++;
      this.totals.bytesSent += data.length;
      const c = this.dataCounters('lastSent', local, remote);
      if (!c) return;
      c.packetsSent++;
      c.bytesSent += data.length;
      c.lastPacketSentAtMs = now;
      return;
    }
    const key = pairKey(local, remote);
    if (type === BINDING_REQUEST) {
      const c = this.counters(key);
      if (!c) return;
      c.requestsSent++;
      const id = transactionId(data);
      // A retransmission keeps its first send time (RFC 8489 section 6.2.1: same id).
      if (!this.outstanding.has(id)) {
        if (this.outstanding.size >= MAX_OUTSTANDING_REQUESTS) {
          const oldest = this.outstanding.keys().next().value;
          if (oldest !== undefined) this.outstanding.delete(oldest);
        }
        this.outstanding.set(id, { key, sentAtMs: now });
      }
    } else if (type === BINDING_SUCCESS) {
      const c = this.counters(key);
      if (c) c.responsesSent++;
    }
  }

  /** A datagram that arrived on `local` (our base or relayed address) from `remote`. */
  received(now: number, local: TransportAddress, remote: TransportAddress, data: Uint8Array): void {
    const type = stunType(data);
    if (type === undefined) {
      this.totals.packetsReceived++;
      this.totals.bytesReceived += data.length;
      const c = this.dataCounters('lastReceived', local, remote);
      if (!c) return;
      c.packetsReceived++;
      c.bytesReceived += data.length;
      c.lastPacketReceivedAtMs = now;
      return;
    }
    const key = pairKey(local, remote);
    if (type === BINDING_REQUEST) {
      const c = this.counters(key);
      if (c) c.requestsReceived++;
    } else if (type === BINDING_SUCCESS) {
      const id = transactionId(data);
      const pending = this.outstanding.get(id);
      // Only an answer to one of our requests, from where the request went, counts.
      if (!pending || pending.key !== key) return;
      this.outstanding.delete(id);
      const c = this.pairs.get(key);
      if (!c) return;
      c.responsesReceived++;
      const rtt = Math.max(0, now - pending.sentAtMs) / 1000;
      c.currentRoundTripTime = rtt;
      c.totalRoundTripTime += rtt;
    }
  }
}
