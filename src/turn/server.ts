/**
 * @module turn/server
 * A sans-IO TURN server core for UDP allocations (RFC 8656): Allocate (7.2), Refresh
 * (8.2), CreatePermission (10.2), Send and Data indications (11.2, 11.3), ChannelBind
 * (12.2) and ChannelData (12.4-12.7), with the long-term credential mechanism of RFC
 * 8489 9.2 (401 challenge with REALM and NONCE, 438 for expired nonces), permission
 * (300 s, RFC 8656 9), channel (600 s, 12) and allocation lifetimes (default 600 s,
 * max 3600 s, 7.2), and quotas. Plain Binding requests are answered too (RFC 8489 12).
 *
 * The core owns no sockets. Relay sockets are asked of the host through events: a
 * `relay-open` event names the relay id, IP and port to bind; the host answers with
 * `handleRelayOpened(now, relayId, ok)`, feeds the socket's datagrams to
 * `handleRelayInput`, and closes it on `relay-close`. `pollTransmit()` says which
 * socket to send from (`relayId`, or undefined for the listening socket).
 *
 * Clients reach the server over UDP or TCP (RFC 8656 3.1: `handleInput(..., 'tcp')`
 * with one framed message at a time, `handleConnectionClosed` when the connection
 * goes; ChannelData to TCP clients is padded, 12.5); relaying to peers is UDP. EVEN-PORT
 * with R=1 reserves port N+1 behind a RESERVATION-TOKEN for 30 s (7.2). One address
 * family per server (ADDITIONAL-ADDRESS-FAMILY gets the one family plus
 * ADDRESS-ERROR-CODE 440); RFC 5766's wider channel range is accepted by default.
 *
 * Nonces are stateless: the issue time and a MAC over it and the client's transport
 * address with a per-server random secret; older than `nonceLifetimeS` gives 438.
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { randomU32, secureRandom } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { decodeChannelData, encodeChannelData, LEGACY_MAX_CHANNEL_NUMBER, MAX_CHANNEL_NUMBER } from '../stun/channel-data.js';
import { ErrorCodes, ERROR_REASONS, isComprehensionRequired, StunClass, StunMethod, AddressFamily, TransportProtocol, AttributeType } from '../stun/constants.js';
import { longTermKey } from '../stun/credentials.js';
import { formatIp, parseIp } from '../stun/ip.js';
import { keyedHmac } from '../crypto/hmac-sha1.js';
import { encodeStunMessage, getAttribute, transactionKey, verifyMessageIntegrity } from '../stun/message.js';
import type { DecodedStunMessage } from '../stun/message.js';
import type { StunAttribute } from '../stun/attributes.js';
import { constantTimeEqual } from '../common/bytes.js';
import { addressKey, defaultPeerAllowed } from './address.js';
import { classifyTurnInput } from './inbound.js';
import type { TransportAddress } from './address.js';

/** RFC 8656 7.2: default allocation lifetime 600 s; recommended maximum 3600 s. */
export const DEFAULT_ALLOCATION_LIFETIME_S = 600;
export const MAX_ALLOCATION_LIFETIME_S = 3600;
/** RFC 8656 9: permissions last 300 s. */
export const PERMISSION_LIFETIME_S = 300;
/** RFC 8656 12: channel bindings last 600 s, and a channel number or peer stays reserved 300 s after. */
export const CHANNEL_LIFETIME_S = 600;
export const CHANNEL_REBIND_COOLDOWN_S = 300;
/** RFC 8656 5: expire nonces at least once an hour; we default to 10 minutes. */
export const DEFAULT_NONCE_LIFETIME_S = 600;
/** Quotas (RFC 8656 7.2 step 10) and bounds on per-allocation state. */
export const DEFAULT_MAX_ALLOCATIONS = 1000;
/**
 * No per-user limit beyond the overall one by default: WebRTC deployments often hand
 * every client the same long-term username (coturn's user-quota also defaults to none).
 */
export const DEFAULT_MAX_ALLOCATIONS_PER_USER = DEFAULT_MAX_ALLOCATIONS;
export const MAX_PERMISSIONS_PER_ALLOCATION = 256;
export const MAX_CHANNELS_PER_ALLOCATION = 256;
/** How many relay ports are tried when the host cannot bind the one asked for. */
export const MAX_RELAY_PORT_ATTEMPTS = 8;
/** A pending allocation whose relay socket the host never confirms is dropped after this. */
export const RELAY_OPEN_TIMEOUT_MS = 5000;
/** Bound on queued datagrams and events a host has not drained. */
export const MAX_QUEUED_TRANSMITS = 4096;
export const MAX_QUEUED_EVENTS = 4096;
/** RFC 8656 7.2: a port reserved by EVEN-PORT with R=1 is held at least 30 s. */
export const RESERVATION_LIFETIME_MS = 30_000;
/**
 * Largest peer datagram sent on as a Data indication: the STUN body length is 16 bits
 * (RFC 8489 5) and also holds XOR-PEER-ADDRESS (24 bytes for IPv6), the DATA header (4)
 * and FINGERPRINT (8).
 */
