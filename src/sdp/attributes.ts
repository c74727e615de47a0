/**
 * @module sdp/attributes
 * The `a=` lines WebRTC uses, each as a typed, plain-data variant of one ordered list, so
 * that attribute order survives a round trip. RFC 8866 section 5.13 (attribute syntax;
 * "an SDP parser MUST ignore any attribute it doesn't understand": those are kept as
 * `{ type: 'unknown', name, value }` and written back unchanged), section 6.6 rtpmap,
 * 6.7 direction attributes, 6.15 fmtp; RFC 8839 section 5 (candidate, ice-lite,
 * ice-ufrag/ice-pwd, ice-options, end-of-candidates per RFC 8838 section 4.1);
 * RFC 8842 section 5 (setup, fingerprint per RFC 8122 section 5); RFC 8841 sections
 * 5-6 (sctp-port, max-message-size); RFC 8843 section 7 and RFC 5888 (group:BUNDLE,
 * mid); RFC 8285 section 8 (extmap), extmap-allow-mixed (RFC 8285 section 6);
 * RFC 4585 section 4.2 (rtcp-fb); RFC 5576 sections 4.1-4.2 (ssrc, ssrc-group);
 * RFC 3605 (rtcp); RFC 5761 section 5.1 (rtcp-mux), RFC 8858 (rtcp-mux-only), RFC 5506
 * (rtcp-rsize); RFC 8830 (msid, msid-semantic); RFC 8851 section 10 (rid);
 * RFC 8853 section 5.1 (simulcast).
 */
import { ParseError } from '../common/errors.js';
import { parseCandidateValue, serializeCandidateValue } from './candidate.js';
import type { Candidate } from './candidate.js';
import { clip, expectAddress, expectNonWs, expectToken, isToken, parseInteger, splitFields } from './grammar.js';

/** RFC 8866 section 6.7 media direction. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
/** RFC 4145 section 4 / RFC 8842 section 5.1 setup role. */
export type SetupRole = 'active' | 'passive' | 'actpass' | 'holdconn';

export interface RidRestriction {
  readonly name: string;
  readonly value?: string;
}

/** One `a=simulcast` stream identifier; `~` marks it initially paused (RFC 8853 5.1). */
export interface SimulcastId {
  readonly rid: string;
  readonly paused: boolean;
}

/** `send` or `recv` followed by streams; each stream is a list of alternatives. */
export interface SimulcastStreams {
  readonly direction: 'send' | 'recv';
  readonly streams: readonly (readonly SimulcastId[])[];
}

export type Attribute =
  | { readonly type: 'group'; readonly semantics: string; readonly mids: readonly string[] }
  | { readonly type: 'extmap-allow-mixed' }
  | {
      readonly type: 'msid-semantic';
      readonly semantics: string;
      readonly identifiers: readonly string[];
      /** Layout only: true when written `msid-semantic:WMS` (werift, libdatachannel) instead of Chrome's `msid-semantic: WMS`. */
      readonly compact?: true;
    }
  | { readonly type: 'ice-lite' }
  | { readonly type: 'ice-ufrag'; readonly value: string }
  | { readonly type: 'ice-pwd'; readonly value: string }
  | { readonly type: 'ice-options'; readonly options: readonly string[] }
  | { readonly type: 'fingerprint'; readonly algorithm: string; readonly value: string }
  | { readonly type: 'setup'; readonly role: SetupRole }
  | { readonly type: 'mid'; readonly value: string }
  | { readonly type: 'extmap'; readonly id: number; readonly direction?: Direction; readonly uri: string; readonly attributes?: string }
  | { readonly type: 'direction'; readonly direction: Direction }
  | { readonly type: 'msid'; readonly streamId: string; readonly trackId?: string }
  | { readonly type: 'rtcp'; readonly port: number; readonly netType?: string; readonly addrType?: string; readonly address?: string }
  | { readonly type: 'rtcp-mux' }
  | { readonly type: 'rtcp-mux-only' }
  | { readonly type: 'rtcp-rsize' }
  | { readonly type: 'rtpmap'; readonly payloadType: number; readonly encodingName: string; readonly clockRate: number; readonly encodingParameters?: number }
  | { readonly type: 'fmtp'; readonly format: string; readonly parameters: string }
  | { readonly type: 'rtcp-fb'; readonly format: string; readonly feedbackType: string; readonly parameter?: string }
  | { readonly type: 'ssrc'; readonly ssrc: number; readonly attribute: string; readonly value?: string }
  | { readonly type: 'ssrc-group'; readonly semantics: string; readonly ssrcs: readonly number[] }
  | { readonly type: 'rid'; readonly id: string; readonly direction: 'send' | 'recv'; readonly formats: readonly string[]; readonly restrictions: readonly RidRestriction[] }
  | { readonly type: 'simulcast'; readonly directions: readonly SimulcastStreams[] }
  | { readonly type: 'sctp-port'; readonly port: number }
  | { readonly type: 'max-message-size'; readonly sizeBytes: number }
  | { readonly type: 'candidate'; readonly candidate: Candidate }
  | { readonly type: 'end-of-candidates' }
  | { readonly type: 'unknown'; readonly name: string; readonly value?: string };

