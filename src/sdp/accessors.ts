/**
 * @module sdp/accessors
 * Read-only views over the plain model that the peer connection needs: the session
 * BUNDLE groups (RFC 8843 section 5), and per m= section the mid (RFC 5888 section 4),
 * direction (RFC 8866 section 6.7, with the session-level value as default),
 * ICE credentials and options (RFC 8839 sections 5.4, 5.6), fingerprints and setup role
 * (RFC 8842 section 5, session-level values as default), codecs joined from rtpmap,
 * fmtp and rtcp-fb per payload type (RFC 8866 sections 6.6 and 6.15, RFC 4585 section
 * 4.2, RFC 3551 section 6 static payload types), header extensions (RFC 8285 section 8),
 * SSRCs (RFC 5576), rids and simulcast (RFC 8851, RFC 8853), sctp-port and
 * max-message-size (RFC 8841 sections 5-6). Functions, not getters: the model stays
 * plain data that round-trips.
 */
import type { Attribute, AttributeOf, AttributeType, Direction, SetupRole, SimulcastStreams, RidRestriction } from './attributes.js';
import type { Candidate } from './candidate.js';
import type { MediaDescription, SessionDescription, Connection } from './session.js';

type Section = Pick<MediaDescription, 'attributes'> | Pick<SessionDescription, 'attributes'>;

/** All attributes of one type at one level, in order. */
export function attributesOf<T extends AttributeType>(section: Section, type: T): AttributeOf<T>[] {
  return section.attributes.filter((a): a is AttributeOf<T> => a.type === type);
}

/** The first attribute of one type at one level. */
export function firstAttribute<T extends AttributeType>(section: Section, type: T): AttributeOf<T> | undefined {
  return section.attributes.find((a): a is AttributeOf<T> => a.type === type);
}

/** Unknown attributes with this name (e.g. `rtcp-xr`, `ptime`), in order. */
export function unknownAttributes(section: Section, name: string): AttributeOf<'unknown'>[] {
  return section.attributes.filter((a): a is AttributeOf<'unknown'> => a.type === 'unknown' && a.name === name);
}

function hasFlag(section: Section, type: AttributeType): boolean {
  return section.attributes.some((a) => a.type === type);
}

/** `a=group` lines with this semantics (default BUNDLE), each as its list of mids. */
export function groups(session: SessionDescription, semantics = 'BUNDLE'): string[][] {
  return attributesOf(session, 'group').filter((g) => g.semantics === semantics).map((g) => [...g.mids]);
}

/** The BUNDLE groups of the session (RFC 8843 section 5, RFC 5888 section 5). */
export function bundleGroups(session: SessionDescription): string[][] {
  return groups(session, 'BUNDLE');
}

/** The BUNDLE group holding this mid, if any. */
export function bundleGroupOf(session: SessionDescription, mid: string): string[] | undefined {
  return bundleGroups(session).find((g) => g.includes(mid));
}

export function isIceLite(session: SessionDescription): boolean {
  return hasFlag(session, 'ice-lite');
}

export function extmapAllowMixed(session: SessionDescription, media?: MediaDescription): boolean {
  return hasFlag(session, 'extmap-allow-mixed') || (media !== undefined && hasFlag(media, 'extmap-allow-mixed'));
}

export function mid(media: MediaDescription): string | undefined {
  return firstAttribute(media, 'mid')?.value;
}

/** Index of the m= section with this mid. */
export function mediaIndexByMid(session: SessionDescription, value: string): number {
  return session.media.findIndex((m) => mid(m) === value);
}

/** Media direction; the session-level attribute is the default, then sendrecv. */
export function direction(media: MediaDescription, session?: SessionDescription): Direction {
  return firstAttribute(media, 'direction')?.direction ?? (session && firstAttribute(session, 'direction')?.direction) ?? 'sendrecv';
}

export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** ice-ufrag and ice-pwd, media level first, then session level (RFC 8839 section 5.4). */
export function iceCredentials(media: MediaDescription, session?: SessionDescription): IceCredentials | undefined {
  const ufrag = firstAttribute(media, 'ice-ufrag')?.value ?? (session && firstAttribute(session, 'ice-ufrag')?.value);
  const pwd = firstAttribute(media, 'ice-pwd')?.value ?? (session && firstAttribute(session, 'ice-pwd')?.value);
  return ufrag !== undefined && pwd !== undefined ? { ufrag, pwd } : undefined;
}