export const MAX_DATA_INDICATION_PAYLOAD = 0xffff - 24 - 4 - 8 - 3;
/** Nonce MAC length (bytes, hex-encoded in the NONCE). */
const NONCE_MAC_BYTES = 8;

export interface TurnServerOptions {
  readonly realm: string;
  /** username -> password. */
  readonly users: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** IP the relay sockets bind to (and advertise, unless `externalAddress` is set). */
  readonly relayAddress: string;
  /**
   * IP advertised in XOR-RELAYED-ADDRESS when the server sits behind a 1:1 NAT (its
   * relay ports forwarded unchanged), like coturn's --external-ip. Same family as
   * `relayAddress`.
   */
  readonly externalAddress?: string;
  /** Relay port range, inclusive (RFC 8656 7.2: 49152-65535 by default). */
  readonly minPort?: number;
  readonly maxPort?: number;
  readonly defaultLifetimeS?: number;
  readonly maxLifetimeS?: number;
  readonly permissionLifetimeS?: number;
  readonly channelLifetimeS?: number;
  readonly nonceLifetimeS?: number;
  readonly maxAllocations?: number;
  readonly maxAllocationsPerUser?: number;
  readonly software?: string;
  readonly random?: RandomSource;
  /** Relay to loopback peers (tests, coturn's --allow-loopback-peers). */
  readonly allowLoopbackPeers?: boolean;
  /**
   * Accept the RFC 5766 channel range 0x4000-0x7FFE (default true: coturn's
   * turnutils_uclient uses it); false keeps RFC 8656's 0x4000-0x4FFF.
   */
  readonly legacyChannelNumbers?: boolean;
  /** Overrides the default peer policy (RFC 8656 10.2: 403 for refused peers). */
  readonly peerAllowed?: (peer: TransportAddress) => boolean;
}

export type TurnServerEvent =
  | { readonly type: 'relay-open'; readonly relayId: number; readonly family: 'IPv4' | 'IPv6'; readonly address: string; readonly port: number }
  | { readonly type: 'relay-close'; readonly relayId: number }
  | { readonly type: 'allocation-created'; readonly relayId: number; readonly client: TransportAddress; readonly relay: TransportAddress; readonly username: string }
  | { readonly type: 'allocation-deleted'; readonly relayId: number; readonly reason: DeleteReason };

type DeleteReason = 'refresh' | 'expired' | 'relay-failed' | 'connection-closed';

/** How a client reaches the server (RFC 8656 3.1): UDP, or a TCP connection. */
export type ClientTransport = 'udp' | 'tcp';

export interface TurnServerTransmit {
  /** Send from this relay socket; undefined means the listening socket (or the client's TCP connection). */
  readonly relayId: number | undefined;
  /** For transmits to clients: the transport their requests came on. Relay transmits are UDP. */
  readonly transport: ClientTransport;
  readonly to: TransportAddress;
  readonly data: Uint8Array;
}

export interface TurnServerStats {
  requests: number;
  indications: number;
  channelData: number;
  dropped: number;
  relayedToPeer: number;
  relayedToClient: number;
  challenges: number;
  staleNonces: number;
  authFailures: number;
}

interface Channel {
  readonly number: number;
  readonly peer: TransportAddress;
  readonly peerKey: string;
  expiresAt: number;
}

/** A client's transport address together with the transport it used (part of the 5-tuple). */
type ClientAddress = TransportAddress & { readonly transport: ClientTransport };

function clientKey(c: ClientAddress): string {
  return `${c.transport}|${c.address}|${c.port}`;
}

interface Allocation {
  readonly clientKey: string;
  readonly client: ClientAddress;
  readonly username: string;
  readonly key: Uint8Array;
  readonly relayId: number;
  relay: TransportAddress;
  state: 'pending' | 'active';
  readonly allocateTid: string;
  readonly allocateTidBytes: Uint8Array;
  readonly lifetimeS: number;
  readonly evenPort: boolean;
  /** Token and port reserved for a later allocation (EVEN-PORT R=1). */
  readonly reservation: { readonly token: Uint8Array; readonly port: number } | undefined;
  readonly additionalFamilyError: boolean;
  readonly fingerprint: boolean;
  triedPorts: number[];
  response: Uint8Array | undefined;
  expiresAt: number;
  readonly permissions: Map<string, number>;
  readonly channels: Map<number, Channel>;
  readonly channelByPeer: Map<string, Channel>;
}

const SOFTWARE_DEFAULT = 'purertc';

/**
 * Host addresses in RFC 5952 text, so they match XOR-PEER-ADDRESS keys (which the
 * decoder formats that way) whatever text form the host's socket layer used.
 */
function canonical(a: TransportAddress): TransportAddress {
  if (!a.address.includes(':')) return a;
  try {
    const address = formatIp(parseIp(a.address));
    return address === a.address ? a : { family: a.family, address, port: a.port };
  } catch {
    return a;
  }
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += ((bytes[i] as number) | 0x100).toString(16).slice(1);
  return s;
}

