/**
 * @module turn/client
 * A sans-IO TURN client for one UDP allocation (RFC 8656), reaching the server over UDP
 * or TCP (3.1; `transport` option): Allocate with the long-term
 * credential challenge (RFC 8489 9.2.3: first request without credentials, 401 gives
 * REALM and NONCE; 9.2.5: 438 Stale Nonce retried with the new nonce), Refresh before
 * expiry (8.1; one minute early), CreatePermission (10.1) and ChannelBind (12.1) kept
 * refreshed, Send/Data indications (11.1, 11.4), ChannelData (12.4-12.6) and
 * deallocation with LIFETIME 0 on close. Errors from the server and timeouts are
 * `error` events, never exceptions; local misuse throws InvalidStateError.
 *
 * Datagrams all go to the server (`pollTransmit().to` is always it). Channel numbers
 * come from 0x4000-0x4FFF (RFC 8656 12).
 */
import { InvalidArgumentError, InvalidStateError, ParseError } from '../common/errors.js';
import { secureRandom } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { decodeChannelData, encodeChannelData, LEGACY_MAX_CHANNEL_NUMBER, MAX_CHANNEL_NUMBER, MIN_CHANNEL_NUMBER } from '../stun/channel-data.js';
import { ERROR_REASONS, StunClass, StunMethod, TransportProtocol } from '../stun/constants.js';
import { longTermKey } from '../stun/credentials.js';
import { encodeStunMessage, getAttribute, verifyMessageIntegrity } from '../stun/message.js';
import type { DecodedStunMessage, StunMessage } from '../stun/message.js';
import type { StunAttribute } from '../stun/attributes.js';
import { StunTransactionTable } from '../stun/transaction.js';
import { addressKey } from './address.js';
import { classifyTurnInput } from './inbound.js';
import type { TransportAddress } from './address.js';

/** Refresh allocations, permissions and channels this long before they expire (RFC 8656 8.1, 9, 12.1 advise 1 minute). */
export const REFRESH_MARGIN_S = 60;
/** RFC 8656 9 and 12: server-side lifetimes the client keeps refreshed. */
export const PERMISSION_LIFETIME_S = 300;
export const CHANNEL_LIFETIME_S = 600;
/** How many times one request is re-sent after 438 Stale Nonce / the first 401 before giving up. */
export const MAX_AUTH_RETRIES = 3;
/** Bounds on queued outbound datagrams and events (data beyond them is dropped and counted). */
export const MAX_QUEUED_TRANSMITS = 1024;
export const MAX_QUEUED_EVENTS = 1024;
/** Bound on peers with permissions the client keeps refreshed. */
export const MAX_PERMISSIONS = 256;

export interface TurnClientOptions {
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  /** Requested allocation lifetime in seconds (the server may change it). */
  readonly lifetimeS?: number;
  readonly software?: string;
  readonly random?: RandomSource;
  /** STUN retransmission timeout (RFC 8489 6.2.1). */
  readonly rtoMs?: number;
  /** Add FINGERPRINT to requests and indications (default true). */
  readonly fingerprint?: boolean;
  /**
   * How the host carries datagrams to the server: 'udp' (default) or 'tcp' (RFC 8656
   * 3.1). Over TCP requests are not retransmitted (RFC 8489 6.2.2: the transaction fails
   * after Ti = 39.5 s) and ChannelData is padded to 4 bytes (RFC 8656 12.5); the host
   * splits the stream with `StunStreamFramer` and hands each frame to `handleInput`.
   */
  readonly transport?: 'udp' | 'tcp';
}

/** RFC 8489 6.2.2: over TCP a transaction times out after Ti = 39.5 s. */
export const TCP_TRANSACTION_TIMEOUT_MS = 39_500;

export type TurnClientState = 'new' | 'allocating' | 'allocated' | 'closing' | 'closed' | 'failed';

export type TurnOperation = 'allocate' | 'refresh' | 'create-permission' | 'channel-bind' | 'deallocate';