/**
 * ice-options tags, media level first, then session level (RFC 8839 section 5.6).
 * Comma-joined tags (libdatachannel's `ice2,trickle`) are split too.
 */
export function iceOptions(media: MediaDescription, session?: SessionDescription): string[] {
  const m = firstAttribute(media, 'ice-options') ?? (session && firstAttribute(session, 'ice-options'));
  return m ? m.options.flatMap((o) => o.split(',')).filter((o) => o !== '') : [];
}

export interface Fingerprint {
  readonly algorithm: string;
  readonly value: string;
}

/** All fingerprints that apply (RFC 8122 section 5: media level replaces session level). */
export function fingerprints(media: MediaDescription, session?: SessionDescription): Fingerprint[] {
  const own = attributesOf(media, 'fingerprint');
  const list = own.length > 0 || session === undefined ? own : attributesOf(session, 'fingerprint');
  return list.map((f) => ({ algorithm: f.algorithm, value: f.value }));
}

/** Bytes of a fingerprint value (`AB:CD:...`). */
export function fingerprintBytes(f: Fingerprint): Uint8Array {
  return Uint8Array.from(f.value.split(':'), (h) => parseInt(h, 16));
}

/** a=setup, media level first, then session level (RFC 8842 section 5.1). */
export function setupRole(media: MediaDescription, session?: SessionDescription): SetupRole | undefined {
  return firstAttribute(media, 'setup')?.role ?? (session && firstAttribute(session, 'setup')?.role);
}

export function candidates(media: MediaDescription): Candidate[] {
  return attributesOf(media, 'candidate').map((a) => a.candidate);
}

export function endOfCandidates(media: MediaDescription, session?: SessionDescription): boolean {
  return hasFlag(media, 'end-of-candidates') || (session !== undefined && hasFlag(session, 'end-of-candidates'));
}

export function rtcpMux(media: MediaDescription): boolean {
  return hasFlag(media, 'rtcp-mux') || hasFlag(media, 'rtcp-mux-only');
}

export function rtcpReducedSize(media: MediaDescription): boolean {
  return hasFlag(media, 'rtcp-rsize');
}

/** The media connection lines, or the session-level one (RFC 8866 section 5.7). */
export function connections(media: MediaDescription, session?: SessionDescription): Connection[] {
  if (media.connections.length > 0) return [...media.connections];
  return session?.connection ? [session.connection] : [];
}

export interface Msid {
  readonly streamId: string;
  readonly trackId?: string;
}

export function msids(media: MediaDescription): Msid[] {
  return attributesOf(media, 'msid').map((a) => (a.trackId === undefined ? { streamId: a.streamId } : { streamId: a.streamId, trackId: a.trackId }));
}

/** One `key=value` of an fmtp line; `value` absent for bare tokens like RED's `111/111`. */
export interface FmtpParameter {
  readonly name: string;
  readonly value?: string;
}

/**
 * Splits fmtp parameters at `;` (RFC 8866 section 6.15 leaves the format to each codec;
 * all WebRTC codecs use `name=value;...`, some with a space after `;`).
 */
export function parseFmtpParameters(text: string): FmtpParameter[] {
  const out: FmtpParameter[] = [];
  for (const raw of text.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push({ name: part });
    else out.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
  }
  return out;
}

export interface RtcpFeedback {
  readonly type: string;
  readonly parameter?: string;
}

/** One payload type with its rtpmap, fmtp and rtcp-fb lines joined. */
export interface Codec {
  readonly payloadType: number;
  /** As written in rtpmap (`opus`, `VP8`, `H264`, `rtx`). */
  readonly name: string;
  readonly clockRate: number;
  /** Audio channels (rtpmap encoding parameters; 1 for audio when omitted). */
  readonly channels?: number;
  /** The fmtp text as written, '' when there is no fmtp line. */
  readonly fmtp: string;
  readonly parameters: readonly FmtpParameter[];
  /** rtcp-fb lines for this payload type and for `*`, in order. */
  readonly feedback: readonly RtcpFeedback[];
}

