/**
 * @module ice/candidate
 * ICE candidates: types, priority (RFC 8445 5.1.2.1, 5.1.2.2), foundation (5.1.1.3),
 * redundancy (5.1.3), and the SDP `candidate-attribute` grammar (RFC 8839 5.1):
 *
 * ```
 * candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
 *                       priority SP connection-address SP port SP cand-type
 *                       [SP rel-addr] [SP rel-port] *(SP cand-extension)
 * cand-type           = "typ" SP ("host" / "srflx" / "prflx" / "relay" / token)
 * rel-addr            = "raddr" SP connection-address
 * rel-port            = "rport" SP port
 * foundation          = 1*32ice-char
 * ```
 */
import { crc32 } from '../common/crc32.js';
import { ParseError } from '../common/errors.js';
import type { TransportAddress } from './stun-binding.js';

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** RFC 8445 5.1.2.2 recommended type preferences. */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** One ICE candidate (component 1, UDP: BUNDLE and rtcp-mux leave one component). */
export interface Candidate {
  readonly foundation: string;
  readonly component: number;
  readonly transport: 'udp' | 'tcp';
  readonly priority: number;
  /** IP text, or an mDNS `.local` name for remote host candidates. */
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  /** `tcptype` for TCP candidates (RFC 6544), kept for round trips. */
  readonly tcpType?: string;
  /** Other `name value` extensions (generation, ufrag, network-id, ...) in order. */
  readonly extensions: readonly (readonly [string, string])[];
}

/** RFC 8445 5.1.2.1: priority = 2^24 * type pref + 2^8 * local pref + (256 - component). */
export function computePriority(typePreference: number, localPreference: number, component: number): number {
  if (!Number.isInteger(typePreference) || typePreference < 0 || typePreference > 126) throw new RangeError(`type preference ${typePreference}`);
  if (!Number.isInteger(localPreference) || localPreference < 0 || localPreference > 65535) throw new RangeError(`local preference ${localPreference}`);
  if (!Number.isInteger(component) || component < 1 || component > 256) throw new RangeError(`component ${component}`);
  return typePreference * 0x1000000 + localPreference * 0x100 + (256 - component);
}

/**
 * RFC 8445 5.1.1.3: same foundation for candidates of the same type, base IP address,
 * STUN/TURN server IP address and transport. We hash those four into 8 ice-chars
 * (decimal of a CRC-32), so both agents see short stable tokens.
 */
export function computeFoundation(type: CandidateType, baseAddress: string, serverAddress: string | undefined, transport: 'udp' | 'tcp'): string {
  const key = new TextEncoder().encode(`${type}|${baseAddress}|${serverAddress ?? ''}|${transport}`);
  return String(crc32(key));
}

/** RFC 8445 5.1.3: candidates are redundant when transport address and base are equal. */
export function isRedundant(a: { address: string; port: number; base: TransportAddress }, b: { address: string; port: number; base: TransportAddress }): boolean {
  return a.address === b.address && a.port === b.port && a.base.address === b.base.address && a.base.port === b.base.port;
}

/** RFC 8839 5.1: at most 32 ice-chars in a foundation. */
export const MAX_FOUNDATION_CHARS = 32;
/** Bound on the attribute text we accept (the longest real ones are ~250 characters). */
export const MAX_CANDIDATE_TEXT = 1024;
/** Bound on extension pairs kept per candidate. */
export const MAX_CANDIDATE_EXTENSIONS = 16;

