/**
 * @module signaling/protocol
 * The purertc signaling protocol: JSON text messages over one WebSocket (RFC 6455) per
 * peer, carrying the JSEP offer/answer exchange (RFC 8829 section 3.1 leaves the
 * signaling channel to the application) and trickled ICE candidates (RFC 8838 section 8;
 * a `null` candidate is the end-of-candidates indication of RFC 8838 section 13, as the
 * W3C `icecandidate` event with a null candidate). Every message is a JSON object with a
 * string `type`; fields are checked by hand on arrival and unknown fields are dropped
 * (a relayed message is rebuilt from the checked fields only, never forwarded as sent).
 *
 * Client -> server:
 * ```
 * {type:'join', room, name?}            enter a room (one room per connection at a time)
 * {type:'leave'}                        leave it (the connection stays open)
 * {type:'offer'|'answer', to?, sdp}     an RTCSessionDescription's SDP
 * {type:'candidate', to?, candidate}    {candidate, sdpMid?, sdpMLineIndex?, usernameFragment?} | null
 * {type:'bye', to?}                     "I hang up" (the peer stays in the room)
 * {type:'message', to?, data}           any JSON value, for the application
 * ```
 * `to` names one peer of the same room; without it the message goes to every other
 * peer of the room.
 *
 * Server -> client:
 * ```
 * {type:'welcome', id}                  first message on every connection: your peer id
 * {type:'joined', room, id, peers:[{id, name?}]}   the join worked; who was already there
 * {type:'left', room}                   the leave worked
 * {type:'peer-joined', id, name?}       someone entered your room
 * {type:'peer-left', id}                someone left your room or disconnected
 * {type:'offer'|'answer', from, sdp}    relayed, `from` is the sender's id
 * {type:'candidate', from, candidate}
 * {type:'bye', from}
 * {type:'message', from, data}
 * {type:'error', code, message}         the message was refused; the connection stays up
 * ```
 * Error codes are `SignalingErrorCode`. Limits (message size, rooms, peers per room,
 * messages per second) are `SignalingLimits`.
 */
import { ParseError } from '../common/errors.js';

/** Longest room id, in UTF-16 code units. */
export const MAX_ROOM_ID_LENGTH = 128;
/** Longest display name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 64;
/** Longest peer id a client may name in `to` (ids the server hands out are shorter). */
export const MAX_PEER_ID_LENGTH = 64;
/** Longest SDP mid (RFC 8843 section 15: a short token; Chrome uses "0", "1", ...). */
export const MAX_MID_LENGTH = 64;
/** Deepest nesting of arrays/objects in a `message` payload (JSON.stringify recurses). */
export const MAX_DATA_DEPTH = 32;

export const SignalingErrorCode = {
  /** Not valid UTF-8 or not JSON. */
  BadJson: 'bad-json',
  /** JSON, but not a message this protocol knows, or a field of the wrong shape. */
  BadMessage: 'bad-message',
  /** Larger than `limits.maxMessageBytes`. */
  TooLarge: 'too-large',
  /** More than the token bucket allows; the message was dropped. */
  RateLimited: 'rate-limited',
  /** `join` while already in a room. */
  AlreadyJoined: 'already-joined',
  /** Relay or `leave` before `join`. */
  NotInRoom: 'not-in-room',
  /** `to` names no peer of this room. */
  UnknownPeer: 'unknown-peer',
  /** The room holds `limits.maxPeersPerRoom` peers. */
  RoomFull: 'room-full',
  /** The server holds `limits.maxRooms` rooms and this one is new. */
  TooManyRooms: 'too-many-rooms',
} as const;
export type SignalingErrorCode = (typeof SignalingErrorCode)[keyof typeof SignalingErrorCode];