export class TurnServer {
  private readonly realm: string;
  private readonly keys = new Map<string, Uint8Array>();
  private readonly relayAddress: string;
  private readonly advertisedAddress: string;
  private readonly relayFamily: 'IPv4' | 'IPv6';
  private readonly minPort: number;
  private readonly maxPort: number;
  private readonly defaultLifetimeS: number;
  private readonly maxLifetimeS: number;
  private readonly permissionLifetimeMs: number;
  private readonly channelLifetimeMs: number;
  private readonly nonceLifetimeMs: number;
  private readonly maxAllocations: number;
  private readonly maxPerUser: number;
  private readonly software: string;
  private readonly random: RandomSource;
  private readonly peerAllowed: (peer: TransportAddress) => boolean;
  private readonly nonceSecret: Uint8Array;
  private readonly maxChannel: number;
  private readonly byClient = new Map<string, Allocation>();
  private readonly byRelay = new Map<number, Allocation>();
  private readonly perUser = new Map<string, number>();
  private readonly usedPorts = new Set<number>();
  /** RESERVATION-TOKEN (hex) -> reserved port and when the reservation lapses. */
  private readonly reservations = new Map<string, { port: number; expiresAt: number }>();
  private nextRelayId = 1;
  private nextDeadline: number | undefined;
  private readonly transmits: TurnServerTransmit[] = [];
  private readonly events: TurnServerEvent[] = [];
  readonly stats: TurnServerStats = {
    requests: 0,
    indications: 0,
    channelData: 0,
    dropped: 0,
    relayedToPeer: 0,
    relayedToClient: 0,
    challenges: 0,
    staleNonces: 0,
    authFailures: 0,
  };

  constructor(options: TurnServerOptions) {
    this.realm = options.realm;
    const users = options.users instanceof Map ? options.users : new Map(Object.entries(options.users));
    for (const [user, pass] of users) this.keys.set(user, longTermKey(user, this.realm, pass, { prep: 'none' }));
    this.relayAddress = options.relayAddress;
    this.relayFamily = options.relayAddress.includes(':') ? 'IPv6' : 'IPv4';
    this.advertisedAddress = options.externalAddress ?? options.relayAddress;
    if (this.advertisedAddress.includes(':') !== options.relayAddress.includes(':')) {
      throw new InvalidArgumentError('TURN server: externalAddress and relayAddress must be the same family');
    }
    this.minPort = options.minPort ?? 49152;
    this.maxPort = options.maxPort ?? 65535;
    if (!(this.minPort >= 1 && this.maxPort <= 65535 && this.minPort <= this.maxPort)) {
      throw new InvalidArgumentError(`TURN server: bad relay port range ${this.minPort}-${this.maxPort}`);
    }
    this.defaultLifetimeS = options.defaultLifetimeS ?? DEFAULT_ALLOCATION_LIFETIME_S;
    this.maxLifetimeS = options.maxLifetimeS ?? MAX_ALLOCATION_LIFETIME_S;
    this.permissionLifetimeMs = (options.permissionLifetimeS ?? PERMISSION_LIFETIME_S) * 1000;
    this.channelLifetimeMs = (options.channelLifetimeS ?? CHANNEL_LIFETIME_S) * 1000;
    this.nonceLifetimeMs = (options.nonceLifetimeS ?? DEFAULT_NONCE_LIFETIME_S) * 1000;
    this.maxAllocations = options.maxAllocations ?? DEFAULT_MAX_ALLOCATIONS;
    this.maxPerUser = options.maxAllocationsPerUser ?? DEFAULT_MAX_ALLOCATIONS_PER_USER;
    this.software = options.software ?? SOFTWARE_DEFAULT;
    this.random = options.random ?? secureRandom;
    const allowLoopback = options.allowLoopbackPeers ?? false;
    this.peerAllowed = options.peerAllowed ?? ((p) => defaultPeerAllowed(p, allowLoopback));
    this.nonceSecret = this.random.fill(new Uint8Array(20));
    this.maxChannel = options.legacyChannelNumbers === false ? MAX_CHANNEL_NUMBER : LEGACY_MAX_CHANNEL_NUMBER;
  }

  /** Number of allocations (pending and active). */
  get allocationCount(): number {
    return this.byClient.size;
  }

