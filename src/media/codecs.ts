/**
 * @module media/codecs
 * One negotiated RTP codec as the peer connection hands it to the media layer (the
 * rtpmap of RFC 8866 6.6 with its fmtp and rtcp-fb lines, RFC 4585 4.2), and what the
 * media layer makes of it: the packetizer for the payload format (VP8 RFC 7741 4, VP9
 * RFC 9628 4, H.264 RFC 6184 5-6 with packetization-mode from the fmtp, 8.1, AV1 RTP
 * spec 4-5, Opus RFC 7587 4.2: one Opus packet per RTP packet), the depacketizing
 * `PayloadFormat` for video, and the feedback negotiated for it (RFC 4585 4.2 `nack`,
 * `nack pli`; RFC 5104 7.1 `ccm fir`; draft-holmer-rmcat-transport-wide-cc-extensions-01
 * `transport-cc`; draft-alvestrand-rmcat-remb `goog-remb`).
 */
import { InvalidArgumentError } from '../common/errors.js';
import { randomU32 } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './frame.js';
import type { PayloadFormat, Packetizer } from './frame.js';
import { Vp8Packetizer, parseVp8Descriptor, depacketizeVp8, isVp8KeyframeData } from './vp8.js';
import { Vp9Packetizer, vp9Format } from './vp9.js';
import { H264Packetizer, h264Format } from './h264.js';
import type { H264PacketizationMode } from './h264.js';
import { Av1Packetizer, av1Format } from './av1.js';

/** One negotiated codec as the peer hands it over. */
export interface RtpCodec {
  readonly payloadType: number;
  /** The rtpmap encoding name (VP8, VP9, H264, AV1, opus, ...). */
  readonly name: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** The a=fmtp parameters text, as written. */
  readonly fmtp?: string;
  /** The payload type of its RTX stream (an rtx rtpmap whose fmtp says apt=payloadType). */
  readonly rtxPayloadType?: number;
  /** a=rtcp-fb lines for this payload type (RFC 4585 4.2). */
  readonly feedback?: readonly { readonly type: string; readonly parameter?: string }[];
}

/** Feedback negotiated for a codec. */
export interface CodecFeedback {
  /** RFC 4585 4.2 `nack`: generic NACK. */
  readonly nack: boolean;
  /** RFC 4585 4.2 `nack pli`. */
  readonly pli: boolean;
  /** RFC 5104 7.1 `ccm fir`. */
  readonly fir: boolean;
  /** `transport-cc` (transport-wide congestion control feedback). */
  readonly transportCc: boolean;
  /** `goog-remb`. */
  readonly remb: boolean;
}

/** The codec names this library packetizes, lower case. */
export const SUPPORTED_CODEC_NAMES = ['vp8', 'vp9', 'h264', 'av1', 'opus'] as const;
/** Video codec names among them. */
const VIDEO_CODEC_NAMES: readonly string[] = ['vp8', 'vp9', 'h264', 'av1'];

/** True for VP8, VP9, H264, AV1 and opus (case-insensitive, RFC 8866 6.6: encoding names are case-insensitive). */
export function isSupportedCodec(name: string): boolean {
  return (SUPPORTED_CODEC_NAMES as readonly string[]).includes(name.toLowerCase());
}

/** True for the video codecs this library supports. */
export function isVideoCodec(codec: Pick<RtpCodec, 'name'>): boolean {
  return VIDEO_CODEC_NAMES.includes(codec.name.toLowerCase());
}

/**
 * The value of one fmtp parameter (`name=value` pairs separated by `;`, RFC 8866 6.15
 * leaves the syntax to each codec; every WebRTC codec uses this form). Names compare
 * case-insensitively (RFC 6184 8.1 media type parameters).
 */
export function fmtpParameter(fmtp: string | undefined, name: string): string | undefined {
  if (fmtp === undefined) return undefined;
  const want = name.toLowerCase();
  for (const raw of fmtp.split(';')) {
    const part = raw.trim();
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === want) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** RFC 6184 8.1: packetization-mode absent means 0 (single NAL unit mode). */
export function h264PacketizationMode(codec: RtpCodec): H264PacketizationMode {
  return fmtpParameter(codec.fmtp, 'packetization-mode') === '1' ? 1 : 0;
}

/** Opus (RFC 7587 4.2): each Opus packet is one RTP payload as is. */
class OpusPayloadPacketizer implements Packetizer {
  packetize(frame: Uint8Array): Uint8Array[] {
    if (frame.length === 0) throw new InvalidArgumentError('empty Opus packet');
    return [frame];
  }
}

/**
 * The packetizer for a codec. VP8 and VP9 picture IDs start at a random value (RFC 7741
 * 4.2, RFC 9628 4.2) when `random` is given, else at 0. Throws `InvalidArgumentError`
 * for a codec `isSupportedCodec` rejects.
 */
export function packetizerFor(codec: RtpCodec, maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES, random?: RandomSource): Packetizer {
  const pictureId = random === undefined ? 0 : randomU32(random) & 0x7fff;
  switch (codec.name.toLowerCase()) {
    case 'vp8':
      return new Vp8Packetizer({ maxPayloadBytes, pictureId });
    case 'vp9':
      return new Vp9Packetizer({ maxPayloadBytes, pictureId });
    case 'h264':
      return new H264Packetizer({ maxPayloadBytes, packetizationMode: h264PacketizationMode(codec) });
    case 'av1':
      return new Av1Packetizer({ maxPayloadBytes });
    case 'opus':
      return new OpusPayloadPacketizer();
    default:
      throw new InvalidArgumentError(`no packetizer for codec ${codec.name}`);
  }
}

/** RFC 7741 4.4: a VP8 frame starts at the first packet of partition 0 (S=1, PID=0). */
export const vp8Format: PayloadFormat = {
  name: 'VP8',
  depacketize: depacketizeVp8,
  isFrameStart(payload) {
    const { descriptor } = parseVp8Descriptor(payload);
    return descriptor.start && descriptor.partitionIndex === 0;
  },
  isKeyframe: isVp8KeyframeData,
};

/** The depacketizing format of a video codec; undefined for audio and unknown codecs. */
export function payloadFormatFor(codec: RtpCodec): PayloadFormat | undefined {
  switch (codec.name.toLowerCase()) {
    case 'vp8':
      return vp8Format;
    case 'vp9':
      return vp9Format;
    case 'h264':
      return h264Format;
    case 'av1':
      return av1Format;
    default:
      return undefined;
  }
}

/** The feedback negotiated for a codec (rtcp-fb type and parameter compare case-insensitively). */
export function codecFeedback(codec: RtpCodec): CodecFeedback {
  const fb = codec.feedback ?? [];
  const has = (type: string, parameter?: string): boolean =>
    fb.some((f) => f.type.toLowerCase() === type && (f.parameter === undefined || f.parameter === '' ? undefined : f.parameter.toLowerCase()) === parameter);
  return { nack: has('nack'), pli: has('nack', 'pli'), fir: has('ccm', 'fir'), transportCc: has('transport-cc'), remb: has('goog-remb') };
}