export type AttributeType = Attribute['type'];
export type AttributeOf<T extends AttributeType> = Extract<Attribute, { type: T }>;

/** Attributes that are a bare name (`a=rtcp-mux`) and take no value. */
const FLAGS = ['extmap-allow-mixed', 'ice-lite', 'rtcp-mux', 'rtcp-mux-only', 'rtcp-rsize', 'end-of-candidates'] as const;
const FLAG_SET: ReadonlySet<string> = new Set(FLAGS);
const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const SETUP_ROLES: ReadonlySet<string> = new Set(['active', 'passive', 'actpass', 'holdconn']);
const U32_MAX = 0xffffffff;

/** Names this module types; any other name parses as `unknown`. */
export const KNOWN_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  ...FLAGS, ...DIRECTIONS, 'group', 'msid-semantic', 'ice-ufrag', 'ice-pwd', 'ice-options', 'fingerprint', 'setup',
  'mid', 'extmap', 'msid', 'rtcp', 'rtpmap', 'fmtp', 'rtcp-fb', 'ssrc', 'ssrc-group', 'rid', 'simulcast',
  'sctp-port', 'max-message-size', 'candidate',
]);

/** RFC 8285 section 7: 1-14 (one-byte), 1-255 (two-byte), 4096-4351 (negotiation). */
function isExtmapId(n: number): boolean {
  return (n >= 1 && n <= 255) || (n >= 4096 && n <= 4351);
}

const RID_ID_RE = /^[A-Za-z0-9_-]+$/;

function parseRidId(text: string | undefined, what: string): string {
  if (text === undefined || !RID_ID_RE.test(text)) throw new ParseError(`${what} must be 1*(alpha-numeric / "-" / "_"): ${JSON.stringify(clip(text ?? ''))}`);
  return text;
}

function noValue(name: string, value: string | undefined): void {
  if (value !== undefined) throw new ParseError(`a=${name} takes no value`);
}

function needValue(name: string, value: string | undefined): string {
  if (value === undefined) throw new ParseError(`a=${name} needs a value`);
  return value;
}

