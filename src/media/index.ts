/**
 * @module media
 * RTP payload formats and containers: VP8 (RFC 7741), VP9 (RFC 9628), H264 (RFC 6184), AV1
 * (AOM AV1 RTP), Opus (RFC 7587); IVF, Ogg Opus (RFC 7845), H264 Annex-B, WebM; the jitter buffer.
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
export { DEFAULT_MAX_PAYLOAD_BYTES, MAX_FRAME_BYTES, MAX_PACKETS_PER_FRAME, PAYLOAD_SLAB_BYTES, PayloadSlab, joinBytes, FrameAssembler } from './frame.js';
export type { EncodedFrame, PayloadFormat, Packetizer } from './frame.js';
export { ANNEXB_START_CODE, H264NalType, splitAnnexB, joinAnnexB, h264NalType, groupAccessUnits, readAnnexBAccessUnits } from './annexb.js';
export { H264_FU_A_HEADER_BYTES, H264_STAP_A_HEADER_BYTES, H264_STAP_A_SIZE_BYTES, H264_MAX_NALS_PER_FRAME, H264Packetizer, depacketizeH264Nals, depacketizeH264, isH264Keyframe, h264PayloadNalTypes, isH264KeyframePayload, h264Format, H264Depacketizer } from './h264.js';
export type { H264PacketizationMode, H264PacketizerOptions } from './h264.js';
export { VP9_MAX_P_DIFFS, VP9_MAX_SPATIAL_LAYERS, parseVp9Descriptor, serializeVp9Descriptor, parseVp9FrameInfo, isVp9Keyframe, VP9_MIN_PAYLOAD_BYTES, Vp9Packetizer, depacketizeVp9, isVp9KeyframePayload, vp9Format, Vp9Depacketizer } from './vp9.js';
export type { Vp9PictureGroupEntry, Vp9ScalabilityStructure, Vp9Descriptor, Vp9FrameInfo, Vp9PacketizerOptions } from './vp9.js';
export { Av1ObuType, AV1_LEB128_MAX_BYTES, AV1_MAX_OBUS_PER_FRAME, AV1_TEMPORAL_DELIMITER, readLeb128, writeLeb128, parseAv1ObuElement, parseAv1Obus, serializeAv1Obu, parseAv1Payload, Av1Packetizer, depacketizeAv1, isAv1Keyframe, isAv1KeyframePayload, av1Format, Av1Depacketizer, parseAv1SequenceHeader, av1CodecConfigurationRecord } from './av1.js';
export type { Av1Obu, Av1AggregationHeader, Av1PacketizerOptions, Av1SequenceHeaderInfo } from './av1.js';
export { OGG_PAGE_HEADER_BYTES, OGG_MAX_SEGMENTS, OGG_MAX_PAGE_BODY_BYTES, OGG_MAX_PACKET_BYTES, OggHeaderType, oggCrc, parseOggPage, serializeOggPage, parseOggPages, oggPackets, OggPageWriter } from './ogg.js';
export type { OggPage, OggPacket } from './ogg.js';
export { OGG_OPUS_DEFAULT_PRE_SKIP, OGG_OPUS_PACKETS_PER_PAGE, OGG_OPUS_MAX_COMMENTS, serializeOpusHead, parseOpusHead, serializeOpusTags, parseOpusTags, readOggOpus, OggOpusWriter } from './ogg-opus.js';
export type { OpusHead, OpusTags, OggOpusFile, OggOpusWriterOptions } from './ogg-opus.js';
export { EbmlId, WEBM_MAX_RELATIVE_TIMESTAMP, WEBM_CLUSTER_MAX_DURATION_MS, WEBM_CLUSTER_MAX_BYTES, WEBM_OPUS_SEEK_PRE_ROLL_NS, ebmlVint, WebmWriter } from './webm.js';
export type { WebmCodec, WebmVideoTrack, WebmAudioTrack, WebmTrack, WebmWriterOptions } from './webm.js';
export { JITTER_DEFAULT_MAX_PACKETS, JITTER_MAX_MISSING, JITTER_RESET_DISTANCE, JITTER_DEFAULT_MAX_NACK_ATTEMPTS, JITTER_DEFAULT_GIVE_UP_MS, JITTER_DEFAULT_RTT_MS, JITTER_MIN_RETRY_INTERVAL_MS, JITTER_MIN_KEYFRAME_REQUEST_INTERVAL_MS, JITTER_STARTUP_REWIND_PACKETS, JITTER_MAX_PENDING_EVENTS, JitterBuffer } from './jitter-buffer.js';
export type { JitterBufferOptions, JitterBufferEvent, JitterBufferStats } from './jitter-buffer.js';
export { SUPPORTED_CODEC_NAMES, isSupportedCodec, isVideoCodec, fmtpParameter, h264PacketizationMode, packetizerFor, vp8Format, payloadFormatFor, codecFeedback } from './codecs.js';
export type { RtpCodec, CodecFeedback } from './codecs.js';
export { RtpStreamSender, TransportSequenceCounter, SENDER_PACING_FACTOR, SENDER_PACING_MIN_BPS, SENDER_PACING_WINDOW_MS, SENDER_PACING_MAX_FRAMES, SENDER_RTCP_VIDEO_INTERVAL_MS, SENDER_RTCP_AUDIO_INTERVAL_MS, SENDER_RTCP_INITIAL_FRACTION, SENDER_RTCP_RANDOM_MIN, SENDER_RTCP_RANDOM_SPAN, SENDER_MAX_PENDING_TRANSMITS, SENDER_MAX_PENDING_EVENTS, SENDER_MAX_FIR_SOURCES, RETRANSMIT_DEFAULT_INTERVAL_MS, RETRANSMIT_MIN_INTERVAL_MS, RETRANSMIT_MAX_INTERVAL_MS, SENDER_DEFAULT_HISTORY_PACKETS, AUDIO_LEVEL_UNKNOWN_DBOV } from './rtp-stream-sender.js';
export type { RtpStreamSenderOptions, RtpStreamSenderEvent, RtpStreamSenderStats } from './rtp-stream-sender.js';
export { RtpStreamReceiver, RECEIVER_RTCP_VIDEO_INTERVAL_MS, RECEIVER_RTCP_AUDIO_INTERVAL_MS, RECEIVER_RTCP_INITIAL_FRACTION, RECEIVER_RTCP_RANDOM_MIN, RECEIVER_RTCP_RANDOM_SPAN, RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET, RECEIVER_AUDIO_REORDER_PACKETS, RECEIVER_AUDIO_REORDER_MS, RECEIVER_SEEN_WINDOW_PACKETS, RECEIVER_MAX_PENDING_EVENTS, RECEIVER_MAX_PENDING_TRANSMITS, RECEIVER_MAX_RETIRED_SSRCS } from './rtp-stream-receiver.js';
export type { RtpStreamReceiverOptions, RtpStreamReceiverEvent, RtpStreamReceiverStats, RtpStreamReceiverRemoteStats } from './rtp-stream-receiver.js';
