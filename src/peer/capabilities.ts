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
