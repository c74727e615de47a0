/**
 * @module stun/message
 * The STUN message (RFC 8489 section 5): 20-byte header, attributes in order, and the
 * three trailing integrity attributes computed and checked here: MESSAGE-INTEGRITY
 * (14.5, HMAC-SHA1), MESSAGE-INTEGRITY-SHA256 (14.6) and FINGERPRINT (14.7, CRC-32 XOR
 * 0x5354554e). Decoding keeps a view of the datagram so integrity checks hash it in
 * place, with the header length adjusted as 14.5 says, without copying the message.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Magic Cookie                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Transaction ID (96 bits)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *               RFC 8489 Figure 2: Format of STUN Message Header
 *
 *   0                 1
 *   2  3  4 5 6 7 8 9 0 1 2 3 4 5
 *  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
 *  |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
 *  +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
 *         RFC 8489 Figure 3: Format of STUN Message Type Field
 * ```
 */
import { Writer, constantTimeEqual } from '../common/bytes.js';
import { crc32 } from '../common/crc32.js';
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { keyedHmac } from '../crypto/hmac-sha1.js';
import { attributeCode, parseAttribute, writeAttributeValue } from './attributes.js';
import type { AttributeOf, StunAttribute, StunAttributeName } from './attributes.js';
import { AttributeType, FINGERPRINT_XOR, HEADER_BYTES, MAGIC_COOKIE, StunClass, TRANSACTION_ID_BYTES } from './constants.js';

/**
 * The most attributes one message may carry. Bounded by the datagram size anyway
 * (4 bytes each); named so memory per message has a stated ceiling.
 */
export const MAX_ATTRIBUTES = 256;

export interface StunMessage {
  readonly class: StunClass;
  /** 12-bit method number (StunMethod). */
  readonly method: number;
  /** 12 bytes. */
  readonly transactionId: Uint8Array;
  /** In wire order. */
  readonly attributes: readonly StunAttribute[];
}

/** A message decoded from bytes; `raw` views the input, which must not be reused. */
export interface DecodedStunMessage extends StunMessage {
  readonly raw: Uint8Array;
  /** Byte offset of each attribute's header in `raw`, parallel to `attributes`. */
  readonly attributeOffsets: readonly number[];
  /**
   * Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and
   * FINGERPRINT (and after MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT) are not
   * authenticated and are dropped, as RFC 8489 14.5/14.6 require; this counts them.
   */
  readonly ignoredAfterIntegrity: number;
}

// Hoisted wire codes used in the decode loop.
const MI_CODE = AttributeType.MESSAGE_INTEGRITY;
const MI256_CODE = AttributeType.MESSAGE_INTEGRITY_SHA256;
const FP_CODE = AttributeType.FINGERPRINT;

const CLASS_BITS: Readonly<Record<StunClass, number>> = {
  request: 0x000,
  indication: 0x010,
  success: 0x100,
  error: 0x110,
};
const CLASSES: readonly StunClass[] = [StunClass.Request, StunClass.Indication, StunClass.SuccessResponse, StunClass.ErrorResponse];

/** The 14-bit message type field for a class and method (RFC 8489 5, Figure 3). */
export function messageType(cls: StunClass, method: number): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | CLASS_BITS[cls];
}

function splitType(type: number): { cls: StunClass; method: number } {
  const c = ((type >> 4) & 1) | ((type >> 7) & 2);
  const method = (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80);
  return { cls: CLASSES[c] as StunClass, method };
}

/** RFC 7983 / RFC 8489 5: two zero bits, magic cookie, length a multiple of 4 that fits. */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES || ((bytes[0] as number) & 0xc0) !== 0) return false;
  if (bytes[4] !== 0x21 || bytes[5] !== 0x12 || bytes[6] !== 0xa4 || bytes[7] !== 0x42) return false;
  const len = ((bytes[2] as number) << 8) | (bytes[3] as number);
  return len % 4 === 0 && len + HEADER_BYTES === bytes.length;
}

/**
 * Decodes one STUN message. Throws only ParseError. The result (and its byte-valued
 * attributes) views `bytes`.
 */