/** Splits `head rest` at the first space; rest undefined when there is none. */
function firstSpace(text: string): [string, string | undefined] {
  const i = text.indexOf(' ');
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/**
 * Parses the text after `a=`: `name` or `name:value`. Throws `ParseError` when a known
 * attribute's value breaks its grammar.
 */
export function parseAttribute(text: string): Attribute {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const value = colon < 0 ? undefined : text.slice(colon + 1);
  if (!isToken(name)) throw new ParseError(`attribute name is not a token: ${JSON.stringify(clip(name))}`);
  if (FLAG_SET.has(name)) {
    noValue(name, value);
    return { type: name as (typeof FLAGS)[number] };
  }
  if (DIRECTIONS.has(name)) {
    noValue(name, value);
    return { type: 'direction', direction: name as Direction };
  }
  switch (name) {
    case 'group': {
      const [semantics, ...mids] = splitFields(needValue(name, value), 'a=group');
      return { type: 'group', semantics: expectToken(semantics, 'group semantics'), mids: mids.map((m) => expectToken(m, 'group identification-tag')) };
    }
    case 'msid-semantic': {
      // Chrome writes "msid-semantic: WMS <ids>" with a space after the colon; werift and
      // libdatachannel write "msid-semantic:WMS *". Both are kept as written.
      const raw = needValue(name, value);
      const compact = !raw.startsWith(' ');
      const [semantics, ...ids] = splitFields(compact ? raw : raw.slice(1), 'a=msid-semantic');
      const out = { type: 'msid-semantic' as const, semantics: expectToken(semantics, 'msid-semantic'), identifiers: ids.map((x) => expectNonWs(x, 'msid-semantic identifier')) };
      return compact ? { ...out, compact: true } : out;
    }
    case 'ice-ufrag':
    case 'ice-pwd':
      return { type: name, value: expectNonWs(needValue(name, value), name) };
    case 'ice-options':
      // RFC 8839 section 5.6 separates tags with SP; libdatachannel writes "ice2,trickle".
      // Tags are kept as written; the iceOptions() accessor also splits at commas.
      return { type: 'ice-options', options: splitFields(needValue(name, value), 'a=ice-options').map((o) => expectNonWs(o, 'ice-option-tag')) };
    case 'fingerprint': {
      const f = splitFields(needValue(name, value), 'a=fingerprint');
      if (f.length !== 2) throw new ParseError('a=fingerprint needs <hash-func> SP <fingerprint>');
      const fp = f[1] as string;
      if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/.test(fp)) throw new ParseError('a=fingerprint value must be hex pairs separated by ":"');
      return { type: 'fingerprint', algorithm: expectToken(f[0], 'fingerprint hash-func'), value: fp };
    }
    case 'setup': {
      const v = needValue(name, value);
      if (!SETUP_ROLES.has(v)) throw new ParseError(`a=setup must be active, passive, actpass or holdconn: ${JSON.stringify(clip(v))}`);
      return { type: 'setup', role: v as SetupRole };
    }
    case 'mid': {
      const v = needValue(name, value);
      return { type: 'mid', value: expectToken(v, 'mid identification-tag') };
    }
    case 'extmap': {
      const [entry, rest] = firstSpace(needValue(name, value));
      if (rest === undefined) throw new ParseError('a=extmap needs <value>["/"<direction>] SP <URI>');
      const slash = entry.indexOf('/');
      const id = parseInteger(slash < 0 ? entry : entry.slice(0, slash), 'extmap id', 1, 4351);
      if (!isExtmapId(id)) throw new ParseError(`extmap id ${id} is not in 1-255 or 4096-4351`);
      const [uri, attributes] = firstSpace(rest);
      expectNonWs(uri, 'extmap URI');
      const out: { type: 'extmap'; id: number; direction?: Direction; uri: string; attributes?: string } = { type: 'extmap', id, uri };
      if (slash >= 0) {
        const d = entry.slice(slash + 1);
        if (!DIRECTIONS.has(d)) throw new ParseError(`extmap direction must be sendrecv, sendonly, recvonly or inactive: ${JSON.stringify(clip(d))}`);
        out.direction = d as Direction;
      }
      if (attributes !== undefined) {
        if (attributes === '') throw new ParseError('a=extmap: empty extension attributes');
        out.attributes = attributes;
      }
      return out;
    }
    case 'msid': {
      const f = splitFields(needValue(name, value), 'a=msid');
      if (f.length > 2) throw new ParseError('a=msid has at most <id> SP <appdata>');
      const streamId = expectNonWs(f[0], 'msid id');
      return f[1] === undefined ? { type: 'msid', streamId } : { type: 'msid', streamId, trackId: expectNonWs(f[1], 'msid appdata') };
    }
    case 'rtcp': {
      const f = splitFields(needValue(name, value), 'a=rtcp');
      const port = parseInteger(f[0], 'rtcp port', 0, 65535);
      if (f.length === 1) return { type: 'rtcp', port };
      if (f.length !== 4) throw new ParseError('a=rtcp needs <port> [<nettype> <addrtype> <address>]');
      return { type: 'rtcp', port, netType: expectToken(f[1], 'rtcp nettype'), addrType: expectToken(f[2], 'rtcp addrtype'), address: expectAddress(f[3], 'rtcp address') };
    }
    case 'rtpmap': {
      const f = splitFields(needValue(name, value), 'a=rtpmap');
      if (f.length !== 2) throw new ParseError('a=rtpmap needs <payload type> SP <encoding name>/<clock rate>[/<encoding parameters>]');
      const payloadType = parseInteger(f[0], 'rtpmap payload type', 0, 127);
      const enc = (f[1] as string).split('/');
      if (enc.length < 2 || enc.length > 3) throw new ParseError('a=rtpmap needs <encoding name>/<clock rate>[/<encoding parameters>]');
      const encodingName = expectToken(enc[0], 'rtpmap encoding name');
      const clockRate = parseInteger(enc[1], 'rtpmap clock rate', 1, U32_MAX);
      if (enc.length === 2) return { type: 'rtpmap', payloadType, encodingName, clockRate };
      return { type: 'rtpmap', payloadType, encodingName, clockRate, encodingParameters: parseInteger(enc[2], 'rtpmap encoding parameters', 1, 255) };
    }
    case 'fmtp': {
      const [format, parameters] = firstSpace(needValue(name, value));
      return { type: 'fmtp', format: expectToken(format, 'fmtp format'), parameters: parameters ?? '' };
    }
    case 'rtcp-fb': {
      const [format, rest] = firstSpace(needValue(name, value));
      if (format !== '*') expectToken(format, 'rtcp-fb payload type');
      if (rest === undefined) throw new ParseError('a=rtcp-fb needs <payload type> SP <feedback type>');
      const [feedbackType, parameter] = firstSpace(rest);
      expectToken(feedbackType, 'rtcp-fb feedback type');
      if (parameter === undefined) return { type: 'rtcp-fb', format, feedbackType };
      if (parameter === '') throw new ParseError('a=rtcp-fb: empty feedback parameter');
      return { type: 'rtcp-fb', format, feedbackType, parameter };
    }
    case 'ssrc': {
      const [id, rest] = firstSpace(needValue(name, value));
      const ssrc = parseInteger(id, 'ssrc', 0, U32_MAX);
      if (rest === undefined) throw new ParseError('a=ssrc needs <ssrc-id> SP <attribute>[:<value>]');
      const colonAt = rest.indexOf(':');
      const attribute = expectToken(colonAt < 0 ? rest : rest.slice(0, colonAt), 'ssrc attribute name');
      return colonAt < 0 ? { type: 'ssrc', ssrc, attribute } : { type: 'ssrc', ssrc, attribute, value: rest.slice(colonAt + 1) };
    }
    case 'ssrc-group': {
      const [semantics, ...ids] = splitFields(needValue(name, value), 'a=ssrc-group');
      return { type: 'ssrc-group', semantics: expectToken(semantics, 'ssrc-group semantics'), ssrcs: ids.map((x) => parseInteger(x, 'ssrc-group ssrc', 0, U32_MAX)) };
    }
    case 'rid':
      return parseRid(needValue(name, value));
    case 'simulcast':
      return parseSimulcast(needValue(name, value));
    case 'sctp-port':
      return { type: 'sctp-port', port: parseInteger(needValue(name, value), 'sctp-port', 0, 65535) };
    case 'max-message-size':
      return { type: 'max-message-size', sizeBytes: parseInteger(needValue(name, value), 'max-message-size', 0, Number.MAX_SAFE_INTEGER) };
    case 'candidate':
      return { type: 'candidate', candidate: parseCandidateValue(needValue(name, value)) };
    default:
      return value === undefined ? { type: 'unknown', name } : { type: 'unknown', name, value };
  }
}