export type TurnClientEvent =
  | { readonly type: 'allocated'; readonly relayed: TransportAddress; readonly mapped: TransportAddress | undefined; readonly lifetimeS: number }
  | { readonly type: 'refreshed'; readonly lifetimeS: number }
  | { readonly type: 'permission'; readonly peers: readonly string[] }
  | { readonly type: 'channel-bound'; readonly channel: number; readonly peer: TransportAddress }
  | { readonly type: 'data'; readonly peer: TransportAddress; readonly data: Uint8Array; readonly channel: number | undefined }
  | { readonly type: 'error'; readonly operation: TurnOperation; readonly code: number; readonly reason: string }
  | { readonly type: 'closed'; readonly reason: 'deallocated' | 'expired' | 'failed' };

/** A request in flight: what it does, and how it is rebuilt after an auth retry. */
type Op =
  | { readonly kind: 'allocate'; retries: number }
  /** `lifetimeS` undefined: no LIFETIME attribute (the server's default); 0 deallocates. */
  | { readonly kind: 'refresh'; readonly lifetimeS: number | undefined; retries: number }
  | { readonly kind: 'create-permission'; readonly peers: readonly TransportAddress[]; retries: number }
  | { readonly kind: 'channel-bind'; readonly channel: number; readonly peer: TransportAddress; retries: number };

interface ChannelState {
  readonly number: number;
  readonly peer: TransportAddress;
  bound: boolean;
  refreshAt: number | undefined;
}

export class TurnClient {
  private readonly server: TransportAddress;
  private readonly username: string;
  private readonly password: string;
  private readonly requestedLifetimeS: number | undefined;
  private readonly software: string | undefined;
  private readonly random: RandomSource;
  private readonly fingerprint: boolean;
  private readonly tcp: boolean;
  private readonly transactions: StunTransactionTable<Op>;
  private stateValue: TurnClientState = 'new';
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Uint8Array | undefined;
  private relayedValue: TransportAddress | undefined;
  private expiresAt: number | undefined;
  private refreshAt: number | undefined;
  private refreshPending = false;
  /** Peer IP -> when to refresh its permission (undefined while a request is in flight). */
  private readonly permissions = new Map<string, { readonly peer: TransportAddress; refreshAt: number | undefined }>();
  private readonly channelsByNumber = new Map<number, ChannelState>();
  private readonly channelsByPeer = new Map<string, ChannelState>();
  private nextChannel = MIN_CHANNEL_NUMBER;
  private readonly transmits: Uint8Array[] = [];
  private readonly events: TurnClientEvent[] = [];
  /** Counters for dropped input and output. */
  readonly stats = { dropped: 0, droppedTransmits: 0, droppedEvents: 0 };

  constructor(options: TurnClientOptions) {
    this.server = options.server;
    this.username = options.username;
    this.password = options.password;
    this.requestedLifetimeS = options.lifetimeS;
    this.software = options.software;
    this.random = options.random ?? secureRandom;
    this.fingerprint = options.fingerprint ?? true;
    this.tcp = options.transport === 'tcp';
    this.transactions = new StunTransactionTable<Op>(
      this.tcp ? { maxRequests: 1, rtoMs: TCP_TRANSACTION_TIMEOUT_MS, lastWaitFactor: 1 } : options.rtoMs === undefined ? {} : { rtoMs: options.rtoMs },
    );
  }

  get state(): TurnClientState {
    return this.stateValue;
  }

  /** The relayed transport address once allocated. */
  get relayed(): TransportAddress | undefined {
    return this.relayedValue;
  }

  /** Starts the Allocate transaction. */
  allocate(now: number): void {
    if (this.stateValue !== 'new') throw new InvalidStateError(`TURN client: allocate() in state ${this.stateValue}`);
    this.stateValue = 'allocating';
    this.request(now, { kind: 'allocate', retries: 0 });
  }