const ICE_CHAR = /^[A-Za-z0-9+/]+$/;
const TOKEN = /^[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+$/;
const TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

function parseUint(text: string | undefined, max: number, what: string): number {
  if (text === undefined || !/^\d{1,10}$/.test(text)) throw new ParseError(`candidate: bad ${what} '${String(text).slice(0, 32)}'`);
  const v = Number(text);
  if (v > max) throw new ParseError(`candidate: ${what} ${v} out of range`);
  return v;
}

function parseAddressToken(text: string | undefined, what: string): string {
  // connection-address (RFC 8839 5.1): IPv4, IPv6 or an FQDN (mDNS names end in .local).
  if (text === undefined || text.length === 0 || text.length > 255 || !/^[A-Za-z0-9.:\-_%]+$/.test(text)) {
    throw new ParseError(`candidate: bad ${what} '${String(text).slice(0, 32)}'`);
  }
  return text.toLowerCase();
}

/**
 * Parses `candidate:...` (with or without the `a=` and `candidate:` prefixes, as
 * `RTCIceCandidate.candidate` carries it). Throws `ParseError`.
 */
export function parseCandidate(text: string): Candidate {
  if (text.length > MAX_CANDIDATE_TEXT) throw new ParseError('candidate: too long');
  let s = text.trim();
  if (s.startsWith('a=')) s = s.slice(2);
  if (s.startsWith('candidate:')) s = s.slice('candidate:'.length);
  const parts = s.split(' ');
  if (parts.length < 8) throw new ParseError(`candidate: ${parts.length} fields, need at least 8`);
  const [foundation, componentText, transportText, priorityText, addressText, portText, typKeyword, typeText] = parts as [
    string, string, string, string, string, string, string, string,
  ];
  if (foundation.length === 0 || foundation.length > MAX_FOUNDATION_CHARS || !ICE_CHAR.test(foundation)) throw new ParseError('candidate: bad foundation');
  const component = parseUint(componentText, 256, 'component');
  if (component < 1) throw new ParseError('candidate: component 0');
  const t = transportText.toLowerCase();
  if (t !== 'udp' && t !== 'tcp') throw new ParseError(`candidate: transport '${transportText.slice(0, 16)}' not supported`);
  const priority = parseUint(priorityText, 0xffffffff, 'priority');
  if (priority < 1) throw new ParseError('candidate: priority 0');
  const address = parseAddressToken(addressText, 'address');
  const port = parseUint(portText, 65535, 'port');
  if (typKeyword !== 'typ') throw new ParseError("candidate: expected 'typ'");
  if (!TYPES.includes(typeText)) throw new ParseError(`candidate: type '${typeText.slice(0, 16)}' not supported`);
  const type = typeText as CandidateType;
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  let tcpType: string | undefined;
  const extensions: [string, string][] = [];
  for (let i = 8; i < parts.length; i += 2) {
    const name = parts[i] as string;
    const value = parts[i + 1];
    if (value === undefined || !TOKEN.test(name)) throw new ParseError(`candidate: bad extension at field ${i}`);
    if (name === 'raddr') relatedAddress = parseAddressToken(value, 'raddr');
    else if (name === 'rport') relatedPort = parseUint(value, 65535, 'rport');
    else if (name === 'tcptype') tcpType = value;
    else {
      if (!/^[\x21-\x7e]+$/.test(value)) throw new ParseError('candidate: bad extension value');
      if (extensions.length >= MAX_CANDIDATE_EXTENSIONS) throw new ParseError('candidate: too many extensions');
      extensions.push([name, value]);
    }
  }
  return {
    foundation,
    component,
    transport: t,
    priority,
    address,
    port,
    type,
    ...(relatedAddress !== undefined ? { relatedAddress } : {}),
    ...(relatedPort !== undefined ? { relatedPort } : {}),
    ...(tcpType !== undefined ? { tcpType } : {}),
    extensions,
  };
}

/** Serializes to `candidate:...` (the `RTCIceCandidate.candidate` form, without `a=`). */
export function serializeCandidate(c: Candidate): string {
  let s = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) s += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) s += ` rport ${c.relatedPort}`;
  if (c.tcpType !== undefined) s += ` tcptype ${c.tcpType}`;
  for (const [k, v] of c.extensions) s += ` ${k} ${v}`;
  return s;
}

/** An address family from IP text; mDNS names and others are undefined. */
export function familyOf(address: string): 4 | 6 | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return 4;
  if (address.includes(':')) return 6;
  return undefined;
}

/** `host:port` (IPv6 in brackets) for maps and logs. */
export function addressKey(a: TransportAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** RFC 8839 / draft-ietf-mmusic-mdns-ice-candidates: `.local` names are mDNS. */
export function isMdnsName(address: string): boolean {
  return address.toLowerCase().endsWith('.local');
}
