/**
 * @module stun/credentials
 * HMAC keys for STUN message integrity: short-term (RFC 8489 9.1.1: the OpaqueString
 * of the password) and long-term (9.2.2: MD5 or, with PASSWORD-ALGORITHM SHA-256
 * (18.5.1.2), SHA-256 of `username ":" OpaqueString(realm) ":" OpaqueString(password)`),
 * USERHASH (14.4) and the string preparation both need.
 *
 * String preparation: RFC 8489 uses the PRECIS OpaqueString profile (RFC 8265 4.2);
 * RFC 5389 and the RFC 5769 2.4 vector use SASLprep (RFC 4013). `saslPrep` implements
 * RFC 4013 2.1 mapping (B.1 "commonly mapped to nothing" and C.1.2 non-ASCII spaces to
 * U+0020), 2.2 NFKC, 2.3 the prohibited output tables C.2.1, C.2.2, C.3-C.9 by their
 * Unicode general categories and code-point ranges, and 2.5 unassigned code points.
 * Left out: the RFC 3454 6 bidirectional check (2.4). `opaqueString` implements RFC
 * 8265 4.2.2 (non-ASCII spaces to U+0020, NFC) and rejects the control characters and
 * empty strings 4.2.1 disallows; it does not check the full PRECIS FreeformClass
 * derived-property table (RFC 8264 9).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { hash } from '../crypto/hash.js';
import { PasswordAlgorithm } from './constants.js';

const encoder = new TextEncoder();

// RFC 3454 B.1: commonly mapped to nothing.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// RFC 3454 C.1.2: non-ASCII space characters.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// RFC 3454 C.2.1/C.2.2 control characters, C.3 private use, C.4 non-characters,
// C.5 surrogates, C.6/C.7/C.8 (inappropriate for plain text/canonical, change display),
// C.9 tagging characters.
const PROHIBITED =
  /[\p{Cc}\p{Co}\p{Cs}\u06DD\u070F\u180E\u200C-\u200F\u2028-\u202E\u2060-\u2063\u206A-\u206F\uFFF9-\uFFFD\u{E0001}\u{E0020}-\u{E007F}\u{1D173}-\u{1D17A}\u2FF0-\u2FFB\u0340\u0341]|[\uFDD0-\uFDEF\uFFFE\uFFFF]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{3FFFE}\u{3FFFF}\u{4FFFE}\u{4FFFF}\u{5FFFE}\u{5FFFF}\u{6FFFE}\u{6FFFF}\u{7FFFE}\u{7FFFF}\u{8FFFE}\u{8FFFF}\u{9FFFE}\u{9FFFF}\u{AFFFE}\u{AFFFF}\u{BFFFE}\u{BFFFF}\u{CFFFE}\u{CFFFF}\u{DFFFE}\u{DFFFF}\u{EFFFE}\u{EFFFF}\u{FFFFE}\u{FFFFF}\u{10FFFE}\u{10FFFF}]/u;
// Unassigned code points (RFC 4013 2.5, "stored strings" use): general category Cn.
const UNASSIGNED = /\p{Cn}/u;

/** SASLprep (RFC 4013) for stored strings; throws InvalidArgumentError on prohibited output. */
export function saslPrep(input: string): string {
  const mapped = input.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ');
  const out = mapped.normalize('NFKC');
  if (PROHIBITED.test(out)) throw new InvalidArgumentError('SASLprep: prohibited character');
  if (UNASSIGNED.test(out)) throw new InvalidArgumentError('SASLprep: unassigned code point');
  return out;
}

/** PRECIS OpaqueString (RFC 8265 4.2), as far as described in this module's header. */
export function opaqueString(input: string): string {
  const out = input.replace(NON_ASCII_SPACE, ' ').normalize('NFC');
  if (out.length === 0) throw new InvalidArgumentError('OpaqueString: empty string');
  if (/\p{Cc}/u.test(out)) throw new InvalidArgumentError('OpaqueString: control character');
  return out;
}

/** Which preparation long-term keys apply: RFC 8489 OpaqueString or RFC 5389 SASLprep. */
export type StringPrep = 'opaqueString' | 'saslPrep' | 'none';

function prep(s: string, how: StringPrep): string {
  if (how === 'none') return s;
  return how === 'saslPrep' ? saslPrep(s) : opaqueString(s);
}

/** Short-term credential key (RFC 8489 9.1.1): OpaqueString(password) as UTF-8. ICE passwords are ASCII. */
export function shortTermKey(password: string, how: StringPrep = 'none'): Uint8Array {
  return encoder.encode(how === 'none' ? password : prep(password, how));
}

/**
 * Long-term credential key (RFC 8489 9.2.2, 18.5.1): MD5 (16 bytes) or SHA-256 (32
 * bytes) of `username:realm:password`, realm and password prepared with `how`. The
 * username is used as sent in USERNAME (already prepared by the client).
 */
export function longTermKey(
  username: string,
  realm: string,
  password: string,
  options: { algorithm?: PasswordAlgorithm; prep?: StringPrep } = {},
): Uint8Array {
  const how = options.prep ?? 'opaqueString';
  const input = encoder.encode(`${username}:${prep(realm, how)}:${prep(password, how)}`);
  const algorithm = options.algorithm ?? PasswordAlgorithm.MD5;
  if (algorithm === PasswordAlgorithm.MD5) return hash('md5', input);
  if (algorithm === PasswordAlgorithm.SHA256) return hash('sha256', input);
  throw new InvalidArgumentError(`unknown password algorithm ${String(algorithm)}`);
}

/** USERHASH (RFC 8489 14.4): SHA-256(OpaqueString(username) ":" OpaqueString(realm)). */
export function userHash(username: string, realm: string): Uint8Array {
  return hash('sha256', encoder.encode(`${opaqueString(username)}:${opaqueString(realm)}`));
}