  /** Installs (and keeps refreshing) permissions for the IPs of `peers` (RFC 8656 10.1). */
  createPermission(now: number, peers: readonly TransportAddress[]): void {
    this.requireAllocated('createPermission');
    if (peers.length === 0) throw new InvalidArgumentError('TURN client: createPermission needs at least one peer');
    for (const p of peers) {
      if (!this.permissions.has(p.address) && this.permissions.size >= MAX_PERMISSIONS) {
        throw new InvalidStateError(`TURN client: more than ${MAX_PERMISSIONS} permissions`);
      }
    }
    for (const p of peers) this.permissions.set(p.address, { peer: p, refreshAt: undefined });
    this.request(now, { kind: 'create-permission', peers, retries: 0 });
  }

  /** Binds a channel to `peer` (or returns the one already bound) and keeps it refreshed (RFC 8656 12.1). */
  bindChannel(now: number, peer: TransportAddress): number {
    this.requireAllocated('bindChannel');
    const existing = this.channelsByPeer.get(addressKey(peer));
    if (existing) return existing.number;
    if (this.nextChannel > MAX_CHANNEL_NUMBER) throw new InvalidStateError('TURN client: no channel numbers left');
    const ch: ChannelState = { number: this.nextChannel++, peer, bound: false, refreshAt: undefined };
    this.channelsByNumber.set(ch.number, ch);
    this.channelsByPeer.set(addressKey(peer), ch);
    this.request(now, { kind: 'channel-bind', channel: ch.number, peer, retries: 0 });
    return ch.number;
  }

  /**
   * Sends `data` to `peer` through the relay: ChannelData once a channel to it is bound,
   * else a Send indication. The server drops it unless a permission exists for the peer.
   */
  send(peer: TransportAddress, data: Uint8Array): void {
    this.requireAllocated('send');
    const ch = this.channelsByPeer.get(addressKey(peer));
    if (ch?.bound) {
      this.queue(encodeChannelData(ch.number, data, this.tcp));
      return;
    }
    const attributes: StunAttribute[] = [
      { type: 'XOR-PEER-ADDRESS', ...peer },
      { type: 'DATA', value: data },
    ];
    this.queue(encodeStunMessage({ class: StunClass.Indication, method: StunMethod.Send, transactionId: this.tid(), attributes }, { fingerprint: this.fingerprint }));
  }

  /** Deallocates (Refresh with LIFETIME 0, RFC 8656 8.1); `closed` follows. */
  close(now: number): void {
    if (this.stateValue === 'closed' || this.stateValue === 'failed' || this.stateValue === 'closing') return;
    if (this.stateValue !== 'allocated') {
      this.transactions.clear();
      this.finish('deallocated');
      return;
    }
    this.stateValue = 'closing';
    this.transactions.clear();
    this.refreshPending = false;
    this.request(now, { kind: 'refresh', lifetimeS: 0, retries: 0 });
  }

