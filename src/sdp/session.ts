/**
 * @module sdp/session
 * A whole session description: RFC 8866 section 5 (line format `<type>=<value>`, the
 * fixed order of session and media lines, CRLF line ends with bare LF accepted),
 * sections 5.1-5.14 (v, o, s, i, u, e, p, c, b, t, r, z, k, a, m) and the section 9
 * grammar. The model is plain data: typed fields for the fixed lines and one ordered
 * attribute list per level (sdp/attributes), so `serializeSdp(parseSdp(text))` gives the
 * same text back for descriptions written in canonical form (Chrome's included).
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { parseAttribute, serializeAttribute } from './attributes.js';
import type { Attribute } from './attributes.js';
import {
  MAX_MEDIA_SECTIONS,
  MAX_SDP_LENGTH,
  clip,
  expectDigits,
  expectNonWs,
  expectToken,
  parseInteger,
  splitFields,
} from './grammar.js';

/** o= (RFC 8866 section 5.2). Ids are kept as digit strings: Chrome's exceed 2^53. */
export interface Origin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** c= (RFC 8866 section 5.7); a multicast address keeps its `/ttl/count` suffix. */
export interface Connection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** b=<bwtype>:<bandwidth> (RFC 8866 section 5.8); AS/CT in kbit/s, TIAS in bit/s. */
export interface Bandwidth {
  readonly type: string;
  readonly value: number;
}

/** t= with its r= lines and optional z= line (RFC 8866 sections 5.9-5.11). */
export interface Timing {
  readonly start: string;
  readonly stop: string;
  readonly repeats: readonly string[];
  readonly zone?: string;
}

/** One m= section (RFC 8866 section 5.14) with its i=, c=, b=, k= and a= lines. */
export interface MediaDescription {
  /** audio, video, application, text, ... */
  readonly kind: string;
  readonly port: number;
  /** The `/<number of ports>` suffix of the m= port, when present. */
  readonly portCount?: number;
  /** e.g. UDP/TLS/RTP/SAVPF, UDP/DTLS/SCTP. */
  readonly protocol: string;
  /** Payload types for RTP, `webrtc-datachannel` for SCTP. */
  readonly formats: readonly string[];
  readonly information?: string;
  readonly connections: readonly Connection[];
  readonly bandwidths: readonly Bandwidth[];
  readonly key?: string;
  readonly attributes: readonly Attribute[];
}

/** A parsed session description. `v=0` is implied (the only version, section 5.1). */
export interface SessionDescription {
  readonly origin: Origin;
  readonly sessionName: string;
  readonly information?: string;
  readonly uri?: string;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly connection?: Connection;
  readonly bandwidths: readonly Bandwidth[];
  readonly timing: readonly Timing[];
  readonly key?: string;
  readonly attributes: readonly Attribute[];
  readonly media: readonly MediaDescription[];
}

