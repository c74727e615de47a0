/**
 * @module ice/agent
 * The ICE agent, sans-IO: RFC 8445 (full and lite), RFC 8838 (trickle), RFC 7675
 * (consent freshness), with one data stream and one component (BUNDLE + rtcp-mux).
 *
 * - Gathering (5.1.1): host candidates from the bases the caller bound (the list of
 *   addresses is an input; `src/node` enumerates interfaces), server-reflexive from STUN
 *   servers (5.1.1.2), relayed from a TURN client through `addRelayedCandidate` with
 *   its own send path (`Transmit.relayed`), peer-reflexive from checks (7.2.5.3.1,
 *   7.3.1.3). Priority 5.1.2, foundation 5.1.1.3, redundancy 5.1.3.
 * - Checklist (6.1.2): pairs, priority (6.1.2.3), pruning (6.1.2.4), the pair limit
 *   (6.1.2.5), states (6.1.2.6), the Ta-paced scheduler with the triggered-check queue
 *   (6.1.4), Ta negotiated as the higher of both proposals (14.2; RFC 8839 5.5
 *   `a=ice-pacing`, default 50 ms for a peer that sends none), RTO (14.3), role
 *   conflicts (7.3.1.1), regular nomination by the controlling agent (8.1.1) and
 *   acceptance of aggressive nomination (7.3.1.5).
 * - Lite (5.2, 6.2, 7.3.2, 8.2) as ourselves, and full against a lite peer (6.1.1).
 * - Consent (RFC 7675 5.1): a check every 5 s randomized to [0.8, 1.2], each sent once,
 *   consent lost after 30 s without a response; `disconnected` after a shorter silence.
 * - Restart (RFC 8445 9): new credentials; the old selected pair keeps carrying data
 *   (and its consent, RFC 7675 5.1) until a new pair is selected.
 * - mDNS names in remote candidates: a `mdns-query` event, answered by `resolveMdns`.
 * - Data (12.1): on the selected pair, or before selection on a valid one (`writable`);
 *   data sent before any pair is valid waits, bounded, for the first. `rttMs`: the
 *   latest check or consent round trip (Karn's rule, RFC 6298 3), for transports above.
 *
 * States follow W3C webrtc-pc 4.3.3 (RTCIceConnectionState) and 4.3.2
 * (RTCIceGatheringState).
 */
import { toHex } from '../common/hex.js';
import { randomIceString, type RandomSource, secureRandom } from '../common/random.js';
import { formatIp, parseIp } from '../stun/ip.js';
import {
  type Candidate,
  TYPE_PREFERENCE,
  computeFoundation,
  computePriority,
  familyOf,
  isMdnsName,
} from './candidate.js';
import { type PairState, comparePairs, pairPriorityFor } from './pair.js';
import {
  type BindingMessage,
  type TransportAddress,
  decodeBinding,
  encodeBinding,
  isStun,
  shortTermKey,
  verifyIntegrity,
} from './stun-binding.js';

export type IceRole = 'controlling' | 'controlled';
export type IceGatheringState = 'new' | 'gathering' | 'complete';
export type IceConnectionState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';

/** RFC 8445 14.2: default Ta, also the value assumed for a peer that proposes none. */
export const DEFAULT_TA_MS = 50;
/** RFC 8445 14.2: all transactions together no more often than every 5 ms. */
export const MIN_TA_MS = 5;
/**
 * Datagrams `send` keeps while no pair is valid yet (RFC 8445 12.1 allows data on valid
 * pairs only), sent once one is: e.g. a DTLS server flight answering a ClientHello that
 * arrived before our own check on that pair succeeded. Beyond it, the oldest is dropped.
 */
export const MAX_EARLY_SEND_DATAGRAMS = 16;
/** Our cap on a peer-proposed Ta (RFC 8839 5.5 gives none): a hostile 10^9 must not stall checks. */
export const MAX_TA_MS = 1000;
/** RFC 8445 14.3 / RFC 8489 6.2.1: the RTO floor. */
export const MIN_RTO_MS = 500;
/** Our cap on one check's doubled RTO, so a dead pair fails in bounded time. */
export const MAX_CHECK_RTO_MS = 3000;
/** Transmissions of one check before the pair fails (RFC 8489 6.2.1 Rc = 7). */
export const DEFAULT_CHECK_TRANSMISSIONS = 7;
/** Transmissions of a gathering Binding request to a STUN server. */
export const DEFAULT_GATHER_TRANSMISSIONS = 4;
/** RFC 6.1.2.5: default limit of candidate pairs for the checklist set. */
export const DEFAULT_MAX_PAIRS = 100;
/** Bound on remote candidates (signaled plus peer-reflexive). */
export const DEFAULT_MAX_REMOTE_CANDIDATES = 100;
/** Bound on local candidates (host bases, srflx, relay, prflx). */
export const MAX_LOCAL_CANDIDATES = 64;
/** Bound on the triggered-check queue (6.1.4.1): never more than the pairs. */
export const MAX_TRIGGERED_CHECKS = DEFAULT_MAX_PAIRS;
/** Checks received before the remote credentials (RFC 8445 7.3.1.3, RFC 8838 8). */
export const MAX_EARLY_CHECKS = 32;
/** mDNS names waiting for resolution. */
export const MAX_PENDING_MDNS = 16;
/** Consent requests remembered at once (each is sent once, RFC 7675 5.1). */
export const MAX_CONSENT_TRANSACTIONS = 8;
/** Datagrams queued for `pollTransmit` before new ones are dropped. */
export const MAX_QUEUED_TRANSMITS = 1024;
/** Events queued for `pollEvent` before new ones are dropped. */
export const MAX_QUEUED_EVENTS = 1024;
/** Short-term keys kept: local and remote password of the current and the pre-restart generation (RFC 8445 9). */
const MAX_CACHED_SHORT_TERM_KEYS = 4;
/** RFC 7675 5.1: basic consent period. */
export const DEFAULT_CONSENT_INTERVAL_MS = 5000;
/** RFC 7675 5.1: consent expires after 30 s without a response. */
export const DEFAULT_CONSENT_TIMEOUT_MS = 30_000;
/** No packet from the peer on the selected pair for this long: `disconnected`. */
export const DEFAULT_DISCONNECTED_TIMEOUT_MS = 6500;
/** Nomination checks (with all their retransmissions) tried on one valid pair before it is given up (8.1.1). */
export const MAX_NOMINATION_ATTEMPTS = 3;
/** How long the controlling agent waits for better pairs after the first valid one. */
export const DEFAULT_NOMINATION_DELAY_MS = 500;

/** Where the agent sends: `from` is a local base; `relayed` marks a TURN relayed base. */
export interface Transmit {
  readonly from: TransportAddress;
  readonly to: TransportAddress;
  readonly data: Uint8Array;
  /** True when `from` is a relayed address: the TURN client must carry it (RFC 8656). */
  readonly relayed: boolean;
}

/** A received datagram: `local` is the base it arrived on (the relayed address for TURN data). */
export interface Datagram {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly data: Uint8Array;
}

export interface SelectedPair {
  readonly local: Candidate;
  readonly remote: Candidate;
}

export type IceEvent =
  | { readonly type: 'candidate'; readonly candidate: Candidate; readonly ufrag: string }
  | { readonly type: 'end-of-candidates'; readonly ufrag: string }
  | {
      readonly type: 'candidate-error';
      readonly address: string;
      readonly port: number;
      readonly url: string;
      readonly errorCode: number;
      readonly errorText: string;
    }
  | { readonly type: 'gathering-state'; readonly state: IceGatheringState }
  | { readonly type: 'connection-state'; readonly state: IceConnectionState }
  | { readonly type: 'selected-pair'; readonly pair: SelectedPair }
  | { readonly type: 'role'; readonly role: IceRole }
  | { readonly type: 'mdns-query'; readonly name: string }
  | { readonly type: 'data'; readonly data: Uint8Array; readonly local: TransportAddress; readonly remote: TransportAddress };

export interface IceAgentOptions {
  readonly role?: IceRole;
  /** Act as an ICE-lite agent (RFC 8445 2.5): host candidates, no checks, controlled. */
  readonly lite?: boolean;
  readonly random?: RandomSource;
  readonly ufrag?: string;
  readonly password?: string;
  /** 64-bit tie-breaker (7.1.3); random by default. */
  readonly tieBreaker?: bigint;
  /**
   * Check pacing (14.2): the Ta this agent proposes (RFC 8839 5.5 `a=ice-pacing`), default
   * 50 ms, at least 5 ms. Until the peer's value is known (see `setRemoteCredentials`'s
   * `pacingMs`) it is the Ta in use.
   */
  readonly taMs?: number;
  readonly checkTransmissions?: number;
  readonly gatherTransmissions?: number;
  readonly stunServers?: readonly TransportAddress[];
  /** Offer loopback bases as host candidates (off by default, as browsers do). */
  readonly includeLoopback?: boolean;
  readonly maxPairs?: number;
  readonly maxRemoteCandidates?: number;
  readonly consentIntervalMs?: number;
  readonly consentTimeoutMs?: number;
  readonly disconnectedTimeoutMs?: number;
  readonly nominationDelayMs?: number;
  /** 'resolve': emit `mdns-query`; 'drop': ignore `.local` candidates. */
  readonly mdns?: 'resolve' | 'drop';
}

