/**
 * @module stun/attributes
 * STUN attribute values, parsed and serialized side by side: RFC 8489 section 14
 * (MAPPED-ADDRESS, XOR-MAPPED-ADDRESS, USERNAME, USERHASH, MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256, FINGERPRINT, ERROR-CODE, REALM, NONCE, PASSWORD-ALGORITHMS,
 * PASSWORD-ALGORITHM, UNKNOWN-ATTRIBUTES, SOFTWARE, ALTERNATE-SERVER), RFC 8445 section
 * 16.1 (PRIORITY, USE-CANDIDATE, ICE-CONTROLLED, ICE-CONTROLLING), RFC 8656 section 18
 * (CHANNEL-NUMBER, LIFETIME, XOR-PEER-ADDRESS, DATA, XOR-RELAYED-ADDRESS,
 * REQUESTED-ADDRESS-FAMILY, EVEN-PORT, REQUESTED-TRANSPORT, DONT-FRAGMENT,
 * RESERVATION-TOKEN, ADDITIONAL-ADDRESS-FAMILY, ADDRESS-ERROR-CODE), RFC 6062 6.2
 * (CONNECTION-ID) and Chrome's GOOG-NETWORK-INFO (0xC057: network id u16, network cost
 * u16, as libwebrtc's `STUN_ATTR_GOOG_NETWORK_INFO`). Anything else is kept as
 * `{ type: 'unknown', code, raw }`.
 *
 * Byte values are views into the decoded datagram (no copies).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Type                  |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Value (variable)                ....
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                RFC 8489 Figure 4: Format of STUN Attributes
 * ```
 */
import type { Writer } from '../common/bytes.js';
import { Reader } from '../common/bytes.js';
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { AddressFamily, AttributeType, MAGIC_COOKIE } from './constants.js';
import { formatIp, parseIp } from './ip.js';
import type { IpFamily } from './ip.js';

export interface StunAddress {
  readonly family: IpFamily;
  readonly address: string;
  readonly port: number;
}

type AddressAttr<T extends string> = { readonly type: T } & StunAddress;
type TextAttr<T extends string> = { readonly type: T; readonly value: string };
type BytesAttr<T extends string> = { readonly type: T; readonly value: Uint8Array };
type U32Attr<T extends string> = { readonly type: T; readonly value: number };
type FlagAttr<T extends string> = { readonly type: T };

export interface PasswordAlgorithmEntry {
  readonly algorithm: number;
  readonly parameters: Uint8Array;
}

export type StunAttribute =
  | AddressAttr<'MAPPED-ADDRESS'>
  | AddressAttr<'XOR-MAPPED-ADDRESS'>
  | AddressAttr<'XOR-PEER-ADDRESS'>
  | AddressAttr<'XOR-RELAYED-ADDRESS'>
  | AddressAttr<'ALTERNATE-SERVER'>
  | TextAttr<'USERNAME'>
  | TextAttr<'REALM'>
  | TextAttr<'NONCE'>
  | TextAttr<'SOFTWARE'>
  | BytesAttr<'USERHASH'>
  | BytesAttr<'MESSAGE-INTEGRITY'>
  | BytesAttr<'MESSAGE-INTEGRITY-SHA256'>
  | BytesAttr<'DATA'>
  | BytesAttr<'RESERVATION-TOKEN'>
  | U32Attr<'FINGERPRINT'>
  | U32Attr<'PRIORITY'>
  | U32Attr<'LIFETIME'>
  | U32Attr<'CONNECTION-ID'>
  | FlagAttr<'USE-CANDIDATE'>
  | FlagAttr<'DONT-FRAGMENT'>
  | { readonly type: 'ICE-CONTROLLED'; readonly tieBreaker: bigint }
  | { readonly type: 'ICE-CONTROLLING'; readonly tieBreaker: bigint }
  | { readonly type: 'ERROR-CODE'; readonly code: number; readonly reason: string }
  | { readonly type: 'UNKNOWN-ATTRIBUTES'; readonly types: readonly number[] }
  | { readonly type: 'PASSWORD-ALGORITHMS'; readonly algorithms: readonly PasswordAlgorithmEntry[] }
  | ({ readonly type: 'PASSWORD-ALGORITHM' } & PasswordAlgorithmEntry)
  | { readonly type: 'CHANNEL-NUMBER'; readonly channel: number }
  /** `family` is the wire number (AddressFamily), kept raw so a server can answer 440. */
  | { readonly type: 'REQUESTED-ADDRESS-FAMILY'; readonly family: number }
  | { readonly type: 'ADDITIONAL-ADDRESS-FAMILY'; readonly family: number }
  | { readonly type: 'REQUESTED-TRANSPORT'; readonly protocol: number }
  | { readonly type: 'EVEN-PORT'; readonly reserve: boolean }
  | { readonly type: 'ADDRESS-ERROR-CODE'; readonly family: number; readonly code: number; readonly reason: string }
  | { readonly type: 'GOOG-NETWORK-INFO'; readonly networkId: number; readonly networkCost: number }
  | { readonly type: 'unknown'; readonly code: number; readonly raw: Uint8Array };