/** Order of session-level line types (RFC 8866 section 5). t/r/z repeat as a group. */
const SESSION_ORDER = 'vosiuepcbtrzka';
/** Order of media-level line types after m=. */
const MEDIA_ORDER = 'micbka';
/** Session and media lines that may appear at most once at their level. */
const SESSION_SINGLE = new Set(['v', 'o', 's', 'i', 'u', 'c', 'k']);
const MEDIA_SINGLE = new Set(['i', 'k']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

function parseConnection(value: string): Connection {
  const f = splitFields(value, 'c=');
  if (f.length !== 3) throw new ParseError('c= needs <nettype> <addrtype> <connection-address>');
  return { netType: expectToken(f[0], 'c= nettype'), addrType: expectToken(f[1], 'c= addrtype'), address: expectNonWs(f[2], 'c= address') };
}

function parseBandwidth(value: string): Bandwidth {
  const colon = value.indexOf(':');
  if (colon < 0) throw new ParseError('b= needs <bwtype>:<bandwidth>');
  return { type: expectToken(value.slice(0, colon), 'b= bwtype'), value: parseInteger(value.slice(colon + 1), 'b= bandwidth', 0, Number.MAX_SAFE_INTEGER) };
}

function parseOrigin(value: string): Origin {
  const f = splitFields(value, 'o=');
  if (f.length !== 6) throw new ParseError('o= needs <username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>');
  return {
    username: expectNonWs(f[0], 'o= username'),
    sessionId: expectDigits(f[1], 'o= sess-id'),
    sessionVersion: expectDigits(f[2], 'o= sess-version'),
    netType: expectToken(f[3], 'o= nettype'),
    addrType: expectToken(f[4], 'o= addrtype'),
    address: expectNonWs(f[5], 'o= unicast-address'),
  };
}

function parseMediaLine(value: string): Mutable<MediaDescription> {
  const f = splitFields(value, 'm=');
  if (f.length < 4) throw new ParseError('m= needs <media> <port> <proto> <fmt> ...');
  const kind = expectToken(f[0], 'm= media');
  const portText = f[1] as string;
  const slash = portText.indexOf('/');
  const port = parseInteger(slash < 0 ? portText : portText.slice(0, slash), 'm= port', 0, 65535);
  const protocol = f[2] as string;
  if (!protocol.split('/').every((t) => t !== '' && /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$/.test(t))) throw new ParseError(`m= proto is malformed: ${JSON.stringify(clip(protocol))}`);
  const formats = f.slice(3).map((x) => expectToken(x, 'm= fmt'));
  const m: Mutable<MediaDescription> = { kind, port, protocol, formats, connections: [], bandwidths: [], attributes: [] };
  if (slash >= 0) m.portCount = parseInteger(portText.slice(slash + 1), 'm= number of ports', 1, 65535);
  return m;
}

function checkText(value: string, what: string): string {
  if (value === '') throw new ParseError(`${what} is empty`);
  return value;
}

/**
 * Parses SDP text. Throws `ParseError` whose `line` is the 1-based line number of the
 * offending line and whose message gives the reason; never any other exception.
 */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string') throw new ParseError('SDP must be a string');
  if (text.length > MAX_SDP_LENGTH) throw new ParseError(`SDP longer than ${MAX_SDP_LENGTH} characters`);
  const lines = text.split('\n');
  // Tolerate trailing blank lines after the last line end.
  while (lines.length > 0 && (lines[lines.length - 1] === '' || lines[lines.length - 1] === '\r')) lines.pop();
  let session: Mutable<SessionDescription> | undefined;
  let media: Mutable<MediaDescription> | undefined;
  let timing: Mutable<Timing> | undefined;
  let rank = -1;
  const seen = new Set<string>();
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let line = lines[n] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    try {
      if (line.length < 2 || line[1] !== '=') throw new ParseError('not a <type>=<value> line');
      const type = line[0] as string;
      const value = line.slice(2);
      if (/[\0\r]/.test(value)) throw new ParseError('value contains NUL or CR');
      if (session === undefined) {
        if (type !== 'v') throw new ParseError('the first line must be v=');
        if (value !== '0') throw new ParseError(`unsupported SDP version ${JSON.stringify(clip(value))} (only v=0 exists)`);
        session = {
          origin: { username: '', sessionId: '', sessionVersion: '', netType: '', addrType: '', address: '' },
          sessionName: '', emails: [], phones: [], bandwidths: [], timing: [], attributes: [], media: [],
        };
        rank = 0;
        seen.add('v');
        continue;
      }
      if (type === 'm') {
        if (media === undefined && !seen.has('s')) throw new ParseError('m= before the o= and s= lines');
        if (session.media.length >= MAX_MEDIA_SECTIONS) throw new ParseError(`more than ${MAX_MEDIA_SECTIONS} m= sections`);
        media = parseMediaLine(value);
        session.media.push(media);
        timing = undefined;
        rank = 0;
        seen.clear();
        continue;
      }
      if (media !== undefined) {
        const r = MEDIA_ORDER.indexOf(type);
        if (r < 1) throw new ParseError(`"${type}=" is not allowed in a media section`);
        if (r < rank) throw new ParseError(`"${type}=" is out of order (RFC 8866 section 5: m, i, c, b, k, a)`);
        if (MEDIA_SINGLE.has(type) && seen.has(type)) throw new ParseError(`"${type}=" appears twice in one media section`);
        rank = r;
        seen.add(type);
        switch (type) {
          case 'i': media.information = checkText(value, 'i='); break;
          case 'c': media.connections.push(parseConnection(value)); break;
          case 'b': media.bandwidths.push(parseBandwidth(value)); break;
          case 'k': media.key = checkText(value, 'k='); break;
          default: media.attributes.push(parseAttribute(value));
        }
        continue;
      }
      const r = SESSION_ORDER.indexOf(type);
      if (r < 0) throw new ParseError(`unknown line type "${type}="`);
      // A new t= may follow r= or z= lines of the previous time description.
      const newTiming = type === 't' && rank >= 9 && rank <= 11;
      if (r < rank && !newTiming) throw new ParseError(`"${type}=" is out of order (RFC 8866 section 5: v, o, s, i, u, e, p, c, b, t, r, z, k, a)`);
      if (SESSION_SINGLE.has(type) && seen.has(type)) throw new ParseError(`"${type}=" appears twice`);
      if (r > 1 && !seen.has('o')) throw new ParseError('the second line must be o=');
      if (r > 2 && !seen.has('s')) throw new ParseError('the third line must be s=');
      if (type === 'z' && timing?.zone !== undefined) throw new ParseError('"z=" appears twice in one time description');
      if ((type === 'r' || type === 'z') && (timing === undefined || rank > 11)) throw new ParseError(`"${type}=" must follow a t= line`);
      if (type === 'r' && timing?.zone !== undefined) throw new ParseError('"r=" must come before "z="');
      rank = r;
      seen.add(type);
      switch (type) {
        case 'v': throw new ParseError('"v=" appears twice');
        case 'o': session.origin = parseOrigin(value); break;
        case 's': session.sessionName = value; break;
        case 'i': session.information = checkText(value, 'i='); break;
        case 'u': session.uri = checkText(value, 'u='); break;
        case 'e': session.emails.push(checkText(value, 'e=')); break;
        case 'p': session.phones.push(checkText(value, 'p=')); break;
        case 'c': session.connection = parseConnection(value); break;
        case 'b': session.bandwidths.push(parseBandwidth(value)); break;
        case 't': {
          const f = splitFields(value, 't=');
          if (f.length !== 2) throw new ParseError('t= needs <start-time> <stop-time>');
          timing = { start: expectDigits(f[0], 't= start-time'), stop: expectDigits(f[1], 't= stop-time'), repeats: [] };
          session.timing.push(timing);
          break;
        }
        case 'r': (timing as Mutable<Timing>).repeats.push(checkText(value, 'r=')); break;
        case 'z': (timing as Mutable<Timing>).zone = checkText(value, 'z='); break;
        case 'k': session.key = checkText(value, 'k='); break;
        default: session.attributes.push(parseAttribute(value));
      }
    } catch (e) {
      if (e instanceof ParseError) {
        throw new ParseError(`SDP line ${lineNo}: ${e.message}: ${JSON.stringify(clip(line))}`, { line: lineNo, cause: e });
      }
      throw new ParseError(`SDP line ${lineNo}: ${String(e)}`, { line: lineNo, cause: e });
    }
  }
  if (session === undefined) throw new ParseError('SDP line 1: empty SDP, no v= line', { line: 1 });
  if (!seen.has('s') && session.media.length === 0) throw new ParseError(`SDP line ${lines.length}: the text ends before its o= and s= lines`, { line: lines.length });
  return session;
}

