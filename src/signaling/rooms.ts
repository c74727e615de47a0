/**
 * @module signaling/rooms
 * The sans-IO core of the signaling server: connections, rooms, relay decisions, limits,
 * per-connection rate limiting and the heartbeat schedule. It never touches a socket or
 * a clock; the `ws` wrapper (server.ts) feeds it `(now, connectionId, frame)` and drains
 * what to send to whom (`pollTransmit`), what to do to a socket (`pollEvent`: ping,
 * close) and when to call back (`pollTimeout`). The message schema is protocol.ts.
 *
 * Heartbeat (RFC 6455 section 5.5.2/5.5.3: a Ping is answered by a Pong): every
 * `heartbeatIntervalMs` each connection that answered the previous ping is pinged again;
 * one that did not is closed (event `close` with `terminate: true`).
 *
 * Remote input never throws out of this class: every bad frame gets an `error` reply.
 * Rate-limited frames are dropped with one `rate-limited` error per burst of refusals
 * (so a flood does not turn into an equal flood of replies).
 */
import { toHex } from '../common/hex.js';
import { ParseError } from '../common/errors.js';
import { secureRandom } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { TokenBucket } from './token-bucket.js';
import { SignalingErrorCode, decodeText, parseJson, checkClientMessage, serializeServerMessage } from './protocol.js';
import type { ClientMessage, PeerInfo, RelayMessage, ServerMessage } from './protocol.js';

/** Default largest frame accepted, bytes: SDP of a many-track offer fits (Chrome's are 3-20 KB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** Default number of rooms the server holds at once. */
export const DEFAULT_MAX_ROOMS = 1000;
/** Default peers per room (a mesh of 16 is already 120 peer connections). */
export const DEFAULT_MAX_PEERS_PER_ROOM = 16;
/** Default open connections (joined or not). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Default sustained messages per second per connection (trickle ICE sends tens at once). */
export const DEFAULT_MESSAGES_PER_SECOND = 50;
/** Default token bucket depth: messages a connection may send back to back. */
export const DEFAULT_MESSAGE_BURST = 100;
/** Default heartbeat period; a socket silent for two periods is dropped. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** Bound on queued transmits/events between two drains (a broadcast adds maxPeersPerRoom). */
export const MAX_QUEUED_OUTPUTS = 1_000_000;

export interface SignalingLimits {
  /** Largest frame, bytes (UTF-8); larger ones get a `too-large` error. */
  readonly maxMessageBytes: number;
  readonly maxRooms: number;
  readonly maxPeersPerRoom: number;
  readonly maxConnections: number;
  /** Token bucket rate per connection; 0 = no limit. */
  readonly messagesPerSecond: number;
  /** Token bucket depth. */
  readonly messageBurst: number;
  /** Ping period; 0 = no heartbeat. */
  readonly heartbeatIntervalMs: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = {
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxRooms: DEFAULT_MAX_ROOMS,
  maxPeersPerRoom: DEFAULT_MAX_PEERS_PER_ROOM,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND,
  messageBurst: DEFAULT_MESSAGE_BURST,
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
};

/** Checks and completes a partial limits object; throws RangeError on a bad value. */
export function resolveLimits(partial: Partial<SignalingLimits> = {}): SignalingLimits {
  const out = { ...DEFAULT_SIGNALING_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new RangeError(`limits.${k} must be a number >= 0, got ${String(v)}`);
  }
  for (const k of ['maxMessageBytes', 'maxRooms', 'maxPeersPerRoom', 'maxConnections', 'messageBurst'] as const) {
    if (out[k] < 1) throw new RangeError(`limits.${k} must be >= 1, got ${out[k]}`);
  }
  return out;
}

/** A frame to send: `data` is the JSON text of `message`. */
export interface SignalingTransmit {
  readonly to: string;
  readonly message: ServerMessage;
  readonly data: string;
}

export type SignalingEvent =
  /** Send a WebSocket ping on this connection. */
  | { readonly type: 'ping'; readonly id: string }
  /** Close this connection (`terminate`: drop the socket without a closing handshake). */
  | { readonly type: 'close'; readonly id: string; readonly code: number; readonly reason: string; readonly terminate: boolean }
  /** Informational, for logs. */
  | { readonly type: 'join'; readonly id: string; readonly room: string }
  | { readonly type: 'leave'; readonly id: string; readonly room: string };

/** RFC 6455 section 7.4.1: 1001 "going away" (used for a dead heartbeat). */
export const CLOSE_GOING_AWAY = 1001;
/** IANA WebSocket close code 1013 "Try Again Later" (server full). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

interface Connection {
  readonly id: string;
  readonly bucket: TokenBucket;
  room: string | undefined;
  name: string | undefined;
  /** Answered the last ping (or has not been pinged yet). */
  alive: boolean;
  /** A rate-limited error was sent and no frame has been accepted since. */
  throttled: boolean;
}

/** Bytes of a string in UTF-8 without encoding it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export interface SignalingRoomsOptions {
  readonly limits?: Partial<SignalingLimits>;
  /** Where peer ids come from (seed it in tests). */
  readonly random?: RandomSource;
}