export type StunAttributeName = StunAttribute['type'];
/** The attribute of a given `type` name. */
export type AttributeOf<N extends StunAttributeName> = Extract<StunAttribute, { type: N }>;

/** Wire code of each named attribute. */
export const ATTRIBUTE_CODES: Readonly<Record<Exclude<StunAttributeName, 'unknown'>, number>> = {
  'MAPPED-ADDRESS': AttributeType.MAPPED_ADDRESS,
  'XOR-MAPPED-ADDRESS': AttributeType.XOR_MAPPED_ADDRESS,
  'XOR-PEER-ADDRESS': AttributeType.XOR_PEER_ADDRESS,
  'XOR-RELAYED-ADDRESS': AttributeType.XOR_RELAYED_ADDRESS,
  'ALTERNATE-SERVER': AttributeType.ALTERNATE_SERVER,
  USERNAME: AttributeType.USERNAME,
  REALM: AttributeType.REALM,
  NONCE: AttributeType.NONCE,
  SOFTWARE: AttributeType.SOFTWARE,
  USERHASH: AttributeType.USERHASH,
  'MESSAGE-INTEGRITY': AttributeType.MESSAGE_INTEGRITY,
  'MESSAGE-INTEGRITY-SHA256': AttributeType.MESSAGE_INTEGRITY_SHA256,
  DATA: AttributeType.DATA,
  'RESERVATION-TOKEN': AttributeType.RESERVATION_TOKEN,
  FINGERPRINT: AttributeType.FINGERPRINT,
  PRIORITY: AttributeType.PRIORITY,
  LIFETIME: AttributeType.LIFETIME,
  'CONNECTION-ID': AttributeType.CONNECTION_ID,
  'USE-CANDIDATE': AttributeType.USE_CANDIDATE,
  'DONT-FRAGMENT': AttributeType.DONT_FRAGMENT,
  'ICE-CONTROLLED': AttributeType.ICE_CONTROLLED,
  'ICE-CONTROLLING': AttributeType.ICE_CONTROLLING,
  'ERROR-CODE': AttributeType.ERROR_CODE,
  'UNKNOWN-ATTRIBUTES': AttributeType.UNKNOWN_ATTRIBUTES,
  'PASSWORD-ALGORITHMS': AttributeType.PASSWORD_ALGORITHMS,
  'PASSWORD-ALGORITHM': AttributeType.PASSWORD_ALGORITHM,
  'CHANNEL-NUMBER': AttributeType.CHANNEL_NUMBER,
  'REQUESTED-ADDRESS-FAMILY': AttributeType.REQUESTED_ADDRESS_FAMILY,
  'ADDITIONAL-ADDRESS-FAMILY': AttributeType.ADDITIONAL_ADDRESS_FAMILY,
  'REQUESTED-TRANSPORT': AttributeType.REQUESTED_TRANSPORT,
  'EVEN-PORT': AttributeType.EVEN_PORT,
  'ADDRESS-ERROR-CODE': AttributeType.ADDRESS_ERROR_CODE,
  'GOOG-NETWORK-INFO': AttributeType.GOOG_NETWORK_INFO,
};

