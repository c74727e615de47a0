/**
 * @module ice/stun-binding
 * The view of STUN Binding messages the ICE agent works with (RFC 8445 7.1, 16.1;
 * RFC 8489 5, 14): USERNAME, PRIORITY, USE-CANDIDATE, ICE-CONTROLLING, ICE-CONTROLLED,
 * XOR-MAPPED-ADDRESS, ERROR-CODE, MESSAGE-INTEGRITY (HMAC-SHA1 with the short-term
 * password, RFC 8489 9.1) and FINGERPRINT (RFC 8489 14.7). The codec itself is
 * `src/stun` (message.ts); this file flattens a Binding message into the fields the
 * agent reads and builds the ones it sends.
 */
import { ParseError } from '../common/errors.js';
import {
  type DecodedStunMessage,
  type StunAttribute,
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  ipFamily,
  looksLikeStun,
  shortTermKey as stunShortTermKey,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../stun/index.js';

/** A transport address (IP text and UDP port). */
export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** STUN message class (RFC 8489 5). */
export type BindingClass = 'request' | 'indication' | 'success' | 'error';

/** The class, transaction ID and the attributes ICE reads and writes (RFC 8445 7.1, 16.1). */
export interface BindingAttributes {
  readonly cls: BindingClass;
  readonly transactionId: Uint8Array;
  readonly username?: string;
  readonly priority?: number;
  readonly useCandidate?: boolean;
  readonly iceControlling?: bigint;
  readonly iceControlled?: bigint;
  readonly xorMappedAddress?: TransportAddress;
  readonly errorCode?: { readonly code: number; readonly reason: string };
}

/** A decoded Binding message with the attributes ICE reads; others are skipped. */
export interface BindingMessage extends BindingAttributes {
  /** Offset of MESSAGE-INTEGRITY in the datagram, when present. */
  readonly integrityOffset?: number;
  /** Whether FINGERPRINT was present and correct (a wrong one makes the decode fail). */
  readonly fingerprint: boolean;
  /** The full decoded message (views the datagram). */
  readonly decoded: DecodedStunMessage;
}

/** Fields to encode. `integrityKey` adds MESSAGE-INTEGRITY; FINGERPRINT is always added. */
export interface BindingFields extends BindingAttributes {
  readonly integrityKey?: Uint8Array;
}

/** RFC 7983 / RFC 8489 5: first two bits zero, the magic cookie, a length that fits. */
export function isStun(data: Uint8Array): boolean {
  return looksLikeStun(data);
}

/** Serializes a Binding message (RFC 8489 5, 14) with FINGERPRINT. */
export function encodeBinding(f: BindingFields): Uint8Array {
  const attributes: StunAttribute[] = [];
  if (f.username !== undefined) attributes.push({ type: 'USERNAME', value: f.username });
  if (f.errorCode !== undefined) attributes.push({ type: 'ERROR-CODE', code: f.errorCode.code, reason: f.errorCode.reason });
  if (f.xorMappedAddress !== undefined) {
    const family = ipFamily(f.xorMappedAddress.address);
    if (family === undefined) throw new RangeError(`not an IP address: ${f.xorMappedAddress.address}`);
    attributes.push({ type: 'XOR-MAPPED-ADDRESS', family, address: f.xorMappedAddress.address, port: f.xorMappedAddress.port });
  }
  if (f.priority !== undefined) attributes.push({ type: 'PRIORITY', value: f.priority >>> 0 });
  if (f.useCandidate) attributes.push({ type: 'USE-CANDIDATE' });
  if (f.iceControlling !== undefined) attributes.push({ type: 'ICE-CONTROLLING', tieBreaker: BigInt.asUintN(64, f.iceControlling) });
  if (f.iceControlled !== undefined) attributes.push({ type: 'ICE-CONTROLLED', tieBreaker: BigInt.asUintN(64, f.iceControlled) });
  return encodeStunMessage(
    { class: f.cls, method: StunMethod.Binding, transactionId: f.transactionId, attributes },
    { ...(f.integrityKey !== undefined ? { integrityKey: f.integrityKey } : {}), fingerprint: true },
  );
}

/** Parses a Binding message; throws `ParseError` on anything malformed, not Binding, or with a wrong FINGERPRINT. */
export function decodeBinding(data: Uint8Array): BindingMessage {
  const decoded = decodeStunMessage(data);
  if (decoded.method !== StunMethod.Binding) throw new ParseError(`STUN: method 0x${decoded.method.toString(16)} is not Binding`);
  const out: { -readonly [K in keyof BindingMessage]: BindingMessage[K] } = {
    cls: decoded.class,
    transactionId: decoded.transactionId,
    fingerprint: false,
    decoded,
  };
  for (let i = 0; i < decoded.attributes.length; i++) {
    const a = decoded.attributes[i] as StunAttribute;
    switch (a.type) {
      case 'USERNAME':
        out.username ??= a.value;
        break;
      case 'PRIORITY':
        out.priority ??= a.value;
        break;
      case 'USE-CANDIDATE':
        out.useCandidate = true;
        break;
      case 'ICE-CONTROLLING':
        out.iceControlling ??= a.tieBreaker;
        break;
      case 'ICE-CONTROLLED':
        out.iceControlled ??= a.tieBreaker;
        break;
      case 'XOR-MAPPED-ADDRESS':
        out.xorMappedAddress ??= { address: a.address, port: a.port };
        break;
      case 'ERROR-CODE':
        out.errorCode ??= { code: a.code, reason: a.reason };
        break;
      case 'MESSAGE-INTEGRITY':
        out.integrityOffset ??= decoded.attributeOffsets[i];
        break;
      case 'FINGERPRINT':
        if (!verifyFingerprint(decoded)) throw new ParseError('STUN: FINGERPRINT mismatch', { offset: decoded.attributeOffsets[i] ?? 0 });
        out.fingerprint = true;
        break;
      default:
        break;
    }
  }
  return out;
}

/** RFC 8489 14.5: checks MESSAGE-INTEGRITY (HMAC-SHA1) with the short-term key. */
export function verifyIntegrity(_data: Uint8Array, msg: BindingMessage, key: Uint8Array): boolean {
  return verifyMessageIntegrity(msg.decoded, key);
}

/** The short-term credential key (RFC 8489 9.1): the ICE password as UTF-8 bytes. */
export function shortTermKey(password: string): Uint8Array {
  return stunShortTermKey(password);
}
