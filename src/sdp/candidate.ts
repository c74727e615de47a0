/**
 * @module sdp/candidate
 * One ICE candidate line: RFC 8839 section 5.1 (the "candidate" attribute grammar) with
 * the RFC 8445 section 5.1.1 candidate types host, srflx, prflx and relay, the RFC 6544
 * section 4.5 `tcptype` extension, and the extensions libwebrtc adds (generation, ufrag,
 * network-id, network-cost). RFC 8839 section 5.1: unknown `cand-extension` name/value
 * pairs are kept, in order. mDNS host names (`<uuid>.local`) are FQDN addresses.
 *
 *   candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
 *                         priority SP connection-address SP port SP cand-type
 *                         [SP rel-addr] [SP rel-port] *(SP cand-extension)
 */
import { ParseError } from '../common/errors.js';
import {
  MAX_CANDIDATE_LENGTH,
  MAX_FOUNDATION_LENGTH,
  addressFamily,
  clip,
  expectAddress,
  expectToken,
  isIceChars,
  isToken,
  parseInteger,
  splitFields,
} from './grammar.js';
import type { AddressFamily } from './grammar.js';

/** RFC 8445 section 5.1.1 candidate types. */
export const CandidateType = {
  Host: 'host',
  ServerReflexive: 'srflx',
  PeerReflexive: 'prflx',
  Relayed: 'relay',
} as const;
export type CandidateType = (typeof CandidateType)[keyof typeof CandidateType];

/** RFC 6544 section 4.5 tcp-type. */
export type TcpType = 'active' | 'passive' | 'so';

/** An extension attribute we do not interpret (RFC 8839 cand-extension). */
export interface CandidateExtension {
  readonly name: string;
  readonly value: string;
}

/**
 * One candidate. Optional fields are absent (not `undefined`) when the line lacks them.
 * Serialization writes the known extensions in libwebrtc's order (tcptype, generation,
 * ufrag, network-id, network-cost), then the unknown ones in their original order.
 */
export interface Candidate {
  readonly foundation: string;
  /** 1..256; 1 is RTP, 2 is RTCP (RFC 8839 section 5.1). */
  readonly component: number;
  /** As written ("udp", "UDP", "tcp"); compare case-insensitively. */
  readonly transport: string;
  readonly priority: number;
  /** IPv4, IPv6 or a host name (mDNS `<uuid>.local` included). */
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  readonly tcpType?: TcpType;
  readonly generation?: number;
  readonly ufrag?: string;
  readonly networkId?: number;
  readonly networkCost?: number;
  readonly extensions: readonly CandidateExtension[];
}

const CANDIDATE_TYPES: ReadonlySet<string> = new Set(Object.values(CandidateType));
const TCP_TYPES: ReadonlySet<string> = new Set(['active', 'passive', 'so']);
const U32_MAX = 0xffffffff;

/**
 * Parses one candidate. Accepts `a=candidate:...`, `candidate:...` or the bare value
 * (what `RTCIceCandidate.candidate` carries without its prefix). Throws `ParseError`.
 */
export function parseCandidate(text: string): Candidate {
  if (typeof text !== 'string') throw new ParseError('candidate must be a string');
  let value = text;
  if (value.endsWith('\r\n')) value = value.slice(0, -2);
  else if (value.endsWith('\n')) value = value.slice(0, -1);
  if (value.startsWith('a=')) value = value.slice(2);
  if (value.startsWith('candidate:')) value = value.slice('candidate:'.length);
  return parseCandidateValue(value);
}

