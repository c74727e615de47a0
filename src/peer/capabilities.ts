/**
 * @module peer/capabilities
 * The codecs and RTP header extensions this peer offers and accepts (RFC 8829 section
 * 5.2.1: an offer lists every supported codec; RFC 7874 section 3 makes Opus mandatory for
 * audio, RFC 7742 section 5 VP8 and H.264 constrained baseline for video; RFC 9628 VP9
 * and the AV1 RTP specification besides), with the payload types and extmap ids we write
 * into our own offers (RFC 3551 section 3: the dynamic range 96-127; RFC 8285 section 5:
 * ids 1-14 for one-byte headers).
 */
import type { HeaderExtension, RtcpFeedback } from '../sdp/accessors.js';
import type { CodecToWrite } from '../sdp/build.js';
import type { CodecCapability } from '../sdp/jsep.js';
import type { RtpCodec } from '../media/codecs.js';

const VIDEO_FEEDBACK: readonly RtcpFeedback[] = [
  { type: 'goog-remb' },
  { type: 'transport-cc' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
];

const VP9_PROFILE_0: CodecCapability = { kind: 'video', name: 'VP9', clockRate: 90000, fmtp: 'profile-id=0', feedback: VIDEO_FEEDBACK, rtx: true };
const AV1_MAIN: CodecCapability = { kind: 'video', name: 'AV1', clockRate: 90000, fmtp: 'level-idx=5;profile=0;tier=0', feedback: VIDEO_FEEDBACK, rtx: true };

/**
 * What we offer and accept by default: every codec the media cores packetize and
 * depacketize (src/media/codecs.ts isSupportedCodec). Opus; VP8 and H.264 constrained
 * baseline (packetization-mode 1) first, the RFC 7742 section 5 mandatory pair, with VP8
 * our first choice; then VP9 profile 0 (RFC 9628 section 6, `profile-id=0`) and AV1 main
 * profile (AV1 RTP specification 7.2, Chrome's `level-idx=5;profile=0;tier=0`). Every video
 * codec with RTX (RFC 4588) and Chrome's feedback set.
 */
export const DEFAULT_CODECS: readonly CodecCapability[] = [
  { kind: 'audio', name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: [{ type: 'transport-cc' }] },
  { kind: 'video', name: 'VP8', clockRate: 90000, feedback: VIDEO_FEEDBACK, rtx: true },
  {
    kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    feedback: VIDEO_FEEDBACK, rtx: true,
  },
  VP9_PROFILE_0,
  AV1_MAIN,
];

/**
 * Every codec the media cores packetize and depacketize. Since VP9 and AV1 are offered by
 * default this is DEFAULT_CODECS; kept for callers that pass it as PeerConnectionOptions.codecs.
 */
export const ALL_MEDIA_CODECS: readonly CodecCapability[] = DEFAULT_CODECS;

/** The header extension URIs we accept (RFC 8285) in answers and write in offers. */
export const DEFAULT_HEADER_EXTENSIONS: readonly string[] = [
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
];

/** First dynamic payload type (RFC 3551 section 3). */
const FIRST_DYNAMIC_PT = 96;
/** Opus's payload type in our offers (what Chrome uses, so logs read the same). */
const OPUS_PT = 111;

/** The codecs of one kind as we write them in an offer, with payload types assigned. */
export function offerCodecs(kind: 'audio' | 'video', caps: readonly CodecCapability[]): CodecToWrite[] {
  const out: CodecToWrite[] = [];
  let next = FIRST_DYNAMIC_PT;
  for (const c of caps) {
    if (c.kind !== kind) continue;
    let pt: number;
    if (c.name.toLowerCase() === 'opus') pt = OPUS_PT;
    else {
      if (next === OPUS_PT) next++;
      pt = next++;
    }
    let rtx: number | undefined;
    if (c.rtx === true) {
      if (next === OPUS_PT) next++;
      rtx = next++;
    }
    out.push({
      payloadType: pt, name: c.name, clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      ...(c.fmtp !== undefined ? { fmtp: c.fmtp } : {}),
      ...(c.feedback !== undefined ? { feedback: c.feedback } : {}),
      ...(rtx !== undefined ? { rtxPayloadType: rtx } : {}),
    });
  }
  return out;
}

/** The header extensions of one kind in our offers, ids 1.. in list order (RFC 8285 section 5). */
export function offerHeaderExtensions(kind: 'audio' | 'video', uris: readonly string[]): HeaderExtension[] {
  return uris
    .map((uri, i) => ({ id: i + 1, uri }))
    .filter((e) => kind === 'audio' || !e.uri.endsWith('ssrc-audio-level'));
}

/** A codec as negotiated (payload type and its RTX payload type). */
type NegotiatedCodec = Pick<RtpCodec, 'payloadType' | 'name' | 'clockRate' | 'channels' | 'fmtp' | 'rtxPayloadType'>;

/**
 * A subsequent offer's codecs with the payload types the session already uses (RFC 8829
 * section 5.2.2 and RFC 3264 section 8.3.2: a payload type keeps its meaning for the
 * session; libwebrtc refuses a remapping). A codec matches a negotiated one by name, clock
 * rate, channels and fmtp; the others move to payload types the session does not use.
 */
export function keepNegotiatedPayloadTypes(offered: readonly CodecToWrite[], negotiated: readonly NegotiatedCodec[]): CodecToWrite[] {
  if (negotiated.length === 0) return [...offered];
  const key = (c: { name: string; clockRate: number; channels?: number; fmtp?: string }): string =>
    `${c.name.toLowerCase()}/${c.clockRate}/${c.channels ?? ''}/${c.fmtp ?? ''}`;
  const byKey = new Map(negotiated.map((c) => [key(c), c]));
  const used = new Set<number>();
  for (const c of negotiated) {
    used.add(c.payloadType);
    if (c.rtxPayloadType !== undefined) used.add(c.rtxPayloadType);
  }
  const kept = offered.map((c) => byKey.get(key(c)));
  for (const [i, c] of offered.entries()) {
    if (kept[i] !== undefined) continue;
    used.add(c.payloadType);
    if (c.rtxPayloadType !== undefined) used.add(c.rtxPayloadType);
  }
  let next = FIRST_DYNAMIC_PT;
  const fresh = (): number => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  // Payload types of ours that collide with a negotiated one of another codec move.
  const taken = new Set<number>();
  for (const c of negotiated) {
    taken.add(c.payloadType);
    if (c.rtxPayloadType !== undefined) taken.add(c.rtxPayloadType);
  }
  return offered.map((c, i) => {
    const n = kept[i];
    if (n !== undefined) {
      const { rtxPayloadType: _rtx, ...rest } = c;
      const rtx = c.rtxPayloadType === undefined ? undefined : (n.rtxPayloadType ?? (taken.has(c.rtxPayloadType) ? fresh() : c.rtxPayloadType));
      return { ...rest, payloadType: n.payloadType, ...(rtx !== undefined ? { rtxPayloadType: rtx } : {}) };
    }
    const { rtxPayloadType: _rtx, ...rest } = c;
    const pt = taken.has(c.payloadType) ? fresh() : c.payloadType;
    const rtx = c.rtxPayloadType === undefined ? undefined : taken.has(c.rtxPayloadType) ? fresh() : c.rtxPayloadType;
    return { ...rest, payloadType: pt, ...(rtx !== undefined ? { rtxPayloadType: rtx } : {}) };
  });
}

/**
 * A subsequent offer's header extensions with the ids the session already uses (RFC 8285
 * section 6: the mapping stays for the session; libwebrtc refuses "RTP extension ID
 * reassignment"); the others take ids no negotiated extension uses (1-14, the one-byte form).
 */
export function keepNegotiatedExtensionIds(offered: readonly HeaderExtension[], negotiated: readonly { readonly id: number; readonly uri: string }[]): HeaderExtension[] {
  if (negotiated.length === 0) return [...offered];
  const byUri = new Map(negotiated.map((e) => [e.uri, e.id]));
  const used = new Set(negotiated.map((e) => e.id));
  let next = 1;
  return offered.map((e) => {
    const id = byUri.get(e.uri);
    if (id !== undefined) return { ...e, id };
    if (!used.has(e.id)) {
      used.add(e.id);
      return e;
    }
    while (used.has(next)) next++;
    used.add(next);
    return { ...e, id: next };
  });
}
