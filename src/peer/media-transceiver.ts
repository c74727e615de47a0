/**
 * @module peer/media-transceiver
 * What the peer knows about one RTP transceiver's negotiated media (W3C webrtc-pc 5.4
 * RTCRtpTransceiver, RFC 8829 section 5.10 "Processing RTP m= sections"), computed from
 * the offer and answer of the last completed exchange:
 *
 * - currentDirection: the answer's direction from our side (RFC 3264 section 6.1; W3C
 *   "set the current direction" reverses a remote answer's).
 * - codecs: the answer's codecs in its order with RTX paired by apt (RFC 4588 section 8.6);
 *   their payload types are the offer's (RFC 3264 section 6.1), which is what the remote
 *   expects when we send. Only codecs we can packetize are kept.
 * - header extensions: the answer's extmap ids (RFC 8285 section 7).
 * - remote SSRCs: a=ssrc and a=ssrc-group:FID of the remote section (RFC 5576 sections
 *   4.1, 4.2; RFC 4588 section 8.3).
 * - remote msid: a=msid (RFC 8830 section 2, W3C "MSIDs" with "-" meaning no stream),
 *   else the msid of a=ssrc lines (what Plan B era peers write).
 */
import type { Direction, MediaDescription, SessionDescription } from '../sdp/index.js';
import { codecs as sdpCodecs, direction as sdpDirection, headerExtensions, isPortZero, msids, reverseDirection, rtcpReducedSize, rtxApt, ssrcGroups, ssrcs } from '../sdp/index.js';
import type { RtpCodec } from './media-cores.js';
import { isSupportedCodec } from '../media/codecs.js';
import { codecsMatch, describeCodec } from '../sdp/codec-match.js';

export type { RtpCodec };

export type MediaKind = 'audio' | 'video';

/** W3C RTCRtpTransceiverInit, as the sans-IO peer takes it. */
export interface TransceiverInit {
  readonly direction?: Direction;
  readonly streams?: readonly string[];
  /** The id of the track to send; null or absent: no track yet. */
  readonly trackId?: string | null;
  /**
   * Made by W3C addTrack (not addTransceiver): until negotiated, a remote offer's new m=
   * line of the same kind takes this transceiver (W3C 4.4.1.6), which then gets the
   * offer's mid ('transceiver-mid' event).
   */
  readonly addTrack?: boolean;
}

/** The track a transceiver sends: its id and the streams it belongs to (RFC 8830 msid). */
export interface SendTrack {
  readonly trackId: string;
  readonly streamIds: readonly string[];
}

export interface TransceiverInfo {
  readonly mid: string;
  readonly kind: MediaKind;
  readonly direction: Direction;
  readonly currentDirection: Direction | null;
  readonly stopped: boolean;
  /** The first negotiated codec (what we send). */
  readonly sendCodec: RtpCodec | undefined;
  /** Negotiated, in preference order. */
  readonly codecs: readonly RtpCodec[];
  readonly headerExtensions: readonly { readonly id: number; readonly uri: string }[];
  readonly localSsrc: number;
  readonly localRtxSsrc: number | undefined;
  readonly cname: string;
  /**
   * The stream ids of the remote track (a=msid), refreshed by every remote description
   * (W3C 4.4.1.6 "set the associated remote streams"), also while the remote does not send.
   */
  readonly remoteStreamIds: readonly string[];
  readonly remoteTrackId: string | undefined;
  /** a=rtcp-rsize was negotiated (RFC 5506 section 5; false before an exchange completed). */
  readonly rtcpReducedSize: boolean;
}

/** The URIs of the header extensions the media cores write (RFC 8843 15, RFC 8285 ids). */
export const ExtensionUri = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
} as const;


const SENDS: ReadonlySet<Direction> = new Set(['sendrecv', 'sendonly']);
const RECEIVES: ReadonlySet<Direction> = new Set(['sendrecv', 'recvonly']);

export function directionSends(d: Direction | null | undefined): boolean {
  return d !== null && d !== undefined && SENDS.has(d);
}
export function directionReceives(d: Direction | null | undefined): boolean {
  return d !== null && d !== undefined && RECEIVES.has(d);
}

/** A section is rejected when its port is 0 and it is not bundle-only (RFC 8843 section 6). */
export function isRejected(m: MediaDescription): boolean {
  return isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only');
}

/** The codecs of a section with RTX folded into the codec it repairs; only codecs we packetize. */
export function sectionCodecs(m: MediaDescription): RtpCodec[] {
  const all = sdpCodecs(m);
  const rtxFor = new Map<number, number>();
  for (const c of all) {
    const apt = rtxApt(c);
    if (apt !== undefined && !rtxFor.has(apt)) rtxFor.set(apt, c.payloadType);
  }
  const out: RtpCodec[] = [];
  for (const c of all) {
    if (!isSupportedCodec(c.name)) continue; // only what the media cores packetize
    const rtx = rtxFor.get(c.payloadType);
    out.push({
      payloadType: c.payloadType, name: c.name, clockRate: c.clockRate,
      ...(c.channels !== undefined && m.kind === 'audio' ? { channels: c.channels } : {}),
      ...(c.fmtp !== '' ? { fmtp: c.fmtp } : {}),
      ...(rtx !== undefined ? { rtxPayloadType: rtx } : {}),
      feedback: c.feedback.map((f) => (f.parameter === undefined ? { type: f.type } : { type: f.type, parameter: f.parameter })),
    });
  }
  return out;
}