  /** A datagram from the server. Never throws on remote input. */
  handleInput(now: number, data: Uint8Array): void {
    // The RFC 5766 channel range too: a server may have bound one (0x4000-0x7fff).
    const inbound = classifyTurnInput(data, LEGACY_MAX_CHANNEL_NUMBER >> 8);
    if (inbound.kind === 'channel-data') {
      this.onChannelData(data);
      return;
    }
    if (inbound.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    const msg = inbound.msg;
    if (msg.class === StunClass.Indication) {
      if (msg.method === StunMethod.Data) this.onDataIndication(msg);
      else this.stats.dropped++;
      return;
    }
    if (msg.class !== StunClass.SuccessResponse && msg.class !== StunClass.ErrorResponse) {
      this.stats.dropped++;
      return;
    }
    // RFC 8489 9.2.5: responses to authenticated requests must carry a valid MESSAGE-INTEGRITY
    // (401 and 438 challenges are the exception: they come without).
    if (this.key && !this.isChallenge(msg) && !verifyMessageIntegrity(msg, this.key)) {
      this.stats.dropped++;
      return;
    }
    if (!this.transactions.handleResponse(now, msg)) {
      this.stats.dropped++;
      return;
    }
    this.drainTransactionEvents(now);
  }

  handleTimeout(now: number): void {
    this.transactions.handleTimeout(now);
    this.drainTransactionEvents(now);
    if (this.stateValue !== 'allocated') return;
    if (this.expiresAt !== undefined && now >= this.expiresAt) {
      this.finish('expired');
      return;
    }
    if (this.refreshAt !== undefined && now >= this.refreshAt && !this.refreshPending) {
      this.refreshAt = undefined;
      this.refreshPending = true;
      this.request(now, { kind: 'refresh', lifetimeS: this.requestedLifetimeS, retries: 0 });
    }
    const due: TransportAddress[] = [];
    for (const p of this.permissions.values()) {
      if (p.refreshAt !== undefined && now >= p.refreshAt) {
        p.refreshAt = undefined;
        due.push(p.peer);
      }
    }
    if (due.length > 0) this.request(now, { kind: 'create-permission', peers: due, retries: 0 });
    for (const ch of this.channelsByNumber.values()) {
      if (ch.refreshAt !== undefined && now >= ch.refreshAt) {
        ch.refreshAt = undefined;
        this.request(now, { kind: 'channel-bind', channel: ch.number, peer: ch.peer, retries: 0 });
      }
    }
  }

  pollTransmit(): { readonly to: TransportAddress; readonly data: Uint8Array } | undefined {
    const data = this.transmits.shift() ?? this.transactions.pollTransmit()?.data;
    return data ? { to: this.server, data } : undefined;
  }

  pollEvent(): TurnClientEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    let best = this.transactions.pollTimeout();
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (best === undefined || t < best)) best = t;
    };
    if (this.stateValue === 'allocated') {
      consider(this.expiresAt);
      if (!this.refreshPending) consider(this.refreshAt);
      for (const p of this.permissions.values()) consider(p.refreshAt);
      for (const ch of this.channelsByNumber.values()) consider(ch.refreshAt);
    }
    return best;
  }

  // ---------------------------------------------------------------- internals

  private requireAllocated(what: string): void {
    if (this.stateValue !== 'allocated') throw new InvalidStateError(`TURN client: ${what}() in state ${this.stateValue}`);
  }

  private tid(): Uint8Array {
    return this.random.fill(new Uint8Array(12));
  }

  private queue(data: Uint8Array): void {
    if (this.transmits.length >= MAX_QUEUED_TRANSMITS) {
      this.stats.droppedTransmits++;
      return;
    }
    this.transmits.push(data);
  }

  private emit(e: TurnClientEvent): void {
    if (this.events.length >= MAX_QUEUED_EVENTS && e.type === 'data') {
      this.stats.droppedEvents++;
      return;
    }
    this.events.push(e);
  }

  private isChallenge(msg: StunMessage): boolean {
    if (msg.class !== StunClass.ErrorResponse) return false;
    const code = getAttribute(msg, 'ERROR-CODE')?.code;
    return (code === 401 || code === 438) && getAttribute(msg, 'MESSAGE-INTEGRITY') === undefined;
  }

  private request(now: number, op: Op): void {
    const method =
      op.kind === 'allocate' ? StunMethod.Allocate : op.kind === 'refresh' ? StunMethod.Refresh : op.kind === 'create-permission' ? StunMethod.CreatePermission : StunMethod.ChannelBind;
    const attributes: StunAttribute[] = [];
    if (op.kind === 'allocate') {
      attributes.push({ type: 'REQUESTED-TRANSPORT', protocol: TransportProtocol.UDP });
      if (this.requestedLifetimeS !== undefined) attributes.push({ type: 'LIFETIME', value: this.requestedLifetimeS });
    } else if (op.kind === 'refresh') {
      if (op.lifetimeS !== undefined) attributes.push({ type: 'LIFETIME', value: op.lifetimeS });
    } else if (op.kind === 'create-permission') {
      for (const p of op.peers) attributes.push({ type: 'XOR-PEER-ADDRESS', ...p });
    } else {
      attributes.push({ type: 'CHANNEL-NUMBER', channel: op.channel }, { type: 'XOR-PEER-ADDRESS', ...op.peer });
    }
    if (this.software !== undefined && (op.kind === 'allocate' || op.kind === 'refresh')) attributes.push({ type: 'SOFTWARE', value: this.software });
    if (this.key && this.realm !== undefined && this.nonce !== undefined) {
      attributes.push({ type: 'USERNAME', value: this.username }, { type: 'REALM', value: this.realm }, { type: 'NONCE', value: this.nonce });
    }
    const transactionId = this.tid();
    const bytes = encodeStunMessage(
      { class: StunClass.Request, method, transactionId, attributes },
      this.key && this.nonce !== undefined ? { integrityKey: this.key, fingerprint: this.fingerprint } : { fingerprint: this.fingerprint },
    );
    try {
      this.transactions.start(now, bytes, transactionId, op);
    } catch (err) {
      if (!(err instanceof InvalidStateError)) throw err;
      this.fail(op, 508, 'too many pending TURN requests');
    }
  }

  private drainTransactionEvents(now: number): void {
    for (let e = this.transactions.pollEvent(); e; e = this.transactions.pollEvent()) {
      if (e.type === 'timeout') this.fail(e.context, 408, 'Request Timeout');
      else this.onResponse(now, e.context, e.message);
    }
  }

  private operationOf(op: Op): TurnOperation {
    return op.kind === 'refresh' && op.lifetimeS === 0 ? 'deallocate' : op.kind;
  }

  /** An operation failed for good: error event, then whatever that failure means for the allocation. */
  private fail(op: Op, code: number, reason: string): void {
    const operation = this.operationOf(op);
    this.emit({ type: 'error', operation, code, reason });
    if (operation === 'allocate') this.finish('failed');
    else if (operation === 'deallocate') this.finish('deallocated');
    else if (op.kind === 'refresh') {
      this.refreshPending = false;
      // RFC 8656 8.3: 437 means the allocation is gone.
      if (code === 437) this.finish('failed');
    } else if (op.kind === 'channel-bind') {
      const ch = this.channelsByNumber.get(op.channel);
      if (ch && !ch.bound) {
        this.channelsByNumber.delete(ch.number);
        this.channelsByPeer.delete(addressKey(ch.peer));
      }
    } else if (op.kind === 'create-permission') {
      for (const p of op.peers) {
        const perm = this.permissions.get(p.address);
        if (perm && perm.refreshAt === undefined) this.permissions.delete(p.address);
      }
    }
  }

  private finish(reason: 'deallocated' | 'expired' | 'failed'): void {
    if (this.stateValue === 'closed' || this.stateValue === 'failed') return;
    this.stateValue = reason === 'failed' ? 'failed' : 'closed';
    this.refreshAt = undefined;
    this.expiresAt = undefined;
    this.permissions.clear();
    this.channelsByNumber.clear();
    this.channelsByPeer.clear();
    this.emit({ type: 'closed', reason });
  }

  private onResponse(now: number, op: Op, msg: StunMessage): void {
    if (this.stateValue === 'closed' || this.stateValue === 'failed') return;
    if (msg.class === StunClass.ErrorResponse) {
      const err = getAttribute(msg, 'ERROR-CODE');
      const code = err?.code ?? 0;
      const realm = getAttribute(msg, 'REALM')?.value;
      const nonce = getAttribute(msg, 'NONCE')?.value;
      // 401 to a request sent without credentials, or 438: learn realm/nonce and retry (RFC 8489 9.2.5).
      const firstChallenge = code === 401 && this.key === undefined;
      if ((firstChallenge || code === 438) && nonce !== undefined && op.retries < MAX_AUTH_RETRIES) {
        if (realm !== undefined) this.realm = realm;
        this.nonce = nonce;
        if (this.realm !== undefined && (firstChallenge || this.key === undefined)) {
          this.key = longTermKey(this.username, this.realm, this.password, { prep: 'none' });
        }
        if (this.key) {
          op.retries++;
          this.request(now, op);
          return;
        }
      }
      // RFC 8656 8.3: a 437 to a deallocation means the allocation is already gone.
      if (this.operationOf(op) === 'deallocate' && code === 437) {
        this.finish('deallocated');
        return;
      }
      this.fail(op, code, err?.reason || (ERROR_REASONS[code] ?? 'error'));
      return;
    }
    switch (op.kind) {
      case 'allocate': {
        const relayed = getAttribute(msg, 'XOR-RELAYED-ADDRESS');
        const lifetime = getAttribute(msg, 'LIFETIME')?.value;
        if (!relayed || lifetime === undefined) {
          this.fail(op, 500, 'Allocate success response without XOR-RELAYED-ADDRESS or LIFETIME');
          return;
        }
        const mapped = getAttribute(msg, 'XOR-MAPPED-ADDRESS');
        this.relayedValue = { family: relayed.family, address: relayed.address, port: relayed.port };
        this.stateValue = 'allocated';
        this.setLifetime(now, lifetime);
        this.emit({
          type: 'allocated',
          relayed: this.relayedValue,
          mapped: mapped ? { family: mapped.family, address: mapped.address, port: mapped.port } : undefined,
          lifetimeS: lifetime,
        });
        return;
      }
      case 'refresh': {
        if (op.lifetimeS === 0) {
          this.finish('deallocated');
          return;
        }
        this.refreshPending = false;
        const lifetime = getAttribute(msg, 'LIFETIME')?.value ?? 0;
        if (this.stateValue === 'allocated') this.setLifetime(now, lifetime);
        this.emit({ type: 'refreshed', lifetimeS: lifetime });
        return;
      }
      case 'create-permission': {
        const at = now + (PERMISSION_LIFETIME_S - REFRESH_MARGIN_S) * 1000;
        for (const p of op.peers) {
          const perm = this.permissions.get(p.address);
          if (perm) perm.refreshAt = at;
        }
        this.emit({ type: 'permission', peers: op.peers.map((p) => p.address) });
        return;
      }
      case 'channel-bind': {
        const ch = this.channelsByNumber.get(op.channel);
        if (!ch) return;
        const first = !ch.bound;
        ch.bound = true;
        ch.refreshAt = now + (CHANNEL_LIFETIME_S - REFRESH_MARGIN_S) * 1000;
        // ChannelBind installed a permission too (RFC 8656 12.2), but it lasts 300 s, not
        // 600 s: keep it alive with CreatePermission like any other.
        if (!this.permissions.has(ch.peer.address) && this.permissions.size < MAX_PERMISSIONS) {
          this.permissions.set(ch.peer.address, { peer: ch.peer, refreshAt: now + (PERMISSION_LIFETIME_S - REFRESH_MARGIN_S) * 1000 });
        }
        if (first) this.emit({ type: 'channel-bound', channel: ch.number, peer: ch.peer });
        return;
      }
    }
  }

  private setLifetime(now: number, lifetimeS: number): void {
    this.expiresAt = now + lifetimeS * 1000;
    const margin = lifetimeS > 2 * REFRESH_MARGIN_S ? REFRESH_MARGIN_S : lifetimeS / 2;
    this.refreshAt = now + (lifetimeS - margin) * 1000;
  }

  private onDataIndication(msg: DecodedStunMessage): void {
    const peer = getAttribute(msg, 'XOR-PEER-ADDRESS');
    const data = getAttribute(msg, 'DATA');
    if (this.stateValue !== 'allocated' || !peer || !data) {
      this.stats.dropped++;
      return;
    }
    this.emit({ type: 'data', peer: { family: peer.family, address: peer.address, port: peer.port }, data: data.value, channel: undefined });
  }

  private onChannelData(bytes: Uint8Array): void {
    let cd;
    try {
      cd = decodeChannelData(bytes, LEGACY_MAX_CHANNEL_NUMBER);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.stats.dropped++;
      return;
    }
    const ch = this.channelsByNumber.get(cd.channel);
    if (this.stateValue !== 'allocated' || !ch?.bound) {
      this.stats.dropped++;
      return;
    }
    this.emit({ type: 'data', peer: ch.peer, data: cd.data, channel: ch.number });
  }
}