/** RFC 3551 section 6 static payload types usable without a=rtpmap. */
const STATIC_PAYLOAD_TYPES: Readonly<Record<number, { name: string; clockRate: number; channels?: number }>> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  3: { name: 'GSM', clockRate: 8000, channels: 1 },
  4: { name: 'G723', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
  13: { name: 'CN', clockRate: 8000, channels: 1 },
  18: { name: 'G729', clockRate: 8000, channels: 1 },
  26: { name: 'JPEG', clockRate: 90000 },
  31: { name: 'H261', clockRate: 90000 },
  34: { name: 'H263', clockRate: 90000 },
};

/**
 * Most rtcp-fb entries kept per codec (its own plus `*` ones). Chrome sends 5; the bound
 * keeps a hostile SDP with many `a=rtcp-fb:*` lines from costing formats x lines memory.
 */
export const MAX_FEEDBACK_PER_CODEC = 32;

/**
 * The codecs of an RTP m= section in m= line order. Formats that are not payload types
 * (0..127), repeated formats, and formats that lack both an rtpmap and a static
 * assignment are left out. The first rtpmap/fmtp line for a payload type wins.
 * Linear in the size of the section.
 */
export function codecs(media: MediaDescription): Codec[] {
  const rtpmaps = new Map<number, AttributeOf<'rtpmap'>>();
  const fmtps = new Map<string, string>();
  const ownFeedback = new Map<string, RtcpFeedback[]>();
  const anyFeedback: RtcpFeedback[] = [];
  for (const a of media.attributes) {
    if (a.type === 'rtpmap') {
      if (!rtpmaps.has(a.payloadType)) rtpmaps.set(a.payloadType, a);
    } else if (a.type === 'fmtp') {
      if (!fmtps.has(a.format)) fmtps.set(a.format, a.parameters);
    } else if (a.type === 'rtcp-fb') {
      const fb = a.parameter === undefined ? { type: a.feedbackType } : { type: a.feedbackType, parameter: a.parameter };
      const list = a.format === '*' ? anyFeedback : (ownFeedback.get(a.format) ?? []);
      if (a.format !== '*' && !ownFeedback.has(a.format)) ownFeedback.set(a.format, list);
      if (list.length < MAX_FEEDBACK_PER_CODEC) list.push(fb);
    }
  }
  const out: Codec[] = [];
  const seen = new Set<number>();
  for (const fmt of media.formats) {
    if (!/^[0-9]{1,3}$/.test(fmt)) continue;
    const pt = Number(fmt);
    if (pt > 127 || seen.has(pt)) continue;
    seen.add(pt);
    const map = rtpmaps.get(pt);
    const fixed = STATIC_PAYLOAD_TYPES[pt];
    if (map === undefined && fixed === undefined) continue;
    const fmtp = fmtps.get(fmt) ?? fmtps.get(String(pt)) ?? '';
    // With `*` lines present, own and wildcard entries are merged in SDP order.
    const own = ownFeedback.get(fmt) ?? [];
    const feedback = anyFeedback.length === 0 ? [...own] : mergeFeedback(media, fmt);
    const name = map?.encodingName ?? (fixed as { name: string }).name;
    const clockRate = map?.clockRate ?? (fixed as { clockRate: number }).clockRate;
    // RFC 8866 section 6.6: for audio, encoding parameters may be omitted when there is one channel.
    const channels = (map ? map.encodingParameters : fixed?.channels) ?? (media.kind === 'audio' ? 1 : undefined);
    const codec: { payloadType: number; name: string; clockRate: number; channels?: number; fmtp: string; parameters: FmtpParameter[]; feedback: RtcpFeedback[] } = {
      payloadType: pt, name, clockRate, fmtp, parameters: parseFmtpParameters(fmtp), feedback,
    };
    if (channels !== undefined) codec.channels = channels;
    out.push(codec);
  }
  return out;
}

/** rtcp-fb lines for `fmt` and `*` in SDP order, at most MAX_FEEDBACK_PER_CODEC. */
function mergeFeedback(media: MediaDescription, fmt: string): RtcpFeedback[] {
  const out: RtcpFeedback[] = [];
  for (const a of media.attributes) {
    if (out.length >= MAX_FEEDBACK_PER_CODEC) break;
    if (a.type === 'rtcp-fb' && (a.format === fmt || a.format === '*')) {
      out.push(a.parameter === undefined ? { type: a.feedbackType } : { type: a.feedbackType, parameter: a.parameter });
    }
  }
  return out;
}