/** Every payload type a section receives on: its codecs and their RTX. */
export function codecPayloadTypes(codecs: readonly RtpCodec[]): number[] {
  return codecs.flatMap((c) => (c.rtxPayloadType === undefined ? [c.payloadType] : [c.payloadType, c.rtxPayloadType]));
}

/** The remote SSRCs a section declares: the media SSRC, its RTX (FID) and every other listed one. */
export function remoteSsrcInfo(m: MediaDescription): { readonly ssrc: number | undefined; readonly rtxSsrc: number | undefined; readonly all: readonly number[] } {
  const list = ssrcs(m).map((s) => s.ssrc);
  const fid = ssrcGroups(m).find((g) => g.semantics === 'FID' && g.ssrcs.length >= 2);
  const ssrc = fid ? fid.ssrcs[0] : list[0];
  const rtxSsrc = fid ? fid.ssrcs[1] : undefined;
  const all = new Set(list);
  for (const g of ssrcGroups(m)) for (const s of g.ssrcs) all.add(s);
  return { ssrc, rtxSsrc, all: [...all] };
}

/** The remote track's stream ids and track id (RFC 8830 section 2; "-" means no stream). */
export function remoteMsid(m: MediaDescription): { readonly streamIds: readonly string[]; readonly trackId: string | undefined } {
  const lines = msids(m);
  if (lines.length > 0) {
    return { streamIds: [...new Set(lines.map((l) => l.streamId).filter((s) => s !== '-'))], trackId: lines.find((l) => l.trackId !== undefined)?.trackId };
  }
  const fromSsrc = ssrcs(m).find((s) => s.msid !== undefined)?.msid;
  if (fromSsrc) return { streamIds: fromSsrc.streamId === '-' ? [] : [fromSsrc.streamId], trackId: fromSsrc.trackId };
  return { streamIds: [], trackId: undefined };
}

/** What one completed offer/answer exchange negotiated for one RTP section. */
export interface NegotiatedMedia {
  readonly mid: string;
  readonly rejected: boolean;
  /** From our side. */
  readonly direction: Direction;
  readonly codecs: readonly RtpCodec[];
  readonly extensions: readonly { readonly id: number; readonly uri: string }[];
  readonly rtcpReducedSize: boolean;
  readonly remoteSsrc: number | undefined;
  readonly remoteRtxSsrc: number | undefined;
  readonly remoteSsrcs: readonly number[];
}

/**
 * The negotiated media of section `index` given our and the remote description and which
 * of them is the answer (RFC 8829 section 5.10, W3C "set the current direction").
 */
export function negotiatedMedia(local: SessionDescription, remote: SessionDescription, index: number, answeredBy: 'local' | 'remote', mid: string): NegotiatedMedia | undefined {
  const l = local.media[index];
  const r = remote.media[index];
  if (!l || !r || (l.kind !== 'audio' && l.kind !== 'video')) return undefined;
  const answer = answeredBy === 'local' ? l : r;
  const rejected = isRejected(l) || isRejected(r);
  const direction: Direction = rejected ? 'inactive' : answeredBy === 'local' ? sdpDirection(l, local) : reverseDirection(sdpDirection(r, remote));
  const info = remoteSsrcInfo(r);
  return {
    mid, rejected, direction,
    codecs: rejected ? [] : sectionCodecs(answer),
    extensions: rejected ? [] : headerExtensions(answer, answeredBy === 'local' ? local : remote).map((e) => ({ id: e.id, uri: e.uri })),
    rtcpReducedSize: rtcpReducedSize(answer),
    remoteSsrc: info.ssrc, remoteRtxSsrc: info.rtxSsrc, remoteSsrcs: info.all,
  };
}

/** The negotiated id of `uri`, if any. */
export function extensionId(extensions: readonly { readonly id: number; readonly uri: string }[], uri: string): number | undefined {
  return extensions.find((e) => e.uri === uri)?.id;
}

/** One entry of W3C setCodecPreferences (RTCRtpCodec without the mime type prefix). */
export interface CodecPreference {
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** sdpFmtpLine; compared by codec semantics (RFC 6184 profile-level-id, VP9 profile-id, AV1 profile). */
  readonly fmtp?: string;
}

/** Codecs repaired or carried by others: they follow their primary codec, not the preference list. */
const NOT_PREFERABLE = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

/**
 * RFC 8829 section 5.2.1 / 5.3.1 with codec preferences (W3C 5.4.1): the codecs in the
 * preferences' order, those not preferred left out. An empty or unmatched preference list
 * leaves `list` as it is.
 */
export function applyCodecPreferences<T extends { readonly name: string; readonly clockRate: number; readonly channels?: number; readonly fmtp?: string }>(
  list: readonly T[],
  prefs: readonly CodecPreference[] | null,
): T[] {
  if (!prefs || prefs.length === 0) return [...list];
  const out: T[] = [];
  for (const p of prefs) {
    if (NOT_PREFERABLE.has(p.name.toLowerCase())) continue;
    const want = describeCodec(p.name, p.clockRate, p.fmtp ?? '', p.channels);
    for (const c of list) {
      if (out.includes(c)) continue;
      // A preference without fmtp or channels leaves those out of the comparison.
      const have = describeCodec(c.name, c.clockRate, p.fmtp === undefined ? '' : (c.fmtp ?? ''), p.channels === undefined ? undefined : (c.channels ?? 1));
      if (codecsMatch(have, want)) out.push(c);
    }
  }
  return out.length > 0 ? out : [...list];
}