/** Parses the value after `a=candidate:` (no prefix accepted). Throws `ParseError`. */
export function parseCandidateValue(value: string): Candidate {
  if (value.length > MAX_CANDIDATE_LENGTH) throw new ParseError(`candidate longer than ${MAX_CANDIDATE_LENGTH} characters`);
  const f = splitFields(value, 'candidate');
  if (f.length < 8) throw new ParseError(`candidate has ${f.length} fields, needs at least 8`);
  const foundation = f[0] as string;
  if (foundation.length > MAX_FOUNDATION_LENGTH || !isIceChars(foundation)) {
    throw new ParseError(`candidate foundation must be 1..${MAX_FOUNDATION_LENGTH} ice-chars: ${JSON.stringify(clip(foundation))}`);
  }
  const component = parseInteger(f[1], 'candidate component-id', 1, 256);
  const transport = expectToken(f[2], 'candidate transport');
  const priority = parseInteger(f[3], 'candidate priority', 0, U32_MAX);
  const address = expectAddress(f[4], 'candidate address');
  const port = parseInteger(f[5], 'candidate port', 0, 65535);
  if (f[6] !== 'typ') throw new ParseError(`candidate: expected "typ", got ${JSON.stringify(clip(f[6] ?? ''))}`);
  const type = f[7] as string;
  if (!CANDIDATE_TYPES.has(type)) throw new ParseError(`candidate type must be host, srflx, prflx or relay: ${JSON.stringify(clip(type))}`);
  const out: {
    foundation: string; component: number; transport: string; priority: number; address: string; port: number;
    type: CandidateType; relatedAddress?: string; relatedPort?: number; tcpType?: TcpType; generation?: number;
    ufrag?: string; networkId?: number; networkCost?: number; extensions: CandidateExtension[];
  } = { foundation, component, transport, priority, address, port, type: type as CandidateType, extensions: [] };
  let i = 8;
  if (f[i] === 'raddr') {
    out.relatedAddress = expectAddress(f[i + 1], 'candidate raddr');
    i += 2;
  }
  if (f[i] === 'rport') {
    out.relatedPort = parseInteger(f[i + 1], 'candidate rport', 0, 65535);
    i += 2;
  }
  const seen = new Set<string>();
  for (; i < f.length; i += 2) {
    const name = f[i] as string;
    const v = f[i + 1];
    if (v === undefined) throw new ParseError(`candidate extension ${JSON.stringify(clip(name))} has no value`);
    if (!isToken(name)) throw new ParseError(`candidate extension name is not a token: ${JSON.stringify(clip(name))}`);
    if (!/^[\x21-\x7e]+$/.test(v)) throw new ParseError(`candidate extension ${name} value is not VCHAR`);
    const known = KNOWN_EXTENSIONS.has(name) || name === 'raddr' || name === 'rport';
    if (known) {
      if (seen.has(name)) throw new ParseError(`candidate extension ${name} appears twice`);
      seen.add(name);
    }
    switch (name) {
      case 'raddr':
      case 'rport':
        throw new ParseError(`candidate ${name} must come right after the type`);
      case 'tcptype':
        if (!TCP_TYPES.has(v)) throw new ParseError(`candidate tcptype must be active, passive or so: ${JSON.stringify(clip(v))}`);
        out.tcpType = v as TcpType;
        break;
      case 'generation':
        out.generation = parseInteger(v, 'candidate generation', 0, U32_MAX);
        break;
      case 'ufrag':
        out.ufrag = v;
        break;
      case 'network-id':
        out.networkId = parseInteger(v, 'candidate network-id', 0, U32_MAX);
        break;
      case 'network-cost':
        out.networkCost = parseInteger(v, 'candidate network-cost', 0, U32_MAX);
        break;
      default:
        out.extensions.push({ name, value: v });
    }
  }
  return out;
}

const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set(['tcptype', 'generation', 'ufrag', 'network-id', 'network-cost']);

/** The candidate value without a prefix: `foundation component transport ...`. */
export function serializeCandidateValue(c: Candidate): string {
  let s = `${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) s += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) s += ` rport ${c.relatedPort}`;
  if (c.tcpType !== undefined) s += ` tcptype ${c.tcpType}`;
  if (c.generation !== undefined) s += ` generation ${c.generation}`;
  if (c.ufrag !== undefined) s += ` ufrag ${c.ufrag}`;
  if (c.networkId !== undefined) s += ` network-id ${c.networkId}`;
  if (c.networkCost !== undefined) s += ` network-cost ${c.networkCost}`;
  for (const e of c.extensions) s += ` ${e.name} ${e.value}`;
  return s;
}

/**
 * `candidate:<value>`: the form `RTCIceCandidate.candidate` uses (no `a=`, no line end).
 */
export function serializeCandidate(c: Candidate): string {
  return `candidate:${serializeCandidateValue(c)}`;
}

/** 'ipv4', 'ipv6' or 'fqdn' for the candidate's address. */
export function candidateAddressFamily(c: Candidate): AddressFamily {
  return addressFamily(c.address) ?? 'fqdn';
}

/** True for an mDNS-obfuscated host candidate (`<name>.local`, RFC 6762 domain). */
export function isMdnsCandidate(c: Candidate): boolean {
  return /\.local\.?$/i.test(c.address);
}