const NAMES = new Map<number, Exclude<StunAttributeName, 'unknown'>>();
for (const [name, code] of Object.entries(ATTRIBUTE_CODES)) NAMES.set(code, name as Exclude<StunAttributeName, 'unknown'>);

/** The name we parse `code` as, or undefined when it is kept raw. */
export function attributeName(code: number): Exclude<StunAttributeName, 'unknown'> | undefined {
  return NAMES.get(code);
}

/** Wire type code of an attribute. */
export function attributeCode(attr: StunAttribute): number {
  return attr.type === 'unknown' ? attr.code : ATTRIBUTE_CODES[attr.type];
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function text(value: Uint8Array, what: string): string {
  // ASCII fast path: most STUN text (ICE ufrags, nonces, realms) is ASCII.
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    if ((value[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, value as unknown as number[]);
  try {
    return utf8Decoder.decode(value);
  } catch (cause) {
    throw new ParseError(`${what}: invalid UTF-8`, { cause });
  }
}

function u32At(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
}

function fixedLength(value: Uint8Array, n: number, what: string): void {
  if (value.length !== n) throw new ParseError(`${what}: length ${value.length}, expected ${n}`);
}

/** RFC 8489 14.1 / 14.2: family, port and address, optionally XOR-ed (RFC 8489 14.2). */
function parseAddress(value: Uint8Array, xor: boolean, transactionId: Uint8Array, what: string): StunAddress {
  const r = new Reader(value);
  r.u8(what);
  const familyCode = r.u8(what);
  let port = r.u16(what);
  let n: number;
  if (familyCode === AddressFamily.IPv4) n = 4;
  else if (familyCode === AddressFamily.IPv6) n = 16;
  else throw new ParseError(`${what}: unknown address family ${familyCode}`);
  fixedLength(value, 4 + n, what);
  // A fresh array, not Reader.bytesCopy: on a node Buffer, slice() is a view and the XOR below would write into the datagram.
  const addr = new Uint8Array(n);
  addr.set(r.bytesView(n, what));
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16;
    xorAddress(addr, transactionId);
  }
  return { family: n === 4 ? 'IPv4' : 'IPv6', address: formatIp(addr), port };
}

function xorAddress(addr: Uint8Array, transactionId: Uint8Array): void {
  addr[0] = (addr[0] as number) ^ 0x21;
  addr[1] = (addr[1] as number) ^ 0x12;
  addr[2] = (addr[2] as number) ^ 0xa4;
  addr[3] = (addr[3] as number) ^ 0x42;
  for (let i = 4; i < addr.length; i++) addr[i] = (addr[i] as number) ^ (transactionId[i - 4] as number);
}

function writeAddress(w: Writer, a: StunAddress, xor: boolean, transactionId: Uint8Array): void {
  let addr: Uint8Array;
  try {
    addr = parseIp(a.address);
  } catch (cause) {
    throw new InvalidArgumentError(`${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if ((addr.length === 4) !== (a.family === 'IPv4')) throw new InvalidArgumentError(`address '${a.address}' is not ${a.family}`);
  if (xor) xorAddress(addr, transactionId);
  w.u8(0);
  w.u8(addr.length === 4 ? AddressFamily.IPv4 : AddressFamily.IPv6);
  w.u16(xor ? (a.port ^ (MAGIC_COOKIE >>> 16)) & 0xffff : a.port);
  w.bytes(addr);
}

/** ERROR-CODE and ADDRESS-ERROR-CODE: class (3 bits) * 100 + number (0..99) (RFC 8489 14.8). */
function parseErrorCode(r: Reader, what: string): { code: number; reason: string } {
  const cls = r.u8(what) & 0x07;
  const num = r.u8(what);
  if (num > 99) throw new ParseError(`${what}: number ${num} above 99`);
  return { code: cls * 100 + num, reason: text(r.rest(), what) };
}

function writeErrorCode(w: Writer, code: number, reason: string): void {
  if (!Number.isInteger(code) || code < 0 || code > 799) throw new InvalidArgumentError(`error code ${code} out of range`);
  w.u8(Math.floor(code / 100));
  w.u8(code % 100);
  w.bytes(utf8Encoder.encode(reason));
}

function parseAlgorithmEntries(r: Reader, what: string, max: number): PasswordAlgorithmEntry[] {
  const out: PasswordAlgorithmEntry[] = [];
  while (!r.done && out.length < max) {
    const algorithm = r.u16(what);
    const len = r.u16(what);
    const parameters = r.bytesView(len, what);
    r.skip((4 - (len % 4)) % 4, what);
    out.push({ algorithm, parameters });
  }
  if (!r.done) throw new ParseError(`${what}: trailing bytes`);
  return out;
}

function writeAlgorithmEntry(w: Writer, e: PasswordAlgorithmEntry): void {
  w.u16(e.algorithm);
  w.u16(e.parameters.length);
  w.bytes(e.parameters);
  w.zeros((4 - (e.parameters.length % 4)) % 4);
}

/**
 * Parses one attribute value (`value` is a view without padding). `transactionId` is
 * needed by the XOR address attributes. Throws only ParseError.
 */
export function parseAttribute(code: number, value: Uint8Array, transactionId: Uint8Array): StunAttribute {
  const type = NAMES.get(code);
  if (type === undefined) return { type: 'unknown', code, raw: value };
  switch (type) {
    case 'MAPPED-ADDRESS':
    case 'ALTERNATE-SERVER':
      return { type, ...parseAddress(value, false, transactionId, type) };
    case 'XOR-MAPPED-ADDRESS':
    case 'XOR-PEER-ADDRESS':
    case 'XOR-RELAYED-ADDRESS':
      return { type, ...parseAddress(value, true, transactionId, type) };
    case 'USERNAME':
    case 'REALM':
    case 'NONCE':
    case 'SOFTWARE':
      return { type, value: text(value, type) };
    case 'USERHASH':
      fixedLength(value, 32, type);
      return { type, value };
    case 'MESSAGE-INTEGRITY':
      fixedLength(value, 20, type);
      return { type, value };
    case 'MESSAGE-INTEGRITY-SHA256':
      // RFC 8489 14.6: at least 16 bytes, at most 32, a multiple of 4.
      if (value.length < 16 || value.length > 32 || value.length % 4 !== 0) {
        throw new ParseError(`${type}: bad length ${value.length}`);
      }
      return { type, value };
    case 'DATA':
      return { type, value };
    case 'RESERVATION-TOKEN':
      fixedLength(value, 8, type);
      return { type, value };
    case 'FINGERPRINT':
    case 'PRIORITY':
    case 'LIFETIME':
    case 'CONNECTION-ID':
      fixedLength(value, 4, type);
      return { type, value: u32At(value, 0) };
    case 'USE-CANDIDATE':
    case 'DONT-FRAGMENT':
      fixedLength(value, 0, type);
      return { type };
    case 'ICE-CONTROLLED':
    case 'ICE-CONTROLLING':
      fixedLength(value, 8, type);
      return { type, tieBreaker: (BigInt(u32At(value, 0)) << 32n) | BigInt(u32At(value, 4)) };
    case 'ERROR-CODE': {
      const r = new Reader(value);
      r.u16(type);
      return { type, ...parseErrorCode(r, type) };
    }
    case 'ADDRESS-ERROR-CODE': {
      const r = new Reader(value);
      const family = r.u8(type);
      r.u8(type);
      return { type, family, ...parseErrorCode(r, type) };
    }
    case 'UNKNOWN-ATTRIBUTES': {
      if (value.length % 2 !== 0) throw new ParseError(`${type}: odd length ${value.length}`);
      const r = new Reader(value);
      const types: number[] = [];
      while (!r.done) types.push(r.u16(type));
      return { type, types };
    }
    case 'PASSWORD-ALGORITHMS':
      return { type, algorithms: parseAlgorithmEntries(new Reader(value), type, Number.MAX_SAFE_INTEGER) };
    case 'PASSWORD-ALGORITHM': {
      const entries = parseAlgorithmEntries(new Reader(value), type, 1);
      const e = entries[0];
      if (!e) throw new ParseError(`${type}: empty`);
      return { type, algorithm: e.algorithm, parameters: e.parameters };
    }
    case 'CHANNEL-NUMBER': {
      fixedLength(value, 4, type);
      return { type, channel: ((value[0] as number) << 8) | (value[1] as number) };
    }
    case 'REQUESTED-ADDRESS-FAMILY':
    case 'ADDITIONAL-ADDRESS-FAMILY':
      fixedLength(value, 4, type);
      return { type, family: value[0] as number };
    case 'REQUESTED-TRANSPORT':
      fixedLength(value, 4, type);
      return { type, protocol: value[0] as number };
    case 'EVEN-PORT':
      fixedLength(value, 1, type);
      return { type, reserve: ((value[0] as number) & 0x80) !== 0 };
    case 'GOOG-NETWORK-INFO': {
      fixedLength(value, 4, type);
      return { type, networkId: ((value[0] as number) << 8) | (value[1] as number), networkCost: ((value[2] as number) << 8) | (value[3] as number) };
    }
  }
}

function writeText(w: Writer, s: string): void {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    w.bytes(utf8Encoder.encode(s));
    return;
  }
  for (let i = 0; i < s.length; i++) w.u8(s.charCodeAt(i));
}

/** Writes the value (no header, no padding) of `attr`. */
export function writeAttributeValue(w: Writer, attr: StunAttribute, transactionId: Uint8Array): void {
  switch (attr.type) {
    case 'MAPPED-ADDRESS':
    case 'ALTERNATE-SERVER':
      writeAddress(w, attr, false, transactionId);
      return;
    case 'XOR-MAPPED-ADDRESS':
    case 'XOR-PEER-ADDRESS':
    case 'XOR-RELAYED-ADDRESS':
      writeAddress(w, attr, true, transactionId);
      return;
    case 'USERNAME':
    case 'REALM':
    case 'NONCE':
    case 'SOFTWARE':
      writeText(w, attr.value);
      return;
    case 'USERHASH':
    case 'MESSAGE-INTEGRITY':
    case 'MESSAGE-INTEGRITY-SHA256':
    case 'DATA':
    case 'RESERVATION-TOKEN':
      w.bytes(attr.value);
      return;
    case 'FINGERPRINT':
    case 'PRIORITY':
    case 'LIFETIME':
    case 'CONNECTION-ID':
      w.u32(attr.value);
      return;
    case 'USE-CANDIDATE':
    case 'DONT-FRAGMENT':
      return;
    case 'ICE-CONTROLLED':
    case 'ICE-CONTROLLING':
      w.u64(BigInt.asUintN(64, attr.tieBreaker));
      return;
    case 'ERROR-CODE':
      w.u16(0);
      writeErrorCode(w, attr.code, attr.reason);
      return;
    case 'ADDRESS-ERROR-CODE':
      w.u8(attr.family);
      w.u8(0);
      writeErrorCode(w, attr.code, attr.reason);
      return;
    case 'UNKNOWN-ATTRIBUTES':
      for (const t of attr.types) w.u16(t);
      return;
    case 'PASSWORD-ALGORITHMS':
      for (const e of attr.algorithms) writeAlgorithmEntry(w, e);
      return;
    case 'PASSWORD-ALGORITHM':
      writeAlgorithmEntry(w, attr);
      return;
    case 'CHANNEL-NUMBER':
      w.u16(attr.channel);
      w.u16(0);
      return;
    case 'REQUESTED-ADDRESS-FAMILY':
    case 'ADDITIONAL-ADDRESS-FAMILY':
      w.u8(attr.family);
      w.zeros(3);
      return;
    case 'REQUESTED-TRANSPORT':
      w.u8(attr.protocol);
      w.zeros(3);
      return;
    case 'EVEN-PORT':
      w.u8(attr.reserve ? 0x80 : 0);
      return;
    case 'GOOG-NETWORK-INFO':
      w.u16(attr.networkId);
      w.u16(attr.networkCost);
      return;
    case 'unknown':
      w.bytes(attr.raw);
      return;
  }
}