  /**
   * A datagram that arrived on the listening socket from `from` (or, with `transport`
   * 'tcp', one STUN message or ChannelData frame from the client's TCP connection; see
   * `StunStreamFramer`). Never throws on remote input.
   */
  handleInput(now: number, fromHost: TransportAddress, data: Uint8Array, transport: ClientTransport = 'udp'): void {
    const c = canonical(fromHost);
    const from: ClientAddress = { family: c.family, address: c.address, port: c.port, transport };
    const inbound = classifyTurnInput(data, this.maxChannel >> 8);
    if (inbound.kind === 'channel-data') {
      this.onChannelData(now, from, data);
      return;
    }
    if (inbound.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    const { msg, hasFingerprint: hasFp } = inbound;
    if (msg.class === StunClass.Request) {
      this.stats.requests++;
      this.onRequest(now, from, msg, hasFp);
    } else if (msg.class === StunClass.Indication && msg.method === StunMethod.Send) {
      this.stats.indications++;
      this.onSend(now, from, msg);
    } else {
      this.stats.dropped++;
    }
  }

  /**
   * The client's TCP connection closed: its allocation goes too (RFC 8656 3.1, the
   * allocation is tied to the connection's 5-tuple).
   */
  handleConnectionClosed(now: number, fromHost: TransportAddress): void {
    const c = canonical(fromHost);
    const a = this.byClient.get(clientKey({ family: c.family, address: c.address, port: c.port, transport: 'tcp' }));
    if (a) this.remove(a, 'connection-closed');
    void now;
  }

  /** The host bound (ok) or failed to bind the relay socket a `relay-open` event asked for. */
  handleRelayOpened(now: number, relayId: number, ok: boolean): void {
    const a = this.byRelay.get(relayId);
    if (!a || a.state !== 'pending') return;
    if (!ok) {
      if (a.reservation === undefined && a.triedPorts.length < MAX_RELAY_PORT_ATTEMPTS) {
        const port = this.pickPort(a.evenPort, a.triedPorts);
        if (port !== undefined) {
          this.usedPorts.delete(a.relay.port);
          this.usedPorts.add(port);
          a.triedPorts.push(port);
          a.relay = { family: this.relayFamily, address: this.relayAddress, port };
          this.pushEvent({ type: 'relay-open', relayId, family: this.relayFamily, address: this.relayAddress, port });
          return;
        }
      }
      this.respondError(a.client, StunMethod.Allocate, a.allocateTidBytes, ErrorCodes.InsufficientCapacity, a.fingerprint, a.key);
      if (a.reservation) this.releaseReservation(hex(a.reservation.token));
      this.remove(a, 'relay-failed');
      return;
    }
    a.state = 'active';
    a.expiresAt = now + a.lifetimeS * 1000;
    this.armDeadline(a.expiresAt);
    const attributes: StunAttribute[] = [
      { type: 'XOR-RELAYED-ADDRESS', family: a.relay.family, address: this.advertisedAddress, port: a.relay.port },
      { type: 'LIFETIME', value: a.lifetimeS },
    ];
    if (a.reservation) attributes.push({ type: 'RESERVATION-TOKEN', value: a.reservation.token });
    attributes.push({ type: 'XOR-MAPPED-ADDRESS', ...a.client });
    if (a.additionalFamilyError) {
      attributes.push({ type: 'ADDRESS-ERROR-CODE', family: AddressFamily.IPv6, code: ErrorCodes.AddressFamilyNotSupported, reason: ERROR_REASONS[440] ?? '' });
    }
    attributes.push({ type: 'SOFTWARE', value: this.software });
    a.response = encodeStunMessage(
      { class: StunClass.SuccessResponse, method: StunMethod.Allocate, transactionId: a.allocateTidBytes, attributes },
      { integrityKey: a.key, fingerprint: a.fingerprint },
    );
    this.transmit(undefined, a.client, a.response);
    this.pushEvent({
      type: 'allocation-created',
      relayId: a.relayId,
      client: a.client,
      relay: { family: a.relay.family, address: this.advertisedAddress, port: a.relay.port },
      username: a.username,
    });
  }

  /** A datagram that arrived on relay socket `relayId` from `from` (a peer). */
  handleRelayInput(now: number, relayId: number, fromHost: TransportAddress, data: Uint8Array): void {
    const from = canonical(fromHost);
    const a = this.byRelay.get(relayId);
    if (!a || a.state !== 'active' || now >= a.expiresAt) {
      this.stats.dropped++;
      return;
    }
    // RFC 8656 11.3: only from peers with a permission.
    const perm = a.permissions.get(from.address);
    if (perm === undefined || now >= perm) {
      this.stats.dropped++;
      return;
    }
    const ch = a.channelByPeer.get(addressKey(from));
    if (ch && now < ch.expiresAt) {
      if (data.length > 0xffff) {
        this.stats.dropped++;
        return;
      }
      // Over TCP, ChannelData is padded to a multiple of 4 (RFC 8656 12.5).
      this.transmit(undefined, a.client, encodeChannelData(ch.number, data, a.client.transport === 'tcp', LEGACY_MAX_CHANNEL_NUMBER));
    } else {
      // A peer datagram near 64 KiB does not fit a Data indication (16-bit STUN length): drop it.
      if (data.length > MAX_DATA_INDICATION_PAYLOAD) {
        this.stats.dropped++;
        return;
      }
      const tid = this.random.fill(new Uint8Array(12));
      this.transmit(
        undefined,
        a.client,
        encodeStunMessage(
          { class: StunClass.Indication, method: StunMethod.Data, transactionId: tid, attributes: [{ type: 'XOR-PEER-ADDRESS', ...from }, { type: 'DATA', value: data }] },
          { fingerprint: a.fingerprint },
        ),
      );
    }
    this.stats.relayedToClient++;
  }

  handleTimeout(now: number): void {
    if (this.nextDeadline === undefined || now < this.nextDeadline) return;
    let next: number | undefined;
    const consider = (t: number): void => {
      if (next === undefined || t < next) next = t;
    };
    for (const [token, r] of [...this.reservations]) {
      if (now >= r.expiresAt) this.releaseReservation(token);
      else consider(r.expiresAt);
    }
    for (const a of [...this.byClient.values()]) {
      if (now >= a.expiresAt) {
        this.remove(a, 'expired');
        continue;
      }
      consider(a.expiresAt);
      for (const [ip, exp] of a.permissions) {
        if (now >= exp) a.permissions.delete(ip);
        else consider(exp);
      }
      for (const ch of [...a.channels.values()]) {
        const gone = ch.expiresAt + CHANNEL_REBIND_COOLDOWN_S * 1000;
        if (now >= gone) {
          a.channels.delete(ch.number);
          a.channelByPeer.delete(ch.peerKey);
        } else consider(now >= ch.expiresAt ? gone : ch.expiresAt);
      }
    }
    this.nextDeadline = next;
  }

  pollTransmit(): TurnServerTransmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): TurnServerEvent | undefined {
    return this.events.shift();
  }