export interface RelayedCandidateInfo {
  /** The relayed transport address allocated by the TURN server. */
  readonly relayed: TransportAddress;
  /** The TURN server's address (foundation input, 5.1.1.3). */
  readonly server: TransportAddress;
  /** The allocation's XOR-MAPPED-ADDRESS (RFC 8656 7.3), signaled as raddr/rport (RFC 8839 5.1). */
  readonly mapped?: TransportAddress;
  /** Preference among TURN servers (0..65535, unique per server). */
  readonly localPreference?: number;
}

interface Generation {
  readonly localUfrag: string;
  readonly localPassword: string;
  remoteUfrag: string | undefined;
  remotePassword: string | undefined;
}

interface LocalCandidate {
  readonly candidate: Candidate;
  readonly base: TransportAddress;
  readonly localPreference: number;
  readonly relayed: boolean;
}

interface RemoteCandidate {
  candidate: Candidate;
}

interface Pair {
  readonly id: number;
  readonly local: LocalCandidate;
  readonly remote: RemoteCandidate;
  readonly gen: Generation;
  priority: bigint;
  state: PairState;
  valid: boolean;
  nominated: boolean;
  /** Controlled: USE-CANDIDATE seen before the pair was valid (7.3.1.5). */
  nominateOnSuccess: boolean;
  /** Controlling: the next check on this pair carries USE-CANDIDATE. */
  nominateNext: boolean;
  /** Controlling: nomination checks that timed out on this pair. */
  nominationAttempts: number;
  lastReceivedAt: number;
  lastConsentAt: number;
  consentNextAt: number;
}

type Transaction =
  | {
      readonly kind: 'check';
      readonly pair: Pair;
      readonly data: Uint8Array;
      readonly useCandidate: boolean;
      readonly role: IceRole;
      readonly priority: number;
      /** When the first transmission left (for the RTT sample, taken only if it was the only one). */
      readonly sentAt: number;
      transmissions: number;
      rtoMs: number;
      nextAt: number;
      /** Superseded by a newer check on the pair (7.3.1.4): no retransmits, answer still counts. */
      cancelled: boolean;
    }
  | { readonly kind: 'consent'; readonly pair: Pair; readonly sentAt: number }
  | {
      readonly kind: 'gather';
      readonly base: LocalCandidate;
      readonly server: TransportAddress;
      readonly data: Uint8Array;
      transmissions: number;
      rtoMs: number;
      nextAt: number;
    };

interface EarlyCheck {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly priority: number;
  readonly useCandidate: boolean;
}

/** Counters of what was dropped and why (remote input never throws). */
export interface IceStats {
  stunSent: number;
  checksSent: number;
  stunReceived: number;
  malformedDropped: number;
  unauthenticatedDropped: number;
  unknownDataDropped: number;
  remoteCandidatesDropped: number;
  pairsDropped: number;
  queueOverflowDropped: number;
}

function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Whether `p` is the pair of base `local` and remote `remote`. */
function isPairOf(p: Pair | undefined, local: TransportAddress, remote: TransportAddress): boolean {
  return p !== undefined && sameAddress(p.local.base, local) && sameAddress(p.remote.candidate, remote);
}