/** Counters for logs and tests. */
export interface SignalingStats {
  readonly connections: number;
  readonly rooms: number;
  readonly relayed: number;
  readonly errors: number;
  readonly rateLimited: number;
}

export class SignalingRooms {
  readonly limits: SignalingLimits;
  readonly #random: RandomSource;
  readonly #connections = new Map<string, Connection>();
  /** room id -> member ids in join order. */
  readonly #rooms = new Map<string, Set<string>>();
  readonly #transmits: SignalingTransmit[] = [];
  readonly #events: SignalingEvent[] = [];
  #transmitHead = 0;
  #eventHead = 0;
  #nextHeartbeatMs: number | undefined;
  #relayed = 0;
  #errors = 0;
  #rateLimited = 0;

  constructor(options: SignalingRoomsOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.#random = options.random ?? secureRandom;
  }

  /**
   * A socket opened. Returns its peer id and queues `welcome`, or returns undefined
   * when the server is full (the caller closes with CLOSE_TRY_AGAIN_LATER).
   */
  handleConnect(now: number): string | undefined {
    if (this.#connections.size >= this.limits.maxConnections) return undefined;
    let id: string;
    do id = toHex(this.#random.fill(new Uint8Array(8)));
    while (this.#connections.has(id));
    this.#connections.set(id, {
      id,
      bucket: new TokenBucket(this.limits.messagesPerSecond, this.limits.messageBurst),
      room: undefined,
      name: undefined,
      alive: true,
      throttled: false,
    });
    if (this.limits.heartbeatIntervalMs > 0 && this.#nextHeartbeatMs === undefined) {
      this.#nextHeartbeatMs = now + this.limits.heartbeatIntervalMs;
    }
    this.#send(id, { type: 'welcome', id });
    return id;
  }

  /**
   * One frame from connection `id` (text, or bytes holding UTF-8 text). `sizeBytes` is
   * the frame's payload length when the caller knows it (saves measuring the string).
   */
  handleMessage(now: number, id: string, data: string | Uint8Array, sizeBytes?: number): void {
    const conn = this.#connections.get(id);
    if (conn === undefined) return;
    if (!conn.bucket.take(now)) {
      this.#rateLimited++;
      if (!conn.throttled) {
        conn.throttled = true;
        this.#error(id, SignalingErrorCode.RateLimited, `more than ${this.limits.messagesPerSecond} messages per second; dropped`);
      }
      return;
    }
    conn.throttled = false;
    const size = sizeBytes ?? (typeof data === 'string' ? utf8Length(data) : data.length);
    if (size > this.limits.maxMessageBytes) {
      this.#error(id, SignalingErrorCode.TooLarge, `message of ${size} bytes is larger than ${this.limits.maxMessageBytes}`);
      return;
    }
    let json: unknown;
    try {
      json = parseJson(decodeText(data));
    } catch (err) {
      this.#error(id, SignalingErrorCode.BadJson, err instanceof Error ? err.message : 'not JSON');
      return;
    }
    let message: ClientMessage;
    try {
      message = checkClientMessage(json);
    } catch (err) {
      // checkClientMessage throws only ParseError; anything else is still this frame's fault.
      this.#error(id, SignalingErrorCode.BadMessage, err instanceof ParseError ? err.message : 'malformed message');
      return;
    }
    this.#dispatch(conn, message);
  }

  /** The socket answered a ping. */
  handlePong(_now: number, id: string): void {
    const conn = this.#connections.get(id);
    if (conn !== undefined) conn.alive = true;
  }

  /** The socket closed (for any reason): the room hears `peer-left`. */
  handleDisconnect(_now: number, id: string): void {
    const conn = this.#connections.get(id);
    if (conn === undefined) return;
    this.#leaveRoom(conn);
    this.#connections.delete(id);
    if (this.#connections.size === 0) this.#nextHeartbeatMs = undefined;
  }

  /** The deadline from `pollTimeout` passed: heartbeat sweep. */
  handleTimeout(now: number): void {
    if (this.#nextHeartbeatMs === undefined || now < this.#nextHeartbeatMs) return;
    for (const conn of [...this.#connections.values()]) {
      if (!conn.alive) {
        this.#event({ type: 'close', id: conn.id, code: CLOSE_GOING_AWAY, reason: 'heartbeat timeout', terminate: true });
        this.handleDisconnect(now, conn.id);
        continue;
      }
      conn.alive = false;
      this.#event({ type: 'ping', id: conn.id });
    }
    this.#nextHeartbeatMs = this.#connections.size === 0 ? undefined : now + this.limits.heartbeatIntervalMs;
  }

  pollTransmit(): SignalingTransmit | undefined {
    const t = this.#transmits[this.#transmitHead];
    if (t === undefined) return undefined;
    this.#transmitHead++;
    if (this.#transmitHead === this.#transmits.length) {
      this.#transmits.length = 0;
      this.#transmitHead = 0;
    }
    return t;
  }

  pollEvent(): SignalingEvent | undefined {
    const e = this.#events[this.#eventHead];
    if (e === undefined) return undefined;
    this.#eventHead++;
    if (this.#eventHead === this.#events.length) {
      this.#events.length = 0;
      this.#eventHead = 0;
    }
    return e;
  }

  pollTimeout(): number | undefined {
    return this.#nextHeartbeatMs;
  }

  /** The members of a room in join order (empty when there is no such room). */
  roomMembers(room: string): PeerInfo[] {
    return [...(this.#rooms.get(room) ?? [])].map((id) => this.#info(id));
  }

  /** The room connection `id` is in, if any. */
  roomOf(id: string): string | undefined {
    return this.#connections.get(id)?.room;
  }

  get stats(): SignalingStats {
    return {
      connections: this.#connections.size,
      rooms: this.#rooms.size,
      relayed: this.#relayed,
      errors: this.#errors,
      rateLimited: this.#rateLimited,
    };
  }

  #info(id: string): PeerInfo {
    const name = this.#connections.get(id)?.name;
    return name === undefined ? { id } : { id, name };
  }

  #dispatch(conn: Connection, m: ClientMessage): void {
    switch (m.type) {
      case 'join':
        return this.#join(conn, m.room, m.name);
      case 'leave': {
        const room = conn.room;
        if (room === undefined) return this.#error(conn.id, SignalingErrorCode.NotInRoom, 'not in a room');
        this.#leaveRoom(conn);
        return this.#send(conn.id, { type: 'left', room });
      }
      default:
        return this.#relay(conn, m);
    }
  }

  #join(conn: Connection, room: string, name: string | undefined): void {
    if (conn.room !== undefined) {
      return this.#error(conn.id, SignalingErrorCode.AlreadyJoined, `already in room '${conn.room}'; leave first`);
    }
    let members = this.#rooms.get(room);
    if (members === undefined) {
      if (this.#rooms.size >= this.limits.maxRooms) {
        return this.#error(conn.id, SignalingErrorCode.TooManyRooms, `the server holds ${this.limits.maxRooms} rooms`);
      }
      members = new Set();
      this.#rooms.set(room, members);
    } else if (members.size >= this.limits.maxPeersPerRoom) {
      return this.#error(conn.id, SignalingErrorCode.RoomFull, `room holds ${this.limits.maxPeersPerRoom} peers`);
    }
    const peers = [...members].map((id) => this.#info(id));
    members.add(conn.id);
    conn.room = room;
    conn.name = name;
    this.#send(conn.id, { type: 'joined', room, id: conn.id, peers });
    const joined: ServerMessage = name === undefined ? { type: 'peer-joined', id: conn.id } : { type: 'peer-joined', id: conn.id, name };
    for (const other of peers) this.#send(other.id, joined);
    this.#event({ type: 'join', id: conn.id, room });
  }

  #leaveRoom(conn: Connection): void {
    const room = conn.room;
    if (room === undefined) return;
    const members = this.#rooms.get(room);
    conn.room = undefined;
    conn.name = undefined;
    if (members === undefined) return;
    members.delete(conn.id);
    if (members.size === 0) this.#rooms.delete(room);
    for (const other of members) this.#send(other, { type: 'peer-left', id: conn.id });
    this.#event({ type: 'leave', id: conn.id, room });
  }

  #relay(conn: Connection, m: RelayMessage): void {
    const members = conn.room === undefined ? undefined : this.#rooms.get(conn.room);
    if (members === undefined) return this.#error(conn.id, SignalingErrorCode.NotInRoom, `join a room before '${m.type}'`);
    let out: ServerMessage;
    const from = conn.id;
    switch (m.type) {
      case 'offer':
      case 'answer':
        out = { type: m.type, from, sdp: m.sdp };
        break;
      case 'candidate':
        out = { type: 'candidate', from, candidate: m.candidate };
        break;
      case 'bye':
        out = { type: 'bye', from };
        break;
      case 'message':
        out = { type: 'message', from, data: m.data };
        break;
    }
    if (m.to !== undefined) {
      if (m.to === conn.id || !members.has(m.to)) {
        return this.#error(conn.id, SignalingErrorCode.UnknownPeer, `no peer '${m.to}' in this room`);
      }
      this.#relayed++;
      return this.#send(m.to, out);
    }
    const data = serializeServerMessage(out);
    for (const other of members) {
      if (other === conn.id) continue;
      this.#relayed++;
      this.#push({ to: other, message: out, data });
    }
  }

  #error(id: string, code: SignalingErrorCode, message: string): void {
    this.#errors++;
    this.#send(id, { type: 'error', code, message });
  }

  #send(to: string, message: ServerMessage): void {
    this.#push({ to, message, data: serializeServerMessage(message) });
  }

  #push(t: SignalingTransmit): void {
    // The wrapper drains after every call, so this only bites a caller that never drains.
    if (this.#transmits.length - this.#transmitHead >= MAX_QUEUED_OUTPUTS) return;
    this.#transmits.push(t);
  }

  #event(e: SignalingEvent): void {
    if (this.#events.length - this.#eventHead >= MAX_QUEUED_OUTPUTS) return;
    this.#events.push(e);
  }
}