/** The value of one fmtp parameter (names compare case-insensitively, RFC 6184 8.1). */
export function fmtpValue(codec: Pick<Codec, 'parameters'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return codec.parameters.find((p) => p.name.toLowerCase() === lower)?.value;
}

/** For an `rtx` codec, the payload type it repairs (RFC 4588 section 8.6 `apt`). */
export function rtxApt(codec: Codec): number | undefined {
  if (codec.name.toLowerCase() !== 'rtx') return undefined;
  const apt = fmtpValue(codec, 'apt');
  return apt !== undefined && /^[0-9]{1,3}$/.test(apt) ? Number(apt) : undefined;
}

export interface HeaderExtension {
  readonly id: number;
  readonly uri: string;
  readonly direction?: Direction;
  readonly attributes?: string;
}

/** extmap lines (RFC 8285 section 5): session-level ones first, then the section's. */
export function headerExtensions(media: MediaDescription, session?: SessionDescription): HeaderExtension[] {
  const list = [...(session ? attributesOf(session, 'extmap') : []), ...attributesOf(media, 'extmap')];
  return list.map(({ type: _type, ...rest }) => rest);
}

export interface SsrcInfo {
  readonly ssrc: number;
  readonly cname?: string;
  /** `a=ssrc:<n> msid:<stream> <track>` split at the space. */
  readonly msid?: Msid;
  readonly attributes: readonly { readonly name: string; readonly value?: string }[];
}

/** SSRCs in order of first appearance, with their `a=ssrc` attributes (RFC 5576 4.1). */
export function ssrcs(media: MediaDescription): SsrcInfo[] {
  const byId = new Map<number, { ssrc: number; cname?: string; msid?: Msid; attributes: { name: string; value?: string }[] }>();
  for (const a of attributesOf(media, 'ssrc')) {
    let info = byId.get(a.ssrc);
    if (!info) {
      info = { ssrc: a.ssrc, attributes: [] };
      byId.set(a.ssrc, info);
    }
    info.attributes.push(a.value === undefined ? { name: a.attribute } : { name: a.attribute, value: a.value });
    if (a.attribute === 'cname' && a.value !== undefined && info.cname === undefined) info.cname = a.value;
    if (a.attribute === 'msid' && a.value !== undefined && info.msid === undefined) {
      const [streamId, trackId] = a.value.split(' ');
      info.msid = trackId === undefined ? { streamId: streamId ?? '' } : { streamId: streamId ?? '', trackId };
    }
  }
  return [...byId.values()];
}

export interface SsrcGroup {
  readonly semantics: string;
  readonly ssrcs: readonly number[];
}

export function ssrcGroups(media: MediaDescription): SsrcGroup[] {
  return attributesOf(media, 'ssrc-group').map((g) => ({ semantics: g.semantics, ssrcs: [...g.ssrcs] }));
}

export interface Rid {
  readonly id: string;
  readonly direction: 'send' | 'recv';
  readonly formats: readonly string[];
  readonly restrictions: readonly RidRestriction[];
}

export function rids(media: MediaDescription): Rid[] {
  return attributesOf(media, 'rid').map(({ type: _type, ...rest }) => rest);
}

export function simulcast(media: MediaDescription): readonly SimulcastStreams[] | undefined {
  return firstAttribute(media, 'simulcast')?.directions;
}

export function sctpPort(media: MediaDescription): number | undefined {
  return firstAttribute(media, 'sctp-port')?.port;
}

/** RFC 8841 section 6: absent means 64 KiB is safe to assume; 0 means no limit. */
export function maxMessageSize(media: MediaDescription): number | undefined {
  return firstAttribute(media, 'max-message-size')?.sizeBytes;
}

/** True when the m= section has port 0: rejected, or bundle-only (RFC 8843 section 6). */
export function isPortZero(media: MediaDescription): boolean {
  return media.port === 0;
}

/** `a=bundle-only` (RFC 8843 section 6). */
export function isBundleOnly(media: MediaDescription): boolean {
  return media.attributes.some((a: Attribute) => a.type === 'unknown' && a.name === 'bundle-only');
}