/** RFC 8851 section 10: rid-id SP rid-dir [SP (pt=fmt-list / rid-param) *(";" rid-param)]. */
function parseRid(value: string): Attribute {
  const f = splitFields(value, 'a=rid');
  if (f.length < 2 || f.length > 3) throw new ParseError('a=rid needs <rid-id> SP <send|recv> [SP <params>]');
  const id = parseRidId(f[0], 'rid-id');
  const direction = f[1];
  if (direction !== 'send' && direction !== 'recv') throw new ParseError(`rid direction must be send or recv: ${JSON.stringify(clip(direction ?? ''))}`);
  const formats: string[] = [];
  const restrictions: RidRestriction[] = [];
  if (f[2] !== undefined) {
    const params = f[2].split(';');
    params.forEach((p, index) => {
      if (index === 0 && p.startsWith('pt=')) {
        for (const fmt of p.slice(3).split(',')) formats.push(expectToken(fmt, 'rid pt format'));
        return;
      }
      const eq = p.indexOf('=');
      const pname = eq < 0 ? p : p.slice(0, eq);
      if (!/^[A-Za-z0-9-]+$/.test(pname)) throw new ParseError(`rid parameter name is malformed: ${JSON.stringify(clip(pname))}`);
      if (eq < 0) {
        restrictions.push({ name: pname });
      } else {
        const pv = p.slice(eq + 1);
        if (pv === '' || /[;\s]/.test(pv)) throw new ParseError(`rid parameter ${pname} has a malformed value`);
        restrictions.push({ name: pname, value: pv });
      }
    });
  }
  return { type: 'rid', id, direction, formats, restrictions };
}