/** Any JSON value (what `message.data` carries). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** RTCIceCandidateInit as it crosses the wire. */
export interface CandidateInit {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

export type ClientMessage =
  | { readonly type: 'join'; readonly room: string; readonly name?: string }
  | { readonly type: 'leave' }
  | { readonly type: 'offer' | 'answer'; readonly to?: string; readonly sdp: string }
  | { readonly type: 'candidate'; readonly to?: string; readonly candidate: CandidateInit | null }
  | { readonly type: 'bye'; readonly to?: string }
  | { readonly type: 'message'; readonly to?: string; readonly data: JsonValue };

/** The relayable client messages (everything but join and leave). */
export type RelayMessage = Extract<ClientMessage, { readonly type: 'offer' | 'answer' | 'candidate' | 'bye' | 'message' }>;

export interface PeerInfo {
  readonly id: string;
  readonly name?: string;
}

export type ServerMessage =
  | { readonly type: 'welcome'; readonly id: string }
  | { readonly type: 'joined'; readonly room: string; readonly id: string; readonly peers: readonly PeerInfo[] }
  | { readonly type: 'left'; readonly room: string }
  | { readonly type: 'peer-joined'; readonly id: string; readonly name?: string }
  | { readonly type: 'peer-left'; readonly id: string }
  | { readonly type: 'offer' | 'answer'; readonly from: string; readonly sdp: string }
  | { readonly type: 'candidate'; readonly from: string; readonly candidate: CandidateInit | null }
  | { readonly type: 'bye'; readonly from: string }
  | { readonly type: 'message'; readonly from: string; readonly data: JsonValue }
  | { readonly type: 'error'; readonly code: SignalingErrorCode; readonly message: string };

// ---------------------------------------------------------------------------------------
// Field checks

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new ParseError(message);
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Control characters (C0, DEL, C1) are refused in ids and names: they end up in logs. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function str(o: Obj, key: string, max: number, opts: { empty?: boolean } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`'${key}' must be a string`);
  if (v.length > max) fail(`'${key}' is longer than ${max}`);
  if (v.length === 0 && opts.empty !== true) fail(`'${key}' must not be empty`);
  return v;
}

function label(o: Obj, key: string, max: number): string {
  const v = str(o, key, max);
  if (CONTROL.test(v)) fail(`'${key}' must not contain control characters`);
  return v;
}

function optionalLabel(o: Obj, key: string, max: number): string | undefined {
  return o[key] === undefined ? undefined : label(o, key, max);
}

function optionalNullableString(o: Obj, key: string, max: number): string | null | undefined {
  const v = o[key];
  if (v === undefined || v === null) return v;
  return str(o, key, max, { empty: true });
}

/** Checks `v` is JSON data no deeper than MAX_DATA_DEPTH, without recursing. */
function checkData(v: unknown): JsonValue {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [unknown, number];
    if (x === null || typeof x === 'string' || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) fail("'data' numbers must be finite");
      continue;
    }
    if (typeof x !== 'object') fail("'data' must be JSON");
    if (depth >= MAX_DATA_DEPTH) fail(`'data' is nested deeper than ${MAX_DATA_DEPTH}`);
    for (const child of Array.isArray(x) ? x : Object.values(x as Obj)) stack.push([child, depth + 1]);
  }
  return v as JsonValue;
}

/** RFC 8838 section 8 / W3C RTCIceCandidateInit: `candidate` is the a=candidate value (or ''). */
export function checkCandidate(v: unknown): CandidateInit | null {
  if (v === null) return null;
  if (!isObject(v)) fail("'candidate' must be an object or null");
  // The SDP attribute value: bounded by the message size; '' is allowed (end of candidates
  // for one generation in the W3C API).
  const candidate = str(v, 'candidate', Number.MAX_SAFE_INTEGER, { empty: true });
  const sdpMid = optionalNullableString(v, 'sdpMid', MAX_MID_LENGTH);
  const idx = v['sdpMLineIndex'];
  if (idx !== undefined && idx !== null && !(Number.isInteger(idx) && (idx as number) >= 0 && (idx as number) <= 0xffff)) {
    fail("'sdpMLineIndex' must be an integer 0..65535 or null");
  }
  const usernameFragment = optionalNullableString(v, 'usernameFragment', 256);
  return {
    candidate,
    ...(sdpMid === undefined ? {} : { sdpMid }),
    ...(idx === undefined ? {} : { sdpMLineIndex: idx as number | null }),
    ...(usernameFragment === undefined ? {} : { usernameFragment }),
  };
}

function withTo<T extends object>(o: Obj, m: T): T & { to?: string } {
  const to = optionalLabel(o, 'to', MAX_PEER_ID_LENGTH);
  return to === undefined ? m : { ...m, to };
}

/**
 * Checks a decoded JSON value against the client message schema. Throws `ParseError`
 * (only) when it does not fit; the result holds only the known fields.
 */