/** Text of one line, refusing values that would break the line structure. */
function line(type: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError(`SDP ${type}= value contains CR, LF or NUL`);
  return `${type}=${value}\r\n`;
}

function connectionText(c: Connection): string {
  return `${c.netType} ${c.addrType} ${c.address}`;
}

/** Writes the description as SDP text with CRLF line ends (RFC 8866 section 5). */
export function serializeSdp(d: SessionDescription): string {
  const o = d.origin;
  let s = 'v=0\r\n';
  s += line('o', `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  s += line('s', d.sessionName);
  if (d.information !== undefined) s += line('i', d.information);
  if (d.uri !== undefined) s += line('u', d.uri);
  for (const e of d.emails) s += line('e', e);
  for (const p of d.phones) s += line('p', p);
  if (d.connection !== undefined) s += line('c', connectionText(d.connection));
  for (const b of d.bandwidths) s += line('b', `${b.type}:${b.value}`);
  for (const t of d.timing) {
    s += line('t', `${t.start} ${t.stop}`);
    for (const r of t.repeats) s += line('r', r);
    if (t.zone !== undefined) s += line('z', t.zone);
  }
  if (d.key !== undefined) s += line('k', d.key);
  for (const a of d.attributes) s += line('a', serializeAttribute(a));
  for (const m of d.media) s += serializeMedia(m);
  return s;
}

/** One m= section and its lines, CRLF-terminated. */
export function serializeMedia(m: MediaDescription): string {
  let s = line('m', `${m.kind} ${m.port}${m.portCount === undefined ? '' : `/${m.portCount}`} ${m.protocol} ${m.formats.join(' ')}`);
  if (m.information !== undefined) s += line('i', m.information);
  for (const c of m.connections) s += line('c', connectionText(c));
  for (const b of m.bandwidths) s += line('b', `${b.type}:${b.value}`);
  if (m.key !== undefined) s += line('k', m.key);
  for (const a of m.attributes) s += line('a', serializeAttribute(a));
  return s;
}