  /** The earliest expiry (allocation, permission, channel); may be early, never late. */
  pollTimeout(): number | undefined {
    return this.nextDeadline;
  }

  // ---------------------------------------------------------------- internals

  private armDeadline(t: number): void {
    if (this.nextDeadline === undefined || t < this.nextDeadline) this.nextDeadline = t;
  }

  private transmit(relayId: number | undefined, to: TransportAddress | ClientAddress, data: Uint8Array): void {
    if (this.transmits.length >= MAX_QUEUED_TRANSMITS) {
      this.stats.dropped++;
      return;
    }
    const transport: ClientTransport = relayId === undefined && 'transport' in to ? to.transport : 'udp';
    this.transmits.push({ relayId, transport, to: { family: to.family, address: to.address, port: to.port }, data });
  }

  private pushEvent(e: TurnServerEvent): void {
    // relay-open/close must reach the host; informational events are the ones dropped when full.
    if (this.events.length >= MAX_QUEUED_EVENTS && (e.type === 'allocation-created' || e.type === 'allocation-deleted')) return;
    this.events.push(e);
  }

  private remove(a: Allocation, reason: DeleteReason): void {
    this.byClient.delete(a.clientKey);
    this.byRelay.delete(a.relayId);
    this.usedPorts.delete(a.relay.port);
    const n = (this.perUser.get(a.username) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(a.username);
    else this.perUser.set(a.username, n);
    this.pushEvent({ type: 'relay-close', relayId: a.relayId });
    this.pushEvent({ type: 'allocation-deleted', relayId: a.relayId, reason });
  }

  /** A free relay port, random in the range (RFC 6056 style); `pair` also needs port + 1 free. */
  private pickPort(even: boolean, exclude: readonly number[], pair = false): number | undefined {
    const size = this.maxPort - this.minPort + 1;
    const start = randomU32(this.random) % size;
    for (let i = 0; i < size; i++) {
      const port = this.minPort + ((start + i) % size);
      if (even && port % 2 !== 0) continue;
      if (this.usedPorts.has(port) || exclude.includes(port)) continue;
      if (pair && (port + 1 > this.maxPort || this.usedPorts.has(port + 1))) continue;
      return port;
    }
    return undefined;
  }

  private releaseReservation(token: string): void {
    const r = this.reservations.get(token);
    if (!r) return;
    this.reservations.delete(token);
    this.usedPorts.delete(r.port);
  }

  private makeNonce(now: number, client: TransportAddress): string {
    const ts = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0');
    return `${ts}${hex(this.nonceMac(ts, client))}`;
  }

  private nonceMac(ts: string, client: TransportAddress): Uint8Array {
    const text = new TextEncoder().encode(`${ts}|${addressKey(client)}`);
    return keyedHmac('sha1', this.nonceSecret).mac(text).subarray(0, NONCE_MAC_BYTES);
  }

  /** 'ok', 'stale' (well-formed, ours, expired) or 'bad'. */
  private checkNonce(now: number, nonce: string, client: TransportAddress): 'ok' | 'stale' | 'bad' {
    if (nonce.length !== 12 + 2 * NONCE_MAC_BYTES || !/^[0-9a-f]+$/.test(nonce)) return 'bad';
    const ts = nonce.slice(0, 12);
    const mac = new Uint8Array(NONCE_MAC_BYTES);
    for (let i = 0; i < NONCE_MAC_BYTES; i++) mac[i] = parseInt(nonce.slice(12 + 2 * i, 14 + 2 * i), 16);
    if (!constantTimeEqual(mac, this.nonceMac(ts, client))) return 'bad';
    const issued = parseInt(ts, 16);
    if (issued > now || now - issued >= this.nonceLifetimeMs) return 'stale';
    return 'ok';
  }

  private respond(to: ClientAddress, method: number, tid: Uint8Array, attributes: StunAttribute[], key: Uint8Array | undefined, fingerprint: boolean): void {
    this.transmit(
      undefined,
      to,
      encodeStunMessage(
        { class: StunClass.SuccessResponse, method, transactionId: tid, attributes },
        key ? { integrityKey: key, fingerprint } : { fingerprint },
      ),
    );
  }

  private respondError(
    to: ClientAddress,
    method: number,
    tid: Uint8Array,
    code: number,
    fingerprint: boolean,
    key: Uint8Array | undefined,
    extra: StunAttribute[] = [],
  ): void {
    const attributes: StunAttribute[] = [{ type: 'ERROR-CODE', code, reason: ERROR_REASONS[code] ?? '' }, ...extra, { type: 'SOFTWARE', value: this.software }];
    this.transmit(
      undefined,
      to,
      encodeStunMessage({ class: StunClass.ErrorResponse, method, transactionId: tid, attributes }, key ? { integrityKey: key, fingerprint } : { fingerprint }),
    );
  }

  private challenge(now: number, from: ClientAddress, msg: DecodedStunMessage, code: number, fp: boolean): void {
    this.respondError(from, msg.method, msg.transactionId, code, fp, undefined, [
      { type: 'REALM', value: this.realm },
      { type: 'NONCE', value: this.makeNonce(now, from) },
    ]);
  }

  /** RFC 8489 9.2.4. Returns the user and key, or undefined after sending the error. */
  private authenticate(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean): { username: string; key: Uint8Array } | undefined {
    const mi = getAttribute(msg, 'MESSAGE-INTEGRITY');
    if (!mi) {
      this.stats.challenges++;
      this.challenge(now, from, msg, ErrorCodes.Unauthorized, fp);
      return undefined;
    }
    const username = getAttribute(msg, 'USERNAME');
    const realm = getAttribute(msg, 'REALM');
    const nonce = getAttribute(msg, 'NONCE');
    if (!username || !realm || !nonce) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.BadRequest, fp, undefined);
      return undefined;
    }
    const key = this.keys.get(username.value);
    if (!key || realm.value !== this.realm || !verifyMessageIntegrity(msg, key)) {
      this.stats.authFailures++;
      this.challenge(now, from, msg, ErrorCodes.Unauthorized, fp);
      return undefined;
    }
    const n = this.checkNonce(now, nonce.value, from);
    if (n !== 'ok') {
      this.stats.staleNonces++;
      this.challenge(now, from, msg, ErrorCodes.StaleNonce, fp);
      return undefined;
    }
    return { username: username.value, key };
  }

  private onRequest(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean): void {
    if (msg.method === StunMethod.Binding) {
      this.respond(from, StunMethod.Binding, msg.transactionId, [{ type: 'XOR-MAPPED-ADDRESS', ...from }, { type: 'SOFTWARE', value: this.software }], undefined, fp);
      return;
    }
    if (msg.method !== StunMethod.Allocate && msg.method !== StunMethod.Refresh && msg.method !== StunMethod.CreatePermission && msg.method !== StunMethod.ChannelBind) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.BadRequest, fp, undefined);
      return;
    }
    // A retransmitted Allocate that already succeeded gets the same response (RFC 8656 7.2 NOTE).
    const existing = this.byClient.get(clientKey(from));
    if (msg.method === StunMethod.Allocate && existing && existing.allocateTid === transactionKey(msg.transactionId)) {
      if (existing.response) this.transmit(undefined, from, existing.response);
      return;
    }
    const auth = this.authenticate(now, from, msg, fp);
    if (!auth) return;
    const unknown: number[] = [];
    for (const a of msg.attributes) if (a.type === 'unknown' && isComprehensionRequired(a.code)) unknown.push(a.code);
    // RFC 8656 7.2 step 4: we cannot set DF on relayed datagrams, so DONT-FRAGMENT is unknown to us.
    if (msg.method === StunMethod.Allocate && getAttribute(msg, 'DONT-FRAGMENT')) unknown.push(AttributeType.DONT_FRAGMENT);
    if (unknown.length > 0) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.UnknownAttribute, fp, auth.key, [{ type: 'UNKNOWN-ATTRIBUTES', types: unknown }]);
      return;
    }
    if (msg.method === StunMethod.Allocate) {
      this.onAllocate(now, from, msg, fp, auth.username, auth.key, existing);
      return;
    }
    if (!existing || existing.state !== 'active') {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.AllocationMismatch, fp, auth.key);
      return;
    }
    if (existing.username !== auth.username) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.WrongCredentials, fp, auth.key);
      return;
    }
    if (msg.method === StunMethod.Refresh) this.onRefresh(now, from, msg, fp, existing);
    else if (msg.method === StunMethod.CreatePermission) this.onCreatePermission(now, from, msg, fp, existing);
    else this.onChannelBind(now, from, msg, fp, existing);
  }

  private onAllocate(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean, username: string, key: Uint8Array, existing: Allocation | undefined): void {
    const err = (code: number): void => this.respondError(from, msg.method, msg.transactionId, code, fp, key);
    if (existing) return err(ErrorCodes.AllocationMismatch);
    const transport = getAttribute(msg, 'REQUESTED-TRANSPORT');
    if (!transport) return err(ErrorCodes.BadRequest);
    if (transport.protocol !== TransportProtocol.UDP) return err(ErrorCodes.UnsupportedTransportProtocol);
    const evenPort = getAttribute(msg, 'EVEN-PORT');
    const requestedFamily = getAttribute(msg, 'REQUESTED-ADDRESS-FAMILY');
    const additionalFamily = getAttribute(msg, 'ADDITIONAL-ADDRESS-FAMILY');
    const token = getAttribute(msg, 'RESERVATION-TOKEN');
    let reservedPort: number | undefined;
    if (token) {
      if (evenPort || requestedFamily || additionalFamily) return err(ErrorCodes.BadRequest);
      // Step 5: the token must be one we issued, not yet lapsed.
      const r = this.reservations.get(hex(token.value));
      if (!r || now >= r.expiresAt) return err(ErrorCodes.InsufficientCapacity);
      reservedPort = r.port;
    }
    if (requestedFamily && additionalFamily) return err(ErrorCodes.BadRequest);
    const ourFamily = this.relayFamily === 'IPv4' ? AddressFamily.IPv4 : AddressFamily.IPv6;
    if (requestedFamily && requestedFamily.family !== ourFamily) return err(ErrorCodes.AddressFamilyNotSupported);
    if (!requestedFamily && ourFamily !== AddressFamily.IPv4) return err(ErrorCodes.AddressFamilyNotSupported);
    if (evenPort?.reserve && additionalFamily) return err(ErrorCodes.BadRequest);
    if (additionalFamily && additionalFamily.family === AddressFamily.IPv4) return err(ErrorCodes.BadRequest);
    if ((this.perUser.get(username) ?? 0) >= this.maxPerUser) return err(ErrorCodes.AllocationQuotaReached);
    if (this.byClient.size >= this.maxAllocations) return err(ErrorCodes.AllocationQuotaReached);
    const reserve = evenPort?.reserve === true;
    if (reserve && this.reservations.size >= this.maxAllocations) return err(ErrorCodes.InsufficientCapacity);
    const port = reservedPort ?? this.pickPort(evenPort !== undefined, [], reserve);
    if (port === undefined) return err(ErrorCodes.InsufficientCapacity);
    if (token) this.reservations.delete(hex(token.value));
    let reservation: Allocation['reservation'];
    if (reserve) {
      reservation = { token: this.random.fill(new Uint8Array(8)), port: port + 1 };
      this.reservations.set(hex(reservation.token), { port: port + 1, expiresAt: now + RESERVATION_LIFETIME_MS });
      this.usedPorts.add(port + 1);
      this.armDeadline(now + RESERVATION_LIFETIME_MS);
    }
    const requested = getAttribute(msg, 'LIFETIME')?.value;
    const computed = requested === undefined ? this.defaultLifetimeS : Math.min(requested, this.maxLifetimeS);
    // RFC 8656 7.2: min(requested, max), but never below the default.
    const lifetimeS = computed > this.defaultLifetimeS ? computed : this.defaultLifetimeS;
    const relayId = this.nextRelayId++;
    const a: Allocation = {
      clientKey: clientKey(from),
      client: from,
      username,
      key,
      relayId,
      relay: { family: this.relayFamily, address: this.relayAddress, port },
      state: 'pending',
      allocateTid: transactionKey(msg.transactionId),
      allocateTidBytes: msg.transactionId.slice(),
      lifetimeS,
      evenPort: evenPort !== undefined,
      reservation,
      additionalFamilyError: additionalFamily !== undefined,
      fingerprint: fp,
      triedPorts: [port],
      response: undefined,
      expiresAt: now + RELAY_OPEN_TIMEOUT_MS,
      permissions: new Map(),
      channels: new Map(),
      channelByPeer: new Map(),
    };
    this.byClient.set(a.clientKey, a);
    this.byRelay.set(relayId, a);
    this.usedPorts.add(port);
    this.perUser.set(username, (this.perUser.get(username) ?? 0) + 1);
    this.armDeadline(a.expiresAt);
    this.pushEvent({ type: 'relay-open', relayId, family: this.relayFamily, address: this.relayAddress, port });
  }

  private onRefresh(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean, a: Allocation): void {
    const family = getAttribute(msg, 'REQUESTED-ADDRESS-FAMILY');
    const ourFamily = this.relayFamily === 'IPv4' ? AddressFamily.IPv4 : AddressFamily.IPv6;
    if (family && family.family !== ourFamily) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.PeerAddressFamilyMismatch, fp, a.key);
      return;
    }
    const requested = getAttribute(msg, 'LIFETIME')?.value;
    const lifetimeS = requested === 0 ? 0 : Math.min(requested ?? this.defaultLifetimeS, this.maxLifetimeS);
    const attributes: StunAttribute[] = [{ type: 'LIFETIME', value: lifetimeS }, { type: 'SOFTWARE', value: this.software }];
    if (lifetimeS === 0) this.remove(a, 'refresh');
    else {
      a.expiresAt = now + lifetimeS * 1000;
      this.armDeadline(a.expiresAt);
    }
    this.respond(from, msg.method, msg.transactionId, attributes, a.key, fp);
  }

  /** Validates every XOR-PEER-ADDRESS: 400 when none, 443 on family mismatch, 403 when refused. */
  private peersOf(msg: DecodedStunMessage, a: Allocation): TransportAddress[] | number {
    const peers: TransportAddress[] = [];
    for (const attr of msg.attributes) {
      if (attr.type !== 'XOR-PEER-ADDRESS') continue;
      if (attr.family !== a.relay.family) return ErrorCodes.PeerAddressFamilyMismatch;
      const peer = { family: attr.family, address: attr.address, port: attr.port };
      if (!this.peerAllowed(peer)) return ErrorCodes.Forbidden;
      peers.push(peer);
    }
    return peers.length === 0 ? ErrorCodes.BadRequest : peers;
  }

  private installPermission(now: number, a: Allocation, ip: string): void {
    const exp = now + this.permissionLifetimeMs;
    a.permissions.delete(ip);
    a.permissions.set(ip, exp);
    this.armDeadline(exp);
  }

  private onCreatePermission(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean, a: Allocation): void {
    const peers = this.peersOf(msg, a);
    if (typeof peers === 'number') {
      this.respondError(from, msg.method, msg.transactionId, peers, fp, a.key);
      return;
    }
    const fresh = new Set(peers.map((p) => p.address).filter((ip) => !a.permissions.has(ip)));
    if (a.permissions.size + fresh.size > MAX_PERMISSIONS_PER_ALLOCATION) {
      this.respondError(from, msg.method, msg.transactionId, ErrorCodes.InsufficientCapacity, fp, a.key);
      return;
    }
    for (const p of peers) this.installPermission(now, a, p.address);
    this.respond(from, msg.method, msg.transactionId, [], a.key, fp);
  }

  private onChannelBind(now: number, from: ClientAddress, msg: DecodedStunMessage, fp: boolean, a: Allocation): void {
    const err = (code: number): void => this.respondError(from, msg.method, msg.transactionId, code, fp, a.key);
    const chAttr = getAttribute(msg, 'CHANNEL-NUMBER');
    const peerAttrs = msg.attributes.filter((x) => x.type === 'XOR-PEER-ADDRESS');
    if (!chAttr || peerAttrs.length !== 1) return err(ErrorCodes.BadRequest);
    const number = chAttr.channel;
    if (number < 0x4000 || number > this.maxChannel) return err(ErrorCodes.BadRequest);
    const peers = this.peersOf(msg, a);
    if (typeof peers === 'number') return err(peers);
    const peer = peers[0] as TransportAddress;
    const peerKey = addressKey(peer);
    const byNumber = a.channels.get(number);
    const byPeer = a.channelByPeer.get(peerKey);
    if (byNumber && byNumber.peerKey !== peerKey) return err(ErrorCodes.BadRequest);
    if (byPeer && byPeer.number !== number) return err(ErrorCodes.BadRequest);
    if (!byNumber && a.channels.size >= MAX_CHANNELS_PER_ALLOCATION) return err(ErrorCodes.InsufficientCapacity);
    if (!a.permissions.has(peer.address) && a.permissions.size >= MAX_PERMISSIONS_PER_ALLOCATION) return err(ErrorCodes.InsufficientCapacity);
    const expiresAt = now + this.channelLifetimeMs;
    if (byNumber) byNumber.expiresAt = expiresAt;
    else {
      const ch: Channel = { number, peer, peerKey, expiresAt };
      a.channels.set(number, ch);
      a.channelByPeer.set(peerKey, ch);
    }
    this.armDeadline(expiresAt);
    this.installPermission(now, a, peer.address);
    this.respond(from, msg.method, msg.transactionId, [], a.key, fp);
  }

  private onSend(now: number, from: ClientAddress, msg: DecodedStunMessage): void {
    const a = this.byClient.get(clientKey(from));
    const peer = getAttribute(msg, 'XOR-PEER-ADDRESS');
    const data = getAttribute(msg, 'DATA');
    if (!a || a.state !== 'active' || !peer || !data || peer.family !== a.relay.family) {
      this.stats.dropped++;
      return;
    }
    const perm = a.permissions.get(peer.address);
    const to = { family: peer.family, address: peer.address, port: peer.port };
    if (perm === undefined || now >= perm || !this.peerAllowed(to)) {
      this.stats.dropped++;
      return;
    }
    this.transmit(a.relayId, to, data.value);
    this.stats.relayedToPeer++;
  }

  private onChannelData(now: number, from: ClientAddress, bytes: Uint8Array): void {
    this.stats.channelData++;
    const a = this.byClient.get(clientKey(from));
    let cd;
    try {
      cd = decodeChannelData(bytes, this.maxChannel);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.stats.dropped++;
      return;
    }
    const ch = a?.channels.get(cd.channel);
    if (!a || a.state !== 'active' || !ch || now >= ch.expiresAt) {
      this.stats.dropped++;
      return;
    }
    const perm = a.permissions.get(ch.peer.address);
    if (perm === undefined || now >= perm) {
      this.stats.dropped++;
      return;
    }
    this.transmit(a.relayId, ch.peer, cd.data);
    this.stats.relayedToPeer++;
  }
}