/** RFC 8853 section 5.1: sc-value = (sc-send [SP sc-recv]) / (sc-recv [SP sc-send]). */
function parseSimulcast(value: string): Attribute {
  const f = splitFields(value, 'a=simulcast');
  if (f.length !== 2 && f.length !== 4) throw new ParseError('a=simulcast needs send/recv SP <streams> [SP recv/send SP <streams>]');
  const directions: SimulcastStreams[] = [];
  for (let i = 0; i < f.length; i += 2) {
    const direction = f[i];
    if (direction !== 'send' && direction !== 'recv') throw new ParseError(`simulcast direction must be send or recv: ${JSON.stringify(clip(direction ?? ''))}`);
    if (directions.some((d) => d.direction === direction)) throw new ParseError(`simulcast ${direction} appears twice`);
    const streams = (f[i + 1] as string).split(';').map((alts) =>
      alts.split(',').map((id) => (id.startsWith('~') ? { rid: parseRidId(id.slice(1), 'simulcast rid-id'), paused: true } : { rid: parseRidId(id, 'simulcast rid-id'), paused: false })),
    );
    directions.push({ direction, streams });
  }
  return { type: 'simulcast', directions };
}

/** The text after `a=` for one attribute (inverse of `parseAttribute`). */
export function serializeAttribute(a: Attribute): string {
  switch (a.type) {
    case 'extmap-allow-mixed':
    case 'ice-lite':
    case 'rtcp-mux':
    case 'rtcp-mux-only':
    case 'rtcp-rsize':
    case 'end-of-candidates':
      return a.type;
    case 'direction':
      return a.direction;
    case 'group':
      return `group:${[a.semantics, ...a.mids].join(' ')}`;
    case 'msid-semantic':
      return `msid-semantic:${a.compact === true ? '' : ' '}${[a.semantics, ...a.identifiers].join(' ')}`;
    case 'ice-ufrag':
    case 'ice-pwd':
      return `${a.type}:${a.value}`;
    case 'ice-options':
      return `ice-options:${a.options.join(' ')}`;
    case 'fingerprint':
      return `fingerprint:${a.algorithm} ${a.value}`;
    case 'setup':
      return `setup:${a.role}`;
    case 'mid':
      return `mid:${a.value}`;
    case 'extmap':
      return `extmap:${a.id}${a.direction === undefined ? '' : `/${a.direction}`} ${a.uri}${a.attributes === undefined ? '' : ` ${a.attributes}`}`;
    case 'msid':
      return `msid:${a.streamId}${a.trackId === undefined ? '' : ` ${a.trackId}`}`;
    case 'rtcp':
      return a.address === undefined ? `rtcp:${a.port}` : `rtcp:${a.port} ${a.netType ?? 'IN'} ${a.addrType ?? 'IP4'} ${a.address}`;
    case 'rtpmap':
      return `rtpmap:${a.payloadType} ${a.encodingName}/${a.clockRate}${a.encodingParameters === undefined ? '' : `/${a.encodingParameters}`}`;
    case 'fmtp':
      return a.parameters === '' ? `fmtp:${a.format}` : `fmtp:${a.format} ${a.parameters}`;
    case 'rtcp-fb':
      return `rtcp-fb:${a.format} ${a.feedbackType}${a.parameter === undefined ? '' : ` ${a.parameter}`}`;
    case 'ssrc':
      return `ssrc:${a.ssrc} ${a.attribute}${a.value === undefined ? '' : `:${a.value}`}`;
    case 'ssrc-group':
      return `ssrc-group:${[a.semantics, ...a.ssrcs.map(String)].join(' ')}`;
    case 'rid': {
      const params = [
        ...(a.formats.length > 0 ? [`pt=${a.formats.join(',')}`] : []),
        ...a.restrictions.map((r) => (r.value === undefined ? r.name : `${r.name}=${r.value}`)),
      ];
      return `rid:${a.id} ${a.direction}${params.length > 0 ? ` ${params.join(';')}` : ''}`;
    }
    case 'simulcast':
      return `simulcast:${a.directions
        .map((d) => `${d.direction} ${d.streams.map((alts) => alts.map((id) => `${id.paused ? '~' : ''}${id.rid}`).join(',')).join(';')}`)
        .join(' ')}`;
    case 'sctp-port':
      return `sctp-port:${a.port}`;
    case 'max-message-size':
      return `max-message-size:${a.sizeBytes}`;
    case 'candidate':
      return `candidate:${serializeCandidateValue(a.candidate)}`;
    case 'unknown':
      return a.value === undefined ? a.name : `${a.name}:${a.value}`;
  }
}