function canonicalIp(address: string): string {
  // Only IPv6 text has more than one form (RFC 5952); runs for every datagram, so no regex.
  if (!address.includes(':')) return address;
  try {
    return formatIp(parseIp(address));
  } catch {
    return address;
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function randomU64(rng: RandomSource): bigint {
  const b = rng.fill(new Uint8Array(8));
  return new DataView(b.buffer).getBigUint64(0);
}

/** The ICE agent. See the module comment for what it implements. */
export class IceAgent {
  private readonly rng: RandomSource;
  private readonly lite: boolean;
  /** The Ta we propose (14.2). */
  private readonly localTaMs: number;
  /** The Ta in use: ours, or the higher of both proposals once the peer's is known (14.2). */
  private taMs: number;
  private readonly checkTransmissions: number;
  private readonly gatherTransmissions: number;
  private readonly stunServers: readonly TransportAddress[];
  private readonly includeLoopback: boolean;
  private readonly maxPairs: number;
  private readonly maxRemoteCandidates: number;
  private readonly consentIntervalMs: number;
  private readonly consentTimeoutMs: number;
  private readonly disconnectedTimeoutMs: number;
  private readonly nominationDelayMs: number;
  private readonly mdnsMode: 'resolve' | 'drop';

  private roleValue: IceRole;
  readonly tieBreaker: bigint;
  private gen: Generation;
  private previousGen: Generation | undefined;
  private remoteLite = false;

  private gatheringStateValue: IceGatheringState = 'new';
  private connectionStateValue: IceConnectionState = 'new';
  private hostBases: TransportAddress[] = [];
  private readonly locals: LocalCandidate[] = [];
  private remotes: RemoteCandidate[] = [];
  private pairs: Pair[] = [];
  private nextPairId = 1;
  private triggered: Pair[] = [];
  private readonly transactions = new Map<string, Transaction>();
  private gatherQueue: Transaction[] = [];
  private gatherPending = 0;
  private readonly relaysPending = new Set<string>();
  private gatherStarted = false;
  private remoteEndOfCandidates = false;
  private earlyChecks: EarlyCheck[] = [];
  private readonly pendingMdns = new Map<string, Candidate[]>();
  private readonly shortTermKeys = new Map<string, Uint8Array>();

  private selected: Pair | undefined;
  /** The pair selected before a restart; carries data until a new one is selected. */
  private previous: Pair | undefined;
  private nextCheckAt: number | undefined;
  private lastPacedAt = -Infinity;
  private nominateAt: number | undefined;
  /** The latest round-trip sample (see `rttMs`). */
  private rttSampleMs: number | undefined;
  /** The latest `now` seen, for work a role switch schedules. */
  private lastNow = 0;
  private closed = false;

  private readonly transmits: Transmit[] = [];
  /** Data sent before any pair was valid (bounded by MAX_EARLY_SEND_DATAGRAMS). */
  private earlySends: Uint8Array[] = [];
  private readonly events: IceEvent[] = [];
  readonly stats: IceStats = {
    stunSent: 0,
    checksSent: 0,
    stunReceived: 0,
    malformedDropped: 0,
    unauthenticatedDropped: 0,
    unknownDataDropped: 0,
    remoteCandidatesDropped: 0,
    pairsDropped: 0,
    queueOverflowDropped: 0,
  };

  constructor(options: IceAgentOptions = {}) {
    this.rng = options.random ?? secureRandom;
    this.lite = options.lite ?? false;
    this.roleValue = this.lite ? 'controlled' : (options.role ?? 'controlling');
    this.localTaMs = Math.max(MIN_TA_MS, options.taMs ?? DEFAULT_TA_MS);
    this.taMs = this.localTaMs;
    this.checkTransmissions = Math.max(1, options.checkTransmissions ?? DEFAULT_CHECK_TRANSMISSIONS);
    this.gatherTransmissions = Math.max(1, options.gatherTransmissions ?? DEFAULT_GATHER_TRANSMISSIONS);
    this.stunServers = this.lite ? [] : (options.stunServers ?? []).map((s) => ({ address: canonicalIp(s.address), port: s.port }));
    this.includeLoopback = options.includeLoopback ?? false;
    this.maxPairs = Math.max(1, options.maxPairs ?? DEFAULT_MAX_PAIRS);
    this.maxRemoteCandidates = Math.max(1, options.maxRemoteCandidates ?? DEFAULT_MAX_REMOTE_CANDIDATES);
    // RFC 7675 5.1: the period MUST NOT be below 4 s (0.8 x 5 s); we allow any value >= 5 s.
    this.consentIntervalMs = Math.max(DEFAULT_CONSENT_INTERVAL_MS, options.consentIntervalMs ?? DEFAULT_CONSENT_INTERVAL_MS);
    this.consentTimeoutMs = options.consentTimeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
    this.disconnectedTimeoutMs = options.disconnectedTimeoutMs ?? DEFAULT_DISCONNECTED_TIMEOUT_MS;
    this.nominationDelayMs = options.nominationDelayMs ?? DEFAULT_NOMINATION_DELAY_MS;
    this.mdnsMode = options.mdns ?? 'resolve';
    this.tieBreaker = options.tieBreaker ?? randomU64(this.rng);
    this.gen = {
      // RFC 8445 5.3: ufrag at least 24 bits, password at least 128 bits of randomness.
      localUfrag: options.ufrag ?? randomIceString(this.rng, 8),
      localPassword: options.password ?? randomIceString(this.rng, 24),
      remoteUfrag: undefined,
      remotePassword: undefined,
    };
  }

  // ---------------------------------------------------------------- accessors

  get role(): IceRole {
    return this.roleValue;
  }
  get localUfrag(): string {
    return this.gen.localUfrag;
  }
  /** The local ufrags requests may name: the current one and, during a restart, the previous one. */
  get localUfrags(): readonly string[] {
    return this.previousGen ? [this.gen.localUfrag, this.previousGen.localUfrag] : [this.gen.localUfrag];
  }
  /**
   * Whether a STUN response answers one of our transactions (RFC 8489 6.3.3: matched by
   * transaction ID), for callers that share a socket between agents.
   */
  ownsTransaction(data: Uint8Array): boolean {
    return data.length >= 20 && this.transactions.has(toHex(data.subarray(8, 20)));
  }
  get localPassword(): string {
    return this.gen.localPassword;
  }
  get isLite(): boolean {
    return this.lite;
  }
  /** The Ta we propose, for `a=ice-pacing` (RFC 8839 5.5); a lite agent proposes none. */
  get proposedTaMs(): number | undefined {
    return this.lite ? undefined : this.localTaMs;
  }
  /**
   * True once data can go out: a pair is selected, or (before selection) some pair is
   * valid, on which RFC 8445 12.1 lets an agent send. A transport above (DTLS) may start
   * then rather than wait for nomination.
   */
  get writable(): boolean {
    if (this.closed || this.connectionStateValue === 'failed') return false;
    return this.selected !== undefined || this.previous !== undefined || this.pairs.some((p) => p.valid);
  }
  /**
   * Round-trip time in ms of the latest connectivity check or consent request answered
   * with success, counting only requests sent once (Karn's rule, RFC 6298 3); undefined
   * before the first. Transports above may size their first retransmission timer from it.
   */
  get rttMs(): number | undefined {
    return this.rttSampleMs;
  }
  /** The Ta pacing new transactions now (RFC 8445 14.2). */
  get pacingMs(): number {
    return this.taMs;
  }
  get gatheringState(): IceGatheringState {
    return this.gatheringStateValue;
  }
  get connectionState(): IceConnectionState {
    return this.connectionStateValue;
  }
  /** The selected pair (or, during a restart, the previous one still carrying data). */
  get selectedPair(): SelectedPair | undefined {
    const p = this.selected ?? this.previous;
    return p ? { local: p.local.candidate, remote: p.remote.candidate } : undefined;
  }
  /**
   * The pair application data goes out on now: the selected one, or before selection the
   * valid one `send` uses (RFC 8445 12.1). What stats call the transport's selected pair,
   * as libwebrtc does once a pair is writable.
   */
  get sendingPair(): SelectedPair | undefined {
    const p = this.selected ?? this.previous ?? this.pairs.find((x) => x.valid);
    return p ? { local: p.local.candidate, remote: p.remote.candidate } : undefined;
  }
  get localCandidates(): readonly Candidate[] {
    return this.locals.filter((l) => l.candidate.type !== 'prflx').map((l) => l.candidate);
  }
  get remoteCandidates(): readonly Candidate[] {
    return this.remotes.map((r) => r.candidate);
  }
  /** STUN transactions awaiting an answer (checks, consent, gathering). */
  get pendingTransactionCount(): number {
    return this.transactions.size;
  }
  /** Events and datagrams waiting to be polled. */
  get queuedOutputCount(): number {
    return this.events.length + this.transmits.length;
  }
  /** A snapshot of the checklist, highest priority first. */
  get checklist(): readonly { local: Candidate; remote: Candidate; state: PairState; priority: bigint; nominated: boolean; valid: boolean }[] {
    return this.pairs.map((p) => ({
      local: p.local.candidate,
      remote: p.remote.candidate,
      state: p.state,
      priority: p.priority,
      nominated: p.nominated,
      valid: p.valid,
    }));
  }

  // ---------------------------------------------------------------- polling

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): IceEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    if (this.closed) return undefined;
    let best: number | undefined;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (best === undefined || t < best)) best = t;
    };
    if (this.hasPacedWork()) consider(Math.max(this.nextCheckAt ?? 0, this.lastPacedAt + this.taMs));
    for (const tx of this.transactions.values()) if (tx.kind !== 'consent') consider(tx.nextAt);
    consider(this.nominateAt);
    for (const p of this.activePairs()) {
      if (!this.lite) consider(p.consentNextAt);
      consider(p.lastConsentAt + this.consentTimeoutMs);
      if (this.connectionStateValue !== 'disconnected' && this.connectionStateValue !== 'failed') consider(p.lastReceivedAt + this.disconnectedTimeoutMs);
    }
    return best;
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Sets the remote ufrag/password (and whether the peer is lite). A new ufrag is a remote
   * restart. `pacingMs` is the peer's proposed Ta (RFC 8839 5.5 `a=ice-pacing`): a number,
   * or null when its description carries none, in which case the default 50 ms stands for
   * it; both agents then use the higher of the two proposals (RFC 8445 14.2). Left
   * undefined (a caller that does not signal pacing), our own Ta stays in use.
   */
  setRemoteCredentials(now: number, ufrag: string, password: string, options: { lite?: boolean; pacingMs?: number | null } = {}): void {
    if (this.closed) return;
    if (options.pacingMs !== undefined) {
      const remote = options.pacingMs === null || !Number.isFinite(options.pacingMs) ? DEFAULT_TA_MS : Math.max(MIN_TA_MS, options.pacingMs);
      this.taMs = Math.max(this.localTaMs, Math.min(MAX_TA_MS, remote));
    }
    if (this.gen.remoteUfrag !== undefined && this.gen.remoteUfrag !== ufrag) {
      this.beginRestart(now, false);
    }
    this.gen.remoteUfrag = ufrag;
    this.gen.remotePassword = password;
    this.remoteLite = options.lite ?? false;
    // RFC 8445 6.1.1: a full agent facing a lite peer takes the controlling role.
    if (this.remoteLite && !this.lite && this.roleValue !== 'controlling') this.setRole('controlling');
    const early = this.earlyChecks;
    this.earlyChecks = [];
    for (const e of early) this.learnFromRequest(now, e.local, e.remote, e.priority, e.useCandidate);
    this.schedule(now);
  }

  /**
   * The local bases the caller has bound (one UDP socket each). Loopback bases become
   * candidates only with `includeLoopback`. Call before or during `gather`.
   */
  addHostBases(now: number, bases: readonly TransportAddress[]): void {
    if (this.closed) return;
    for (const b of bases) {
      const base = { address: canonicalIp(b.address), port: b.port };
      if (familyOf(base.address) === undefined) continue;
      if (isLoopback(base.address) && !this.includeLoopback) continue;
      if (this.hostBases.some((h) => sameAddress(h, base))) continue;
      if (this.locals.length >= MAX_LOCAL_CANDIDATES) break;
      this.hostBases.push(base);
      if (this.gatherStarted) this.addHost(now, base);
    }
    if (this.gatherStarted) this.maybeGatheringComplete();
  }

  /** Starts gathering (RFC 8445 5.1.1): host candidates now, srflx paced by Ta. */
  gather(now: number): void {
    if (this.closed || this.gatherStarted) return;
    this.gatherStarted = true;
    this.setGatheringState('gathering');
    for (const base of this.hostBases) this.addHost(now, base);
    this.maybeGatheringComplete();
  }

  /** Tells the agent a TURN allocation is under way (gathering waits for it). */
  beginRelayGathering(id: string): void {
    if (this.closed) return;
    this.relaysPending.add(id);
    if (this.gatheringStateValue !== 'gathering') this.setGatheringState('gathering');
  }

  /**
   * Adds a relayed candidate (from the TURN client). Data to and from it travels with
   * `Transmit.relayed` / `Datagram.local` equal to the relayed address. Pass `undefined`
   * when the allocation failed (with an error for `candidate-error`).
   */
  addRelayedCandidate(
    now: number,
    id: string,
    info: RelayedCandidateInfo | undefined,
    error?: { url: string; errorCode: number; errorText: string },
  ): void {
    if (this.closed) return;
    this.relaysPending.delete(id);
    if (info) {
      const relayed = { address: canonicalIp(info.relayed.address), port: info.relayed.port };
      const localPreference = info.localPreference ?? 65535;
      const cand: Candidate = {
        foundation: computeFoundation('relay', relayed.address, info.server.address, 'udp'),
        component: 1,
        transport: 'udp',
        priority: computePriority(TYPE_PREFERENCE.relay, localPreference, 1),
        address: relayed.address,
        port: relayed.port,
        type: 'relay',
        relatedAddress: info.mapped ? canonicalIp(info.mapped.address) : relayed.address,
        relatedPort: info.mapped?.port ?? relayed.port,
        extensions: [],
      };
      this.addLocal(now, { candidate: cand, base: relayed, localPreference, relayed: true });
    } else if (error) {
      this.pushEvent({ type: 'candidate-error', address: '', port: 0, url: error.url, errorCode: error.errorCode, errorText: error.errorText });
    }
    this.maybeGatheringComplete();
    this.schedule(now);
  }

  /** Adds a remote candidate (trickled or from the SDP). */
  addRemoteCandidate(now: number, candidate: Candidate): void {
    if (this.closed) return;
    if (candidate.component !== 1 || candidate.transport !== 'udp') {
      this.stats.remoteCandidatesDropped++;
      return;
    }
    if (isMdnsName(candidate.address)) {
      if (this.mdnsMode === 'drop') {
        this.stats.remoteCandidatesDropped++;
        return;
      }
      const name = candidate.address.toLowerCase();
      const waiting = this.pendingMdns.get(name);
      if (waiting) {
        if (waiting.length < 4) waiting.push(candidate);
        return;
      }
      if (this.pendingMdns.size >= MAX_PENDING_MDNS) {
        this.stats.remoteCandidatesDropped++;
        return;
      }
      this.pendingMdns.set(name, [candidate]);
      this.pushEvent({ type: 'mdns-query', name });
      return;
    }
    if (familyOf(candidate.address) === undefined) {
      this.stats.remoteCandidatesDropped++;
      return;
    }
    this.addRemote(now, { ...candidate, address: canonicalIp(candidate.address) });
    this.schedule(now);
  }

  /** The answer to an `mdns-query` event: an IP address, or undefined when it did not resolve. */
  resolveMdns(now: number, name: string, address: string | undefined): void {
    const key = name.toLowerCase();
    const waiting = this.pendingMdns.get(key);
    if (!waiting) return;
    this.pendingMdns.delete(key);
    if (address === undefined || familyOf(address) === undefined) {
      this.stats.remoteCandidatesDropped += waiting.length;
      this.evaluateFailure();
      return;
    }
    for (const c of waiting) this.addRemote(now, { ...c, address: canonicalIp(address) });
    this.schedule(now);
  }

  /** RFC 8838 13: the peer has sent all its candidates. */
  endOfRemoteCandidates(now: number): void {
    this.remoteEndOfCandidates = true;
    this.updateCompleted();
    this.evaluateFailure();
    this.schedule(now);
  }

  /** ICE restart (RFC 8445 9): new local credentials; the selected pair keeps flowing. */
  restart(now: number): void {
    if (this.closed) return;
    this.beginRestart(now, true);
    if (!this.gatherStarted) return;
    // Re-announce what we have under the new ufrag (W3C: a restart regathers).
    this.setGatheringState('gathering');
    for (const l of this.locals) if (l.candidate.type !== 'prflx') this.pushEvent({ type: 'candidate', candidate: l.candidate, ufrag: this.gen.localUfrag });
    this.maybeGatheringComplete();
  }

  /**
   * Sends application data on the selected pair, or before selection on the best valid
   * one (RFC 8445 12.1). While no pair is valid yet, the datagram is kept (at most
   * MAX_EARLY_SEND_DATAGRAMS) and goes out on the first pair that becomes valid. False
   * once the agent is closed or failed.
   */
  send(data: Uint8Array): boolean {
    if (this.closed || this.connectionStateValue === 'failed') return false;
    const p = this.selected ?? this.previous ?? this.pairs.find((x) => x.valid);
    if (!p) {
      // Not yet: keep it for the first valid pair (12.1), within a bound.
      if (this.earlySends.length >= MAX_EARLY_SEND_DATAGRAMS) {
        this.earlySends.shift();
        this.stats.queueOverflowDropped++;
      }
      this.earlySends.push(data);
      return true;
    }
    this.pushTransmit(p.local.base, p.remote.candidate, data, p.local.relayed);
    return true;
  }

  /** Sends what `send` kept while no pair was valid, on `pair` (now valid or selected). */
  private flushEarlySends(pair: Pair): void {
    if (this.earlySends.length === 0) return;
    const queued = this.earlySends;
    this.earlySends = [];
    for (const d of queued) this.pushTransmit(pair.local.base, pair.remote.candidate, d, pair.local.relayed);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.earlySends = [];
    this.transactions.clear();
    this.triggered = [];
    this.gatherQueue = [];
    this.setConnectionState('closed');
  }

  /** A datagram arrived on one of our bases (or relayed allocation). */
  handleInput(now: number, dgram: Datagram): void {
    if (this.closed) return;
    this.lastNow = now;
    const local = { address: canonicalIp(dgram.local.address), port: dgram.local.port };
    const remote = { address: canonicalIp(dgram.remote.address), port: dgram.remote.port };
    if (!isStun(dgram.data)) {
      // RFC 7983: a first byte of 0-3 is STUN; one that does not parse is dropped, not passed up.
      if (dgram.data.length > 0 && (dgram.data[0] as number) < 4) {
        this.stats.malformedDropped++;
        return;
      }
      this.handleData(now, local, remote, dgram.data);
      return;
    }
    let msg: BindingMessage;
    try {
      msg = decodeBinding(dgram.data);
    } catch {
      // Not a Binding message we understand (TURN traffic is the TURN client's).
      this.stats.malformedDropped++;
      return;
    }
    this.stats.stunReceived++;
    if (msg.cls === 'request') this.handleRequest(now, local, remote, dgram.data, msg);
    else if (msg.cls === 'success' || msg.cls === 'error') this.handleResponse(now, local, remote, dgram.data, msg);
    // Binding indications (RFC 8445 11 keepalives) need no answer.
    else this.touch(now, local, remote);
  }

  handleTimeout(now: number): void {
    if (this.closed) return;
    this.lastNow = now;
    // Retransmissions (RFC 8489 6.2.1 with the RTO of RFC 8445 14.3).
    for (const [id, tx] of [...this.transactions]) {
      if (tx.kind === 'consent') continue;
      if (tx.nextAt > now) continue;
      if (tx.kind === 'check' && tx.cancelled) {
        this.transactions.delete(id);
        continue;
      }
      if (tx.transmissions >= (tx.kind === 'check' ? this.checkTransmissions : this.gatherTransmissions)) {
        this.transactions.delete(id);
        if (tx.kind === 'check') this.checkFailed(now, tx.pair, tx.useCandidate);
        else this.gatherFailed(tx.base, tx.server, 701, 'STUN binding request timed out');
        continue;
      }
      tx.transmissions++;
      tx.rtoMs = Math.min(tx.rtoMs * 2, MAX_CHECK_RTO_MS);
      tx.nextAt = now + tx.rtoMs;
      if (tx.kind === 'check') {
        this.stats.checksSent++;
        this.pushTransmit(tx.pair.local.base, tx.pair.remote.candidate, tx.data, tx.pair.local.relayed);
      } else this.pushTransmit(tx.base.base, tx.server, tx.data, false);
    }
    // The Ta pacer: one new transaction per tick.
    if (this.hasPacedWork() && now >= this.lastPacedAt + this.taMs && (this.nextCheckAt === undefined || now >= this.nextCheckAt)) {
      this.pacedStep(now);
    }
    if (this.nominateAt !== undefined && now >= this.nominateAt) {
      this.nominateAt = undefined;
      this.nominate(now);
    }
    this.consentTick(now);
    this.evaluateFailure();
  }

  // ---------------------------------------------------------------- gathering

  private setGatheringState(s: IceGatheringState): void {
    if (this.gatheringStateValue === s) return;
    this.gatheringStateValue = s;
    this.pushEvent({ type: 'gathering-state', state: s });
  }

  private addHost(now: number, base: TransportAddress): void {
    const fam = familyOf(base.address);
    // Local preference (5.1.2.2, RFC 8421): IPv6 above IPv4, then input order; unique.
    const index = this.locals.filter((l) => l.candidate.type === 'host').length;
    const localPreference = (fam === 6 ? 65535 : 32767) - index;
    const cand: Candidate = {
      foundation: computeFoundation('host', base.address, undefined, 'udp'),
      component: 1,
      transport: 'udp',
      priority: computePriority(TYPE_PREFERENCE.host, Math.max(0, localPreference), 1),
      address: base.address,
      port: base.port,
      type: 'host',
      extensions: [],
    };
    const local: LocalCandidate = { candidate: cand, base, localPreference: Math.max(0, localPreference), relayed: false };
    this.addLocal(now, local);
    if (this.lite) return;
    for (const server of this.stunServers) {
      if (familyOf(server.address) !== fam) continue;
      const transactionId = this.rng.fill(new Uint8Array(12));
      const data = encodeBinding({ cls: 'request', transactionId });
      this.gatherQueue.push({ kind: 'gather', base: local, server, data, transmissions: 0, rtoMs: MIN_RTO_MS, nextAt: Infinity });
      this.gatherPending++;
    }
    this.schedule(now);
  }

  private addLocal(now: number, local: LocalCandidate): void {
    if (this.locals.length >= MAX_LOCAL_CANDIDATES) return;
    // RFC 8445 5.1.3: same transport address and base as a kept candidate is redundant.
    if (this.locals.some((l) => l.candidate.address === local.candidate.address && l.candidate.port === local.candidate.port && sameAddress(l.base, local.base))) return;
    this.locals.push(local);
    if (local.candidate.type !== 'prflx') this.pushEvent({ type: 'candidate', candidate: local.candidate, ufrag: this.gen.localUfrag });
    // Srflx candidates pair through their base (6.1.2.4); host, relay, prflx pair directly.
    if (local.candidate.type === 'host' || local.candidate.type === 'relay') {
      for (const r of this.remotes) this.addPair(now, local, r);
      this.initialStates();
    }
  }

  private gatherFailed(base: LocalCandidate, server: TransportAddress, code: number, text: string): void {
    this.gatherPending--;
    this.pushEvent({
      type: 'candidate-error',
      address: base.base.address,
      port: base.base.port,
      url: `stun:${server.address.includes(':') ? `[${server.address}]` : server.address}:${server.port}`,
      errorCode: code,
      errorText: text,
    });
    this.maybeGatheringComplete();
  }

  private maybeGatheringComplete(): void {
    if (!this.gatherStarted || this.gatheringStateValue !== 'gathering') return;
    if (this.gatherPending > 0 || this.relaysPending.size > 0) return;
    this.pushEvent({ type: 'end-of-candidates', ufrag: this.gen.localUfrag });
    this.setGatheringState('complete');
    this.evaluateFailure();
  }

  // ---------------------------------------------------------------- checklist

  private localPriorityOf(l: LocalCandidate): number {
    return l.candidate.priority;
  }

  private computePairPriority(l: LocalCandidate, r: RemoteCandidate): bigint {
    return pairPriorityFor(this.localPriorityOf(l), r.candidate.priority, this.roleValue === 'controlling');
  }

  private addRemote(now: number, candidate: Candidate): RemoteCandidate | undefined {
    const existing = this.remotes.find((r) => r.candidate.address === candidate.address && r.candidate.port === candidate.port);
    if (existing) {
      // A signaled candidate replaces a peer-reflexive one learned first (RFC 8445 7.3.1.3).
      if (existing.candidate.type === 'prflx' && candidate.type !== 'prflx') {
        existing.candidate = candidate;
        for (const p of this.pairs) if (p.remote === existing) p.priority = this.computePairPriority(p.local, existing);
        this.pairs.sort(comparePairs);
      }
      return existing;
    }
    if (this.remotes.length >= this.maxRemoteCandidates) {
      this.stats.remoteCandidatesDropped++;
      return undefined;
    }
    const r: RemoteCandidate = { candidate };
    this.remotes.push(r);
    if (!this.lite) {
      for (const l of this.locals) if (l.candidate.type === 'host' || l.candidate.type === 'relay') this.addPair(now, l, r);
      this.initialStates();
    }
    if (this.connectionStateValue === 'new' && this.pairs.length > 0) this.setConnectionState('checking');
    return r;
  }

  private addPair(now: number, local: LocalCandidate, remote: RemoteCandidate, state: PairState = 'frozen'): Pair | undefined {
    if (familyOf(local.base.address) !== familyOf(remote.candidate.address)) return undefined;
    // 6.1.2.4: pairs are redundant when the local bases and remote candidates match.
    const dup = this.pairs.find((p) => p.remote === remote && sameAddress(p.local.base, local.base));
    if (dup) return dup;
    const p: Pair = {
      id: this.nextPairId++,
      local,
      remote,
      gen: this.gen,
      priority: this.computePairPriority(local, remote),
      state,
      valid: false,
      nominated: false,
      nominateOnSuccess: false,
      nominateNext: false,
      nominationAttempts: 0,
      lastReceivedAt: now,
      lastConsentAt: now,
      consentNextAt: Infinity,
    };
    this.pairs.push(p);
    this.pairs.sort(comparePairs);
    // 6.1.2.5: keep at most maxPairs, discarding the lowest-priority idle pairs.
    while (this.pairs.length > this.maxPairs) {
      let idx = -1;
      for (let i = this.pairs.length - 1; i >= 0; i--) {
        const q = this.pairs[i] as Pair;
        if ((q.state === 'frozen' || q.state === 'waiting' || q.state === 'failed') && q !== this.selected) {
          idx = i;
          break;
        }
      }
      if (idx < 0) break;
      const [gone] = this.pairs.splice(idx, 1);
      this.triggered = this.triggered.filter((t) => t !== gone);
      this.stats.pairsDropped++;
    }
    return this.pairs.includes(p) ? p : undefined;
  }

  /** 6.1.2.6: per foundation, the highest-priority pair goes Waiting unless one is active. */
  private initialStates(): void {
    const active = new Set<string>();
    for (const p of this.pairs) if (p.state !== 'frozen') active.add(this.pairFoundation(p));
    for (const p of this.pairs) {
      const f = this.pairFoundation(p);
      if (p.state === 'frozen' && !active.has(f)) {
        p.state = 'waiting';
        active.add(f);
      }
    }
  }

  private pairFoundation(p: Pair): string {
    return `${p.local.candidate.foundation}:${p.remote.candidate.foundation}`;
  }

  private hasPacedWork(): boolean {
    if (this.closed) return false;
    if (this.gatherQueue.length > 0) return true;
    if (this.lite || this.gen.remotePassword === undefined) return false;
    if (this.triggered.length > 0) return true;
    if (this.selected) return false;
    return this.pairs.some((p) => p.state === 'waiting' || p.state === 'frozen');
  }

  /** Arms the pacer after new work appears. */
  private schedule(now: number): void {
    if (!this.hasPacedWork()) return;
    const at = Math.max(now, this.lastPacedAt + this.taMs);
    if (this.nextCheckAt === undefined || this.nextCheckAt > at || this.nextCheckAt < now) this.nextCheckAt = at;
  }

  /** One Ta tick (6.1.4.2): a gathering request, else a triggered check, else an ordinary one. */
  private pacedStep(now: number): void {
    const g = this.gatherQueue.shift();
    if (g && g.kind === 'gather') {
      g.transmissions = 1;
      g.rtoMs = Math.max(MIN_RTO_MS, this.taMs * (this.gatherQueue.length + 1));
      g.nextAt = now + g.rtoMs;
      this.transactions.set(toHex(g.data.subarray(8, 20)), g);
      this.pushTransmit(g.base.base, g.server, g.data, false);
      this.paced(now);
      return;
    }
    if (this.lite || this.gen.remotePassword === undefined) return;
    let pair = this.triggered.shift();
    // A triggered check whose pair succeeded meanwhile (its cancelled transaction was
    // answered) has nothing left to learn, unless it carries a nomination.
    while (pair && pair.state === 'succeeded' && !pair.nominateNext) pair = this.triggered.shift();
    if (!pair && !this.selected) {
      pair = this.pairs.find((p) => p.state === 'waiting');
      if (!pair) {
        // Unfreeze the highest-priority frozen pair.
        pair = this.pairs.find((p) => p.state === 'frozen');
      }
    }
    if (!pair) {
      this.nextCheckAt = undefined;
      return;
    }
    this.sendCheck(now, pair);
    this.paced(now);
  }

  private paced(now: number): void {
    this.lastPacedAt = now;
    this.nextCheckAt = this.hasPacedWork() ? now + this.taMs : undefined;
  }

  private sendCheck(now: number, pair: Pair): void {
    const g = pair.gen;
    if (g.remoteUfrag === undefined || g.remotePassword === undefined) return;
    // Cancel an in-progress transaction for this pair (7.3.1.4): its answer still counts.
    // Keep at most the one latest cancelled transaction per pair (bounds the table).
    for (const [id, tx] of this.transactions) {
      if (tx.kind !== 'check' || tx.pair !== pair) continue;
      if (tx.cancelled) this.transactions.delete(id);
      else tx.cancelled = true;
    }
    const controlling = this.roleValue === 'controlling';
    const useCandidate = controlling && pair.nominateNext;
    // 7.1.1: PRIORITY is what a peer-reflexive candidate from this base would get.
    const priority = computePriority(TYPE_PREFERENCE.prflx, pair.local.localPreference, 1);
    const transactionId = this.rng.fill(new Uint8Array(12));
    const data = encodeBinding({
      cls: 'request',
      transactionId,
      username: `${g.remoteUfrag}:${g.localUfrag}`,
      priority,
      ...(useCandidate ? { useCandidate: true } : {}),
      ...(controlling ? { iceControlling: this.tieBreaker } : { iceControlled: this.tieBreaker }),
      integrityKey: this.keyFor(g.remotePassword),
    });
    // 14.3 gives RTO = MAX(500 ms, Ta * N * (Num-Waiting + Num-In-Progress)). We leave out
    // the factor N (checks to perform): 14.1 itself notes that the scaling makes a lost
    // first check of a high-priority pair slow to recover. Retransmissions double the RTO
    // up to MAX_CHECK_RTO_MS, so a dead pair fails in bounded time.
    const waiting = this.pairs.filter((p) => p.state === 'waiting' || p.state === 'in-progress').length;
    const rtoMs = Math.max(MIN_RTO_MS, this.taMs * waiting);
    this.transactions.set(toHex(transactionId), {
      kind: 'check',
      pair,
      data,
      useCandidate,
      role: this.roleValue,
      priority,
      sentAt: now,
      transmissions: 1,
      rtoMs,
      nextAt: now + rtoMs,
      cancelled: false,
    });
    if (pair.state !== 'succeeded') pair.state = 'in-progress';
    this.stats.checksSent++;
    this.pushTransmit(pair.local.base, pair.remote.candidate, data, pair.local.relayed);
  }

  private trigger(now: number, pair: Pair, front = false): void {
    if (this.triggered.includes(pair)) {
      if (front) {
        this.triggered = this.triggered.filter((p) => p !== pair);
        this.triggered.unshift(pair);
      }
    } else {
      if (this.triggered.length >= MAX_TRIGGERED_CHECKS) this.triggered.pop();
      if (front) this.triggered.unshift(pair);
      else this.triggered.push(pair);
    }
    this.schedule(now);
  }

  /** 7.2.5.2: a failure response (not a timeout); a nomination it answers is not retried. */
  private responseFailed(now: number, pair: Pair, wasNomination: boolean): void {
    if (wasNomination) pair.nominationAttempts = MAX_NOMINATION_ATTEMPTS - 1;
    this.checkFailed(now, pair, wasNomination);
  }

  private checkFailed(now: number, pair: Pair, wasNomination = false): void {
    if (wasNomination && this.roleValue === 'controlling' && !this.selected) {
      // 8.1.1: a nomination that timed out is retried a few times, then the pair leaves
      // the valid list and the next valid pair (if any) is nominated.
      pair.nominationAttempts++;
      if (pair.valid && pair.nominationAttempts >= MAX_NOMINATION_ATTEMPTS) {
        pair.valid = false;
        pair.state = 'failed';
        pair.nominateNext = false;
      }
      this.nominateAt = now;
    } else if (pair.state !== 'succeeded') {
      pair.state = 'failed';
      pair.nominateNext = false;
    }
    this.initialStates();
    this.schedule(now);
    this.evaluateFailure();
  }

  // ---------------------------------------------------------------- STUN in

  /**
   * The short-term key (RFC 8489 9.1) of a password, kept so that the HMAC key schedule
   * (src/crypto/hmac-sha1.ts caches it by key array) is done once per password, not per
   * check. At most the local and remote passwords of two generations are live.
   */
  private keyFor(password: string): Uint8Array {
    let key = this.shortTermKeys.get(password);
    if (key === undefined) {
      if (this.shortTermKeys.size >= MAX_CACHED_SHORT_TERM_KEYS) this.shortTermKeys.clear();
      key = shortTermKey(password);
      this.shortTermKeys.set(password, key);
    }
    return key;
  }

  private generationFor(username: string | undefined): Generation | undefined {
    if (username === undefined) return undefined;
    const colon = username.indexOf(':');
    if (colon < 0) return undefined;
    const ours = username.slice(0, colon);
    if (ours === this.gen.localUfrag) return this.gen;
    if (this.previousGen && ours === this.previousGen.localUfrag) return this.previousGen;
    return undefined;
  }

  private respond(local: TransportAddress, remote: TransportAddress, relayed: boolean, msg: BindingMessage, key: Uint8Array | undefined, error?: { code: number; reason: string }): void {
    const data = encodeBinding({
      cls: error ? 'error' : 'success',
      transactionId: msg.transactionId,
      ...(error ? { errorCode: error } : { xorMappedAddress: remote }),
      ...(key ? { integrityKey: key } : {}),
    });
    this.pushTransmit(local, remote, data, relayed);
  }

  private isRelayedBase(local: TransportAddress): boolean {
    return this.locals.some((l) => l.relayed && sameAddress(l.base, local));
  }

  private handleRequest(now: number, local: TransportAddress, remote: TransportAddress, data: Uint8Array, msg: BindingMessage): void {
    const relayed = this.isRelayedBase(local);
    const g = this.generationFor(msg.username);
    if (msg.username === undefined || msg.integrityOffset === undefined) {
      this.stats.unauthenticatedDropped++;
      this.respond(local, remote, relayed, msg, undefined, { code: 400, reason: 'Bad Request' });
      return;
    }
    if (!g) {
      this.stats.unauthenticatedDropped++;
      this.respond(local, remote, relayed, msg, undefined, { code: 401, reason: 'Unauthorized' });
      return;
    }
    const key = this.keyFor(g.localPassword);
    if (!verifyIntegrity(data, msg, key)) {
      this.stats.unauthenticatedDropped++;
      this.respond(local, remote, relayed, msg, undefined, { code: 401, reason: 'Unauthorized' });
      return;
    }
    // 7.3.1.1: role conflicts (a lite agent is always controlled and never repairs).
    if (!this.lite) {
      if (this.roleValue === 'controlling' && msg.iceControlling !== undefined) {
        if (this.tieBreaker >= msg.iceControlling) {
          this.respond(local, remote, relayed, msg, key, { code: 487, reason: 'Role Conflict' });
          return;
        }
        this.setRole('controlled');
      } else if (this.roleValue === 'controlled' && msg.iceControlled !== undefined) {
        if (this.tieBreaker >= msg.iceControlled) this.setRole('controlling');
        else {
          this.respond(local, remote, relayed, msg, key, { code: 487, reason: 'Role Conflict' });
          return;
        }
      }
    }
    this.respond(local, remote, relayed, msg, key);
    if (g !== this.gen) {
      // A request on the pre-restart generation: consent for the old pair.
      this.touch(now, local, remote);
      return;
    }
    const priority = msg.priority ?? 0;
    const useCandidate = msg.useCandidate === true;
    if (this.gen.remotePassword === undefined) {
      if (this.earlyChecks.length < MAX_EARLY_CHECKS) this.earlyChecks.push({ local, remote, priority, useCandidate });
      return;
    }
    this.learnFromRequest(now, local, remote, priority, useCandidate);
    this.touch(now, local, remote);
  }

  /** 7.3.1.3 - 7.3.1.5 (full) and 7.3.2 (lite) after a successful response was sent. */
  private learnFromRequest(now: number, localAddr: TransportAddress, remoteAddr: TransportAddress, priority: number, useCandidate: boolean): void {
    const local = this.locals.find((l) => sameAddress(l.base, localAddr) && (l.candidate.type === 'host' || l.candidate.type === 'relay'));
    if (!local) return;
    let remote = this.remotes.find((r) => sameAddress(r.candidate, remoteAddr));
    if (!remote) {
      if (priority <= 0) return;
      // 7.3.1.3: a peer-reflexive remote candidate, with the PRIORITY of the request.
      const cand: Candidate = {
        foundation: toHex(this.rng.fill(new Uint8Array(4))),
        component: 1,
        transport: 'udp',
        priority,
        address: remoteAddr.address,
        port: remoteAddr.port,
        type: 'prflx',
        extensions: [],
      };
      remote = this.addRemote(now, cand);
      if (!remote) return;
    }
    let pair = this.pairs.find((p) => p.remote === remote && sameAddress(p.local.base, localAddr));
    if (!pair) {
      pair = this.addPair(now, local, remote, 'waiting');
      if (!pair) return;
    }
    if (this.connectionStateValue === 'new') this.setConnectionState('checking');
    if (this.lite) {
      // 7.3.2: a lite agent's pair is valid once a check arrives; USE-CANDIDATE nominates it.
      pair.valid = true;
      pair.state = 'succeeded';
      this.flushEarlySends(pair);
      if (useCandidate) {
        pair.nominated = true;
        this.selectBestNominated(now);
      }
      return;
    }
    // 7.3.1.4 triggered checks.
    if (pair.state === 'succeeded') {
      if (useCandidate && this.roleValue === 'controlled') {
        // 7.3.1.5: nominated now if it is valid; else when its own check succeeds.
        const valid = this.validPairFor(pair);
        if (valid) {
          valid.nominated = true;
          this.selectBestNominated(now);
        } else pair.nominateOnSuccess = true;
      }
      return;
    }
    if (useCandidate && this.roleValue === 'controlled') pair.nominateOnSuccess = true;
    if (pair.state === 'failed' || pair.state === 'frozen') pair.state = 'waiting';
    this.trigger(now, pair);
  }

  private validPairFor(pair: Pair): Pair | undefined {
    if (pair.valid) return pair;
    return this.pairs.find((p) => p.valid && p.remote === pair.remote && sameAddress(p.local.base, pair.local.base));
  }

  private handleResponse(now: number, local: TransportAddress, remote: TransportAddress, data: Uint8Array, msg: BindingMessage): void {
    const id = toHex(msg.transactionId);
    const tx = this.transactions.get(id);
    if (!tx) {
      this.stats.unknownDataDropped++;
      return;
    }
    if (tx.kind === 'gather') {
      if (!sameAddress(remote, tx.server) || !sameAddress(local, tx.base.base)) return;
      this.transactions.delete(id);
      if (msg.cls === 'error' || !msg.xorMappedAddress) {
        this.gatherFailed(tx.base, tx.server, msg.errorCode?.code ?? 701, msg.errorCode?.reason ?? 'no XOR-MAPPED-ADDRESS');
        return;
      }
      this.gatherPending--;
      const mapped = { address: canonicalIp(msg.xorMappedAddress.address), port: msg.xorMappedAddress.port };
      const cand: Candidate = {
        foundation: computeFoundation('srflx', tx.base.base.address, tx.server.address, 'udp'),
        component: 1,
        transport: 'udp',
        priority: computePriority(TYPE_PREFERENCE.srflx, tx.base.localPreference, 1),
        address: mapped.address,
        port: mapped.port,
        type: 'srflx',
        relatedAddress: tx.base.base.address,
        relatedPort: tx.base.base.port,
        extensions: [],
      };
      // 5.1.3: a srflx equal to its host (no NAT) is redundant with it.
      if (!sameAddress(mapped, tx.base.base)) this.addLocal(now, { candidate: cand, base: tx.base.base, localPreference: tx.base.localPreference, relayed: false });
      this.maybeGatheringComplete();
      return;
    }
    const pair = tx.pair;
    const g = pair.gen;
    if (g.remotePassword === undefined || !verifyIntegrity(data, msg, this.keyFor(g.remotePassword))) {
      this.stats.unauthenticatedDropped++;
      return;
    }
    this.transactions.delete(id);
    if (tx.kind === 'consent') {
      if (!sameAddress(remote, pair.remote.candidate) || !sameAddress(local, pair.local.base)) return;
      if (msg.cls !== 'success') return;
      this.rttSampleMs = Math.max(0, now - tx.sentAt);
      // RFC 7675 5.1: responses after expiry do not re-establish consent.
      if (now - pair.lastConsentAt >= this.consentTimeoutMs) return;
      pair.lastConsentAt = now;
      this.touch(now, local, remote);
      return;
    }
    // 7.2.5.2.1: the response must come from where the request went, to where it came from.
    if (!sameAddress(remote, pair.remote.candidate) || !sameAddress(local, pair.local.base)) {
      this.responseFailed(now, pair, tx.useCandidate);
      return;
    }
    if (msg.cls === 'error') {
      if (msg.errorCode?.code === 487) {
        // 7.2.5.1: switch role (if we have not already) and retry.
        if (tx.role === this.roleValue) this.setRole(tx.role === 'controlling' ? 'controlled' : 'controlling');
        pair.state = 'waiting';
        this.trigger(now, pair);
        return;
      }
      this.responseFailed(now, pair, tx.useCandidate);
      return;
    }
    if (!msg.xorMappedAddress) {
      this.responseFailed(now, pair, tx.useCandidate);
      return;
    }
    // Karn's rule (RFC 6298 3): only an answer to a request sent once gives an RTT sample.
    if (tx.transmissions === 1) this.rttSampleMs = Math.max(0, now - tx.sentAt);
    this.checkSucceeded(now, pair, tx.useCandidate, tx.priority, { address: canonicalIp(msg.xorMappedAddress.address), port: msg.xorMappedAddress.port });
  }

  private checkSucceeded(now: number, pair: Pair, useCandidate: boolean, sentPriority: number, mapped: TransportAddress): void {
    // 7.2.5.3.1: the mapped address names the local candidate, maybe a new peer-reflexive one.
    let local = this.locals.find((l) => l.candidate.address === mapped.address && l.candidate.port === mapped.port && sameAddress(l.base, pair.local.base));
    if (!local && this.locals.length < MAX_LOCAL_CANDIDATES) {
      const cand: Candidate = {
        foundation: computeFoundation('prflx', pair.local.base.address, undefined, 'udp'),
        component: 1,
        transport: 'udp',
        priority: sentPriority,
        address: mapped.address,
        port: mapped.port,
        type: 'prflx',
        relatedAddress: pair.local.base.address,
        relatedPort: pair.local.base.port,
        extensions: [],
      };
      local = { candidate: cand, base: pair.local.base, localPreference: pair.local.localPreference, relayed: pair.local.relayed };
      this.locals.push(local);
    }
    // 7.2.5.3.2: the valid pair is (mapped local, remote); usually the checked pair itself.
    let valid = pair;
    if (local && local !== pair.local && local.candidate.type === 'prflx') {
      // Requests still go from the base, so the checked pair carries the data; it is
      // valid with the peer-reflexive candidate's priority (7.2.5.3.2).
      pair.priority = pairPriorityFor(local.candidate.priority, pair.remote.candidate.priority, this.roleValue === 'controlling');
      this.pairs.sort(comparePairs);
    } else if (local && local !== pair.local) {
      const other = this.pairs.find((p) => p.local === local && p.remote === pair.remote);
      if (other) valid = other;
    }
    pair.state = 'succeeded';
    valid.state = 'succeeded';
    valid.valid = true;
    valid.lastReceivedAt = now;
    this.flushEarlySends(this.selected ?? this.previous ?? valid);
    if (this.connectionStateValue === 'new') this.setConnectionState('checking');
    // 7.2.5.3.3: unfreeze pairs with the same foundation.
    const f = this.pairFoundation(pair);
    for (const p of this.pairs) if (p.state === 'frozen' && this.pairFoundation(p) === f) p.state = 'waiting';
    this.schedule(now);
    // 7.2.5.3.4: the nominated flag.
    if (useCandidate && this.roleValue === 'controlling') {
      valid.nominated = true;
      this.selectBestNominated(now);
      return;
    }
    if (this.roleValue === 'controlled' && (pair.nominateOnSuccess || valid.nominateOnSuccess)) {
      valid.nominated = true;
      this.selectBestNominated(now);
      return;
    }
    if (this.roleValue === 'controlling' && !this.selected) {
      const best = this.pairs.find((p) => p.valid);
      const pendingAbove = best ? this.pairs.some((p) => p.priority > best.priority && (p.state === 'waiting' || p.state === 'in-progress' || p.state === 'frozen')) : true;
      if (!pendingAbove) this.nominateAt = now;
      else if (this.nominateAt === undefined) this.nominateAt = now + this.nominationDelayMs;
    }
  }

  /** 8.1.1 regular nomination: a new check with USE-CANDIDATE on the best valid pair. */
  private nominate(now: number): void {
    if (this.roleValue !== 'controlling' || this.selected || this.lite) return;
    if (this.pairs.some((p) => p.nominateNext && this.hasCheckInFlight(p))) return;
    const best = this.pairs.find((p) => p.valid);
    if (!best) return;
    best.nominateNext = true;
    this.trigger(now, best, true);
  }

  private hasCheckInFlight(p: Pair): boolean {
    for (const tx of this.transactions.values()) if (tx.kind === 'check' && tx.pair === p && !tx.cancelled) return true;
    return false;
  }

  private selectBestNominated(now: number): void {
    const best = this.pairs.find((p) => p.nominated && p.valid);
    if (!best || best === this.selected) return;
    // The controlling agent sticks with its first selection; a controlled agent follows
    // the peer (aggressive nomination may nominate better pairs later, 8.1.1).
    if (this.selected && this.roleValue === 'controlling') return;
    this.selected = best;
    this.previous = undefined;
    this.previousGen = undefined;
    best.lastReceivedAt = now;
    best.lastConsentAt = now;
    best.consentNextAt = now + this.consentDelay();
    this.nominateAt = undefined;
    // 8.1.2: stop checking lower-priority pairs once selected.
    for (const p of this.pairs) if (p.state === 'waiting' || p.state === 'frozen') p.state = 'failed';
    this.triggered = this.triggered.filter((p) => p === best);
    for (const p of this.pairs) p.nominateNext = p.nominateNext && p === best;
    this.pushEvent({ type: 'selected-pair', pair: { local: best.local.candidate, remote: best.remote.candidate } });
    this.setConnectionState(this.remoteEndOfCandidates ? 'completed' : 'connected');
  }

  private setRole(role: IceRole): void {
    if (this.roleValue === role) return;
    this.roleValue = role;
    for (const p of this.pairs) p.priority = this.computePairPriority(p.local, p.remote);
    this.pairs.sort(comparePairs);
    for (const p of this.pairs) {
      p.nominateNext = false;
      p.nominateOnSuccess = false;
    }
    // Now responsible for nomination (7.3.1.1): nominate once the valid pairs settle.
    if (role === 'controlling' && !this.selected && this.pairs.some((p) => p.valid)) this.nominateAt = this.lastNow + this.nominationDelayMs;
    this.pushEvent({ type: 'role', role });
  }

  // ---------------------------------------------------------------- data, consent

  private activePairs(): Pair[] {
    const out: Pair[] = [];
    if (this.selected) out.push(this.selected);
    if (this.previous) out.push(this.previous);
    return out;
  }

  /** Data or a keepalive arrived on `local`/`remote`: the active pair it matches is alive (no allocation: every datagram passes here). */
  private touch(now: number, local: TransportAddress, remote: TransportAddress): void {
    this.touchPair(now, this.selected, local, remote);
    if (this.previous !== this.selected) this.touchPair(now, this.previous, local, remote);
  }

  private touchPair(now: number, p: Pair | undefined, local: TransportAddress, remote: TransportAddress): void {
    if (!p || !isPairOf(p, local, remote)) return;
    p.lastReceivedAt = now;
    if (this.lite) p.lastConsentAt = now;
    if (this.connectionStateValue === 'disconnected' && now - p.lastConsentAt < this.consentTimeoutMs) {
      this.setConnectionState(this.remoteEndOfCandidates ? 'completed' : 'connected');
    }
  }

  private handleData(now: number, local: TransportAddress, remote: TransportAddress, data: Uint8Array): void {
    const known = isPairOf(this.selected, local, remote) || isPairOf(this.previous, local, remote) || this.pairs.some((p) => isPairOf(p, local, remote));
    if (!known) {
      this.stats.unknownDataDropped++;
      return;
    }
    this.touch(now, local, remote);
    this.pushEvent({ type: 'data', data, local, remote });
  }

  private consentDelay(): number {
    // RFC 7675 5.1: uniformly in [0.8, 1.2] x the basic period.
    const b = this.rng.fill(new Uint8Array(2));
    const u = (((b[0] as number) << 8) | (b[1] as number)) / 65535;
    return Math.round(this.consentIntervalMs * (0.8 + 0.4 * u));
  }

  private consentTick(now: number): void {
    for (const p of this.activePairs()) {
      if (now - p.lastConsentAt >= this.consentTimeoutMs) {
        // RFC 7675 5.1: consent lost; cease sending, drop its transactions.
        for (const [id, tx] of this.transactions) if (tx.kind === 'consent' && tx.pair === p) this.transactions.delete(id);
        if (p === this.previous) {
          this.previous = undefined;
          // The old path is gone and the restart has not produced a new one yet.
          if (!this.selected) this.setConnectionState('disconnected');
          continue;
        }
        this.selected = undefined;
        this.setConnectionState('failed');
        continue;
      }
      if (!this.lite && now >= p.consentNextAt) {
        p.consentNextAt = now + this.consentDelay();
        this.sendConsent(now, p);
      }
      if (now - p.lastReceivedAt >= this.disconnectedTimeoutMs && (this.connectionStateValue === 'connected' || this.connectionStateValue === 'completed')) {
        this.setConnectionState('disconnected');
      }
    }
  }

  private sendConsent(now: number, p: Pair): void {
    const g = p.gen;
    if (g.remoteUfrag === undefined || g.remotePassword === undefined) return;
    const transactionId = this.rng.fill(new Uint8Array(12));
    const controlling = this.roleValue === 'controlling';
    const data = encodeBinding({
      cls: 'request',
      transactionId,
      username: `${g.remoteUfrag}:${g.localUfrag}`,
      priority: computePriority(TYPE_PREFERENCE.prflx, p.local.localPreference, 1),
      ...(controlling ? { iceControlling: this.tieBreaker } : { iceControlled: this.tieBreaker }),
      integrityKey: this.keyFor(g.remotePassword),
    });
    let consents = 0;
    let oldest: string | undefined;
    for (const [id, tx] of this.transactions) {
      if (tx.kind === 'consent') {
        consents++;
        oldest ??= id;
      }
    }
    if (consents >= MAX_CONSENT_TRANSACTIONS && oldest !== undefined) this.transactions.delete(oldest);
    this.transactions.set(toHex(transactionId), { kind: 'consent', pair: p, sentAt: now });
    this.pushTransmit(p.local.base, p.remote.candidate, data, p.local.relayed);
  }

  // ---------------------------------------------------------------- states

  private beginRestart(now: number, newLocalCredentials: boolean): void {
    if (this.selected) {
      this.previous = this.selected;
      this.previousGen = this.selected.gen;
    }
    this.selected = undefined;
    for (const [id, tx] of this.transactions) if (tx.kind !== 'consent' && tx.kind !== 'gather') this.transactions.delete(id);
    this.pairs = [];
    this.triggered = [];
    this.remotes = [];
    this.earlyChecks = [];
    this.pendingMdns.clear();
    this.remoteEndOfCandidates = false;
    this.nominateAt = undefined;
    const old = this.gen;
    this.gen = {
      localUfrag: newLocalCredentials ? randomIceString(this.rng, 8) : old.localUfrag,
      localPassword: newLocalCredentials ? randomIceString(this.rng, 24) : old.localPassword,
      remoteUfrag: newLocalCredentials ? undefined : old.remoteUfrag,
      remotePassword: newLocalCredentials ? undefined : old.remotePassword,
    };
    if (!this.previousGen) this.previousGen = old;
    // Peer-reflexive local candidates belong to the old checks.
    for (let i = this.locals.length - 1; i >= 0; i--) if ((this.locals[i] as LocalCandidate).candidate.type === 'prflx') this.locals.splice(i, 1);
    if (!this.previous && this.connectionStateValue !== 'new' && this.connectionStateValue !== 'closed') this.setConnectionState('checking');
    this.schedule(now);
  }

  private updateCompleted(): void {
    if (this.selected && this.connectionStateValue === 'connected' && this.remoteEndOfCandidates) this.setConnectionState('completed');
  }

  /** 'failed' when nothing is left to try (8.1.2; W3C: all pairs failed after end-of-candidates). */
  private evaluateFailure(): void {
    if (this.closed || this.lite || this.selected || this.previous) return;
    if (this.connectionStateValue === 'failed') return;
    if (!this.remoteEndOfCandidates || this.gatheringStateValue !== 'complete' || this.gen.remotePassword === undefined) return;
    if (this.pendingMdns.size > 0 || this.triggered.length > 0 || this.earlyChecks.length > 0) return;
    if (this.pairs.some((p) => p.state !== 'failed' || p.valid)) return;
    for (const tx of this.transactions.values()) if (tx.kind === 'check') return;
    this.setConnectionState('failed');
  }

  private setConnectionState(s: IceConnectionState): void {
    if (this.connectionStateValue === s) return;
    this.connectionStateValue = s;
    this.pushEvent({ type: 'connection-state', state: s });
  }

  private pushTransmit(from: TransportAddress, to: TransportAddress, data: Uint8Array, relayed: boolean): void {
    if (this.transmits.length >= MAX_QUEUED_TRANSMITS) {
      this.stats.queueOverflowDropped++;
      return;
    }
    if (isStun(data)) this.stats.stunSent++;
    this.transmits.push({ from, to: { address: to.address, port: to.port }, data, relayed });
  }

  private pushEvent(e: IceEvent): void {
    if (this.events.length >= MAX_QUEUED_EVENTS) {
      this.stats.queueOverflowDropped++;
      return;
    }
    this.events.push(e);
  }
}

