/**
 * @module media
 * RTP payload formats and containers: VP8 (RFC 7741), Opus (RFC 7587), IVF files.
 */
export {
  parseVp8Descriptor,
  serializeVp8Descriptor,
  isVp8KeyframeData,
  isVp8KeyframePayload,
  depacketizeVp8,
  Vp8Packetizer,
  Vp8Depacketizer,
  VP8_MAX_DESCRIPTOR_BYTES,
  VP8_MAX_FRAME_BYTES,
  VP8_KEYFRAME_START_CODE,
} from './vp8.js';
export type { Vp8Descriptor, Vp8Frame } from './vp8.js';
export { parseOpusToc, opusPacketDurationSamples, OpusPacketizer, OPUS_RTP_CLOCK_HZ, OPUS_MAX_PACKET_DURATION_SAMPLES } from './opus.js';
export type { OpusToc } from './opus.js';
export {
  parseIvf,
  parseIvfHeader,
  serializeIvf,
  serializeIvfHeader,
  serializeIvfFrame,
  IVF_FILE_HEADER_BYTES,
  IVF_FRAME_HEADER_BYTES,
  IVF_MAX_FRAME_BYTES,
} from './ivf.js';
export type { IvfHeader, IvfFrame } from './ivf.js';