export function decodeStunMessage(input: Uint8Array): DecodedStunMessage {
  // Plain Uint8Array views: subarray() of a node Buffer builds a Buffer, which costs more.
  const bytes = Object.getPrototypeOf(input) === Uint8Array.prototype ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < HEADER_BYTES) throw new ParseError(`STUN: ${bytes.length} bytes, shorter than the header`);
  const b0 = bytes[0] as number;
  if ((b0 & 0xc0) !== 0) throw new ParseError('STUN: first two bits not zero', { offset: 0 });
  const type = (b0 << 8) | (bytes[1] as number);
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (bytes[4] !== 0x21 || bytes[5] !== 0x12 || bytes[6] !== 0xa4 || bytes[7] !== 0x42) {
    throw new ParseError('STUN: bad magic cookie', { offset: 4 });
  }
  if (length % 4 !== 0) throw new ParseError(`STUN: length ${length} not a multiple of 4`, { offset: 2 });
  if (length + HEADER_BYTES !== bytes.length) {
    throw new ParseError(`STUN: length field ${length} but ${bytes.length - HEADER_BYTES} bytes follow the header`, { offset: 2 });
  }
  const transactionId = bytes.subarray(8, HEADER_BYTES);
  const attributes: StunAttribute[] = [];
  const attributeOffsets: number[] = [];
  let at = HEADER_BYTES;
  let ignored = 0;
  // 0: none seen, 1: after MESSAGE-INTEGRITY, 2: after MESSAGE-INTEGRITY-SHA256.
  let integrity = 0;
  let fingerprintSeen = false;
  while (at < bytes.length) {
    if (fingerprintSeen) throw new ParseError('STUN: attribute after FINGERPRINT', { offset: at });
    if (at + 4 > bytes.length) throw new ParseError('STUN: truncated attribute header', { offset: at });
    const code = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    const len = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
    const end = at + 4 + len;
    if (end > bytes.length) throw new ParseError(`STUN: attribute 0x${code.toString(16)} overruns the message`, { offset: at });
    const next = end + ((4 - (len % 4)) % 4);
    if (next > bytes.length) throw new ParseError('STUN: attribute padding overruns the message', { offset: end });
    const allowed =
      integrity === 0 ||
      code === FP_CODE ||
      (integrity === 1 && code === MI256_CODE);
    if (!allowed) {
      ignored++;
    } else {
      if (attributes.length >= MAX_ATTRIBUTES) throw new ParseError(`STUN: more than ${MAX_ATTRIBUTES} attributes`, { offset: at });
      let attr: StunAttribute;
      try {
        attr = parseAttribute(code, bytes.subarray(at + 4, end), transactionId);
      } catch (err) {
        if (err instanceof ParseError) throw new ParseError(`STUN: ${err.message}`, { offset: at, cause: err });
        throw err;
      }
      attributes.push(attr);
      attributeOffsets.push(at);
      if (code === MI_CODE && integrity === 0) integrity = 1;
      else if (code === MI256_CODE) integrity = 2;
      else if (code === FP_CODE) fingerprintSeen = true;
    }
    at = next;
  }
  const { cls, method } = splitType(type);
  return { class: cls, method, transactionId, attributes, raw: bytes, attributeOffsets, ignoredAfterIntegrity: ignored };
}

export interface EncodeOptions {
  /** Key for MESSAGE-INTEGRITY (HMAC-SHA1): computed in place, or appended when absent. */
  readonly integrityKey?: Uint8Array;
  /** Key for MESSAGE-INTEGRITY-SHA256: computed in place (keeping a truncated length), or appended. */
  readonly integritySha256Key?: Uint8Array;
  /** Compute FINGERPRINT in place, or append it when absent. */
  readonly fingerprint?: boolean;
  /** Value of padding bytes (RFC 8489 14: any value; zero by default). */
  readonly paddingByte?: number;
}

/**
 * Encodes a message (throws InvalidArgumentError for values that cannot be encoded:
 * a bad address text, a value or message over 65535 bytes). MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT found
 * in `attributes` are written as stored unless the matching option asks to compute
 * them; options for attributes not present append them in RFC order (MI, MI-SHA256,
 * FINGERPRINT).
 */