export function checkClientMessage(v: unknown): ClientMessage {
  if (!isObject(v)) fail('a message must be a JSON object');
  const type = v['type'];
  switch (type) {
    case 'join': {
      const room = label(v, 'room', MAX_ROOM_ID_LENGTH);
      const name = optionalLabel(v, 'name', MAX_NAME_LENGTH);
      return name === undefined ? { type, room } : { type, room, name };
    }
    case 'leave':
      return { type };
    case 'offer':
    case 'answer':
      return withTo(v, { type, sdp: str(v, 'sdp', Number.MAX_SAFE_INTEGER) });
    case 'candidate':
      if (!('candidate' in v)) fail("'candidate' is required (null ends the candidates)");
      return withTo(v, { type, candidate: checkCandidate(v['candidate']) });
    case 'bye':
      return withTo(v, { type });
    case 'message':
      if (!('data' in v)) fail("'data' is required");
      return withTo(v, { type, data: checkData(v['data']) });
    default:
      return fail(typeof type === 'string' ? `unknown message type '${type.slice(0, 32)}'` : "'type' must be a string");
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 text frames (or bytes) to a string; throws `ParseError` on bad UTF-8. */
export function decodeText(data: string | Uint8Array): string {
  if (typeof data === 'string') return data;
  try {
    return utf8.decode(data);
  } catch (err) {
    throw new ParseError('not valid UTF-8', { cause: err });
  }
}

/** JSON.parse that throws `ParseError`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ParseError('not JSON', { cause: err });
  }
}

/** Parses one client frame. Throws only `ParseError`. */
export function parseClientMessage(data: string | Uint8Array): ClientMessage {
  return checkClientMessage(parseJson(decodeText(data)));
}

/** Serializes a client message (what the Node and browser clients send). */
export function serializeClientMessage(m: ClientMessage): string {
  return JSON.stringify(m);
}

/** Serializes a server message. */
export function serializeServerMessage(m: ServerMessage): string {
  return JSON.stringify(m);
}

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(SignalingErrorCode));

function withFrom<T extends object>(o: Obj, m: T): T & { from: string } {
  return { ...m, from: label(o, 'from', MAX_PEER_ID_LENGTH) };
}

/**
 * Checks a decoded JSON value against the server message schema (the client side's
 * check of what it receives). Throws only `ParseError`.
 */
export function checkServerMessage(v: unknown): ServerMessage {
  if (!isObject(v)) fail('a message must be a JSON object');
  const type = v['type'];
  switch (type) {
    case 'welcome':
      return { type, id: label(v, 'id', MAX_PEER_ID_LENGTH) };
    case 'joined': {
      const peersRaw = v['peers'];
      if (!Array.isArray(peersRaw)) fail("'peers' must be an array");
      const peers = peersRaw.map((p: unknown): PeerInfo => {
        if (!isObject(p)) fail("'peers' entries must be objects");
        const name = optionalLabel(p, 'name', MAX_NAME_LENGTH);
        const id = label(p, 'id', MAX_PEER_ID_LENGTH);
        return name === undefined ? { id } : { id, name };
      });
      return { type, room: label(v, 'room', MAX_ROOM_ID_LENGTH), id: label(v, 'id', MAX_PEER_ID_LENGTH), peers };
    }
    case 'left':
      return { type, room: label(v, 'room', MAX_ROOM_ID_LENGTH) };
    case 'peer-joined': {
      const name = optionalLabel(v, 'name', MAX_NAME_LENGTH);
      const id = label(v, 'id', MAX_PEER_ID_LENGTH);
      return name === undefined ? { type, id } : { type, id, name };
    }
    case 'peer-left':
      return { type, id: label(v, 'id', MAX_PEER_ID_LENGTH) };
    case 'offer':
    case 'answer':
      return withFrom(v, { type, sdp: str(v, 'sdp', Number.MAX_SAFE_INTEGER) });
    case 'candidate':
      if (!('candidate' in v)) fail("'candidate' is required");
      return withFrom(v, { type, candidate: checkCandidate(v['candidate']) });
    case 'bye':
      return withFrom(v, { type });
    case 'message':
      if (!('data' in v)) fail("'data' is required");
      return withFrom(v, { type, data: checkData(v['data']) });
    case 'error': {
      const code = str(v, 'code', 64);
      if (!ERROR_CODES.has(code)) fail(`unknown error code '${code.slice(0, 32)}'`);
      return { type, code: code as SignalingErrorCode, message: str(v, 'message', 1024, { empty: true }) };
    }
    default:
      return fail(typeof type === 'string' ? `unknown message type '${type.slice(0, 32)}'` : "'type' must be a string");
  }
}

/** Parses one server frame. Throws only `ParseError`. */
export function parseServerMessage(data: string | Uint8Array): ServerMessage {
  return checkServerMessage(parseJson(decodeText(data)));
}
