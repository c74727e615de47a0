/**
 * @module sdp/grammar
 * The small lexical rules SDP shares across its fields: token, integer, IPv4/IPv6
 * address and FQDN checks (RFC 8866 section 9, "generic sub-rules"), and the bounds that
 * keep remote SDP from costing unbounded memory. Every check throws `ParseError` with a
 * reason; the line number is added by the caller that knows it (sdp/session).
 */
import { ParseError } from '../common/errors.js';

/**
 * Largest SDP text `parseSdp` accepts, in UTF-16 code units. Chrome's offer with audio,
 * video (23 payload types) and a data channel is about 7 KB; 64 m-sections of that kind
 * stay well under 1 MiB. RFC 8866 section 5 notes SDP is kept compact for this reason.
 */
export const MAX_SDP_LENGTH = 1024 * 1024;
/** Largest number of m= sections in one description (RFC 8866 section 5.14). */
export const MAX_MEDIA_SECTIONS = 1024;
/** Largest single candidate line we parse (RFC 8839 section 5.1); Chrome's are < 200. */
export const MAX_CANDIDATE_LENGTH = 1024;
/** Foundation is 1*32ice-char (RFC 8839 section 5.1). */
export const MAX_FOUNDATION_LENGTH = 32;
/** Longest FQDN (RFC 1035 section 2.3.4), used for candidate and connection addresses. */
export const MAX_FQDN_LENGTH = 253;

/** RFC 8866 section 9 token-char. */
const TOKEN_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/;
/** RFC 8866 section 9 non-ws-string (visible ASCII plus any non-ASCII code unit). */
const NON_WS_RE = /^[\x21-\x7e\u0080-\uffff]+$/;
/** RFC 8839 section 5.1 ice-char. */
const ICE_CHARS_RE = /^[A-Za-z0-9+/]+$/;

export function isToken(text: string): boolean {
  return TOKEN_RE.test(text);
}

export function isNonWsString(text: string): boolean {
  return NON_WS_RE.test(text);
}

export function isIceChars(text: string): boolean {
  return ICE_CHARS_RE.test(text);
}

/** Throws unless `text` is an RFC 8866 token; `what` names the field in the message. */
export function expectToken(text: string | undefined, what: string): string {
  if (text === undefined || text === '') throw new ParseError(`missing ${what}`);
  if (!TOKEN_RE.test(text)) throw new ParseError(`${what} is not a token: ${JSON.stringify(clip(text))}`);
  return text;
}

/** Throws unless `text` is a non-empty run of visible characters. */
export function expectNonWs(text: string | undefined, what: string): string {
  if (text === undefined || text === '') throw new ParseError(`missing ${what}`);
  if (!NON_WS_RE.test(text)) throw new ParseError(`${what} contains white space or control characters`);
  return text;
}

/**
 * A decimal integer in [min, max]: digits only (no sign, no exponent), at most
 * 16 digits so that the value is exact in a double.
 */
export function parseInteger(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined || text === '') throw new ParseError(`missing ${what}`);
  if (!/^[0-9]{1,16}$/.test(text)) throw new ParseError(`${what} is not a decimal integer: ${JSON.stringify(clip(text))}`);
  const value = Number(text);
  if (value < min || value > max) throw new ParseError(`${what} ${value} is outside ${min}..${max}`);
  return value;
}

/** A string of 1*DIGIT kept as text (o= session ids and NTP times exceed 2^53). */
export function expectDigits(text: string | undefined, what: string): string {
  if (text === undefined || text === '') throw new ParseError(`missing ${what}`);
  if (!/^[0-9]+$/.test(text)) throw new ParseError(`${what} is not a decimal number: ${JSON.stringify(clip(text))}`);
  return text;
}

/** RFC 8866 section 9 IP4-address (four decimal-uchar). */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return false;
  }
  return true;
}

/** RFC 8866 section 9 IP6-address (RFC 4291 text form, optional embedded IPv4 tail). */
export function isIpv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let units = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] as string;
    const last = i === all.length - 1;
    if (last && g.includes('.')) {
      if (!isIpv4(g)) return false;
      units += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
      units += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? units <= 7 : units === 8;
}

/**
 * A host name (RFC 1035 section 2.3.1 labels: letters, digits, hyphens; 1..63 per label,
 * 253 in all). A name whose labels are all digits is a malformed IPv4 address, not a
 * name, and is refused. Covers the `<uuid>.local` mDNS names Chrome uses.
 */
export function isFqdn(text: string): boolean {
  if (text.length === 0 || text.length > MAX_FQDN_LENGTH) return false;
  const labels = text.endsWith('.') ? text.slice(0, -1).split('.') : text.split('.');
  let allNumeric = true;
  for (const label of labels) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) return false;
    if (!/^[0-9]+$/.test(label)) allNumeric = false;
  }
  return !allNumeric;
}

export type AddressFamily = 'ipv4' | 'ipv6' | 'fqdn';

/** Classifies an RFC 8839 connection-address; undefined when it is none of the three. */
export function addressFamily(text: string): AddressFamily | undefined {
  if (text.includes(':')) return isIpv6(text) ? 'ipv6' : undefined;
  if (isIpv4(text)) return 'ipv4';
  if (isFqdn(text)) return 'fqdn';
  return undefined;
}

/** Throws unless `text` is an IPv4 address, an IPv6 address or a host name. */
export function expectAddress(text: string | undefined, what: string): string {
  if (text === undefined || text === '') throw new ParseError(`missing ${what}`);
  if (addressFamily(text) === undefined) throw new ParseError(`${what} is not an IP address or host name: ${JSON.stringify(clip(text))}`);
  return text;
}

/** Splits on single spaces; empty fields (double spaces) are an error in SDP. */
export function splitFields(text: string, what: string): string[] {
  const fields = text.split(' ');
  if (fields.some((f) => f === '')) throw new ParseError(`${what}: fields must be separated by exactly one space`);
  return fields;
}

/** Shortens text quoted in error messages. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