export function encodeStunMessage(msg: StunMessage, options: EncodeOptions = {}): Uint8Array {
  if (msg.transactionId.length !== TRANSACTION_ID_BYTES) {
    throw new InvalidArgumentError(`STUN: transaction id of ${msg.transactionId.length} bytes`);
  }
  if (!Number.isInteger(msg.method) || msg.method < 0 || msg.method > 0xfff) throw new InvalidArgumentError(`STUN: method ${msg.method} out of range`);
  const w = new Writer(HEADER_BYTES + 32 * msg.attributes.length + 64);
  w.u16(messageType(msg.class, msg.method));
  w.u16(0);
  w.u32(MAGIC_COOKIE);
  w.bytes(msg.transactionId);
  const pad = options.paddingByte ?? 0;
  let hasMi = false;
  let hasMi256 = false;
  let hasFp = false;
  const writeOne = (attr: StunAttribute): void => {
    const start = w.length;
    w.u16(attributeCode(attr));
    w.u16(0);
    if (attr.type === 'MESSAGE-INTEGRITY' && options.integrityKey) {
      hasMi = true;
      w.setU16(2, start + 24 - HEADER_BYTES);
      w.bytes(keyedHmac('sha1', options.integrityKey).mac(w.written().subarray(0, start)));
    } else if (attr.type === 'MESSAGE-INTEGRITY-SHA256' && options.integritySha256Key) {
      hasMi256 = true;
      const n = attr.value.length;
      w.setU16(2, start + 4 + n - HEADER_BYTES);
      w.bytes(keyedHmac('sha256', options.integritySha256Key).mac(w.written().subarray(0, start)).subarray(0, n));
    } else if (attr.type === 'FINGERPRINT' && options.fingerprint) {
      hasFp = true;
      w.setU16(2, start + 8 - HEADER_BYTES);
      w.u32((crc32(w.written().subarray(0, start)) ^ FINGERPRINT_XOR) >>> 0);
    } else {
      if (attr.type === 'MESSAGE-INTEGRITY') hasMi = true;
      else if (attr.type === 'MESSAGE-INTEGRITY-SHA256') hasMi256 = true;
      else if (attr.type === 'FINGERPRINT') hasFp = true;
      writeAttributeValue(w, attr, msg.transactionId);
    }
    const len = w.length - start - 4;
    if (len > 0xffff) throw new InvalidArgumentError(`STUN: attribute ${attr.type} value of ${len} bytes`);
    w.setU16(start + 2, len);
    const padLen = (4 - (len % 4)) % 4;
    for (let i = 0; i < padLen; i++) w.u8(pad);
  };
  for (const attr of msg.attributes) writeOne(attr);
  if (options.integrityKey && !hasMi) writeOne({ type: 'MESSAGE-INTEGRITY', value: new Uint8Array(20) });
  if (options.integritySha256Key && !hasMi256) writeOne({ type: 'MESSAGE-INTEGRITY-SHA256', value: new Uint8Array(32) });
  if (options.fingerprint && !hasFp) writeOne({ type: 'FINGERPRINT', value: 0 });
  const total = w.length - HEADER_BYTES;
  if (total > 0xffff) throw new InvalidArgumentError(`STUN: message body of ${total} bytes`);
  w.setU16(2, total);
  return w.finish();
}

/** The first attribute named `type`, or undefined. */
export function getAttribute<N extends StunAttributeName>(msg: StunMessage, type: N): AttributeOf<N> | undefined {
  for (const a of msg.attributes) if (a.type === type) return a as AttributeOf<N>;
  return undefined;
}

function indexOf(msg: DecodedStunMessage, type: StunAttributeName): number {
  for (let i = 0; i < msg.attributes.length; i++) if ((msg.attributes[i] as StunAttribute).type === type) return i;
  return -1;
}

/** HMAC over raw[0..offset) with the header length pointing at offset + 4 + valueLength. */
function macOver(msg: DecodedStunMessage, offset: number, valueLength: number, algorithm: 'sha1' | 'sha256', key: Uint8Array): Uint8Array {
  // A fresh copy: `raw` may be a node Buffer, whose slice() is a view, not a copy.
  const header = new Uint8Array(HEADER_BYTES);
  header.set(msg.raw.subarray(0, HEADER_BYTES));
  const adjusted = offset + 4 + valueLength - HEADER_BYTES;
  header[2] = adjusted >> 8;
  header[3] = adjusted & 0xff;
  return keyedHmac(algorithm, key).mac(header, msg.raw.subarray(HEADER_BYTES, offset));
}

/** True when MESSAGE-INTEGRITY is present and matches `key` (RFC 8489 14.5; constant-time compare). */
export function verifyMessageIntegrity(msg: DecodedStunMessage, key: Uint8Array): boolean {
  const i = indexOf(msg, 'MESSAGE-INTEGRITY');
  if (i < 0) return false;
  const attr = msg.attributes[i] as AttributeOf<'MESSAGE-INTEGRITY'>;
  return constantTimeEqual(macOver(msg, msg.attributeOffsets[i] as number, 20, 'sha1', key), attr.value);
}

/** True when MESSAGE-INTEGRITY-SHA256 is present and its (possibly truncated) value matches (RFC 8489 14.6). */
export function verifyMessageIntegritySha256(msg: DecodedStunMessage, key: Uint8Array): boolean {
  const i = indexOf(msg, 'MESSAGE-INTEGRITY-SHA256');
  if (i < 0) return false;
  const attr = msg.attributes[i] as AttributeOf<'MESSAGE-INTEGRITY-SHA256'>;
  const n = attr.value.length;
  return constantTimeEqual(macOver(msg, msg.attributeOffsets[i] as number, n, 'sha256', key).subarray(0, n), attr.value);
}

/** True when FINGERPRINT is present (last, as the decoder enforces) and correct (RFC 8489 14.7). */
export function verifyFingerprint(msg: DecodedStunMessage): boolean {
  const i = indexOf(msg, 'FINGERPRINT');
  if (i < 0) return false;
  const offset = msg.attributeOffsets[i] as number;
  if (offset + 8 !== msg.raw.length) return false;
  const attr = msg.attributes[i] as AttributeOf<'FINGERPRINT'>;
  return ((crc32(msg.raw.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0) === attr.value;
}

/** Transaction id as a map key (24 hex digits). */
export function transactionKey(transactionId: Uint8Array): string {
  let s = '';
  for (let i = 0; i < transactionId.length; i++) s += ((transactionId[i] as number) | 0x100).toString(16).slice(1);
  return s;
}
