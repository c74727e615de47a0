/**
 * @module rtp
 * RTP and RTCP packets (RFC 3550, 4585, 5104, 3611, 5506), RFC 8285 header extensions
 * and their values, transport-wide congestion control feedback, RTX (RFC 4588),
 * RTP/RTCP demultiplexing (RFC 5761), counter unwrapping and NTP helpers; the sans-IO
 * pieces built on them: reception statistics for report blocks (RFC 3550 A.1/A.3/A.8)
 * and NACK generation with a retransmission history (RFC 4585, 4588).
 */
export {
  parseRtp,
  serializeRtp,
  writeRtp,
  rtpPacketBytes,
  rtpPacket,
  rtpExtensions,
  getRtpExtension,
  rewriteRtpHeader,
  RTP_FIXED_HEADER_BYTES,
  RTP_MAX_CSRCS,
  RTP_EXTENSION_PROFILE_ONE_BYTE,
  RTP_EXTENSION_PROFILE_TWO_BYTE,
  RTP_ONE_BYTE_MAX_ID,
  RTP_ONE_BYTE_MAX_DATA_BYTES,
  RTP_TWO_BYTE_MAX_ID,
  RTP_TWO_BYTE_MAX_DATA_BYTES,
} from './rtp-packet.js';
export type { RtpPacket, RtpPacketInit, RtpHeaderExtension, RtpExtensionElement } from './rtp-packet.js';
export {
  RtpExtensionUri,
  RTP_STREAM_ID_MAX_BYTES,
  PLAYOUT_DELAY_UNIT_MS,
  parseSdesExtension,
  serializeSdesExtension,
  parseAbsSendTime,
  serializeAbsSendTime,
  absSendTimeFromNtp,
  absSendTimeFromMs,
  parseTransportCc,
  serializeTransportCc,
  parseAudioLevel,
  serializeAudioLevel,
  parseVideoOrientation,
  serializeVideoOrientation,
  parsePlayoutDelay,
  serializePlayoutDelay,
  parseAbsCaptureTime,
  serializeAbsCaptureTime,
} from './extensions.js';
export type { AudioLevel, VideoOrientation, PlayoutDelay, AbsCaptureTime } from './extensions.js';
export {
  parseRtcp,
  serializeRtcp,
  writeRtcpPacket,
  isCompoundRtcp,
  RtcpPacketType,
  RtpfbFormat,
  PsfbFormat,
  RTCP_HEADER_BYTES,
  RTCP_FEEDBACK_HEADER_BYTES,
  RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM,
} from './rtcp.js';
export type { RtcpPacket, RtcpUnknown } from './rtcp.js';
export { RTCP_MAX_REPORT_BLOCKS, RTCP_REPORT_BLOCK_BYTES } from './rtcp-report.js';
export type { RtcpSenderReport, RtcpReceiverReport, RtcpReportBlock } from './rtcp-report.js';
export { SdesItemType, RTCP_MAX_SDES_CHUNKS, RTCP_SDES_ITEM_MAX_BYTES } from './rtcp-sdes.js';
export type { RtcpSourceDescription, RtcpSdesChunk, RtcpSdesItem } from './rtcp-sdes.js';
export { RTCP_MAX_BYE_SOURCES, RTCP_BYE_REASON_MAX_BYTES } from './rtcp-bye.js';
export type { RtcpBye } from './rtcp-bye.js';
export type { RtcpApp } from './rtcp-app.js';
export { XrBlockType, XR_MAX_BLOCK_WORDS } from './rtcp-xr.js';
export type { RtcpExtendedReport, RtcpXrBlock, XrDlrrSubBlock } from './rtcp-xr.js';
export { nackPairs } from './rtcp-nack.js';
export type { RtcpNack } from './rtcp-nack.js';
export {
  TwccStatus,
  TWCC_MAX_STATUS_COUNT,
  TWCC_DELTA_TICK_US,
  TWCC_REFERENCE_TIME_UNIT_MS,
  twccChunks,
  twccPacketResults,
  buildTwcc,
} from './rtcp-twcc.js';
export type { RtcpTwcc, TwccPacketResult } from './rtcp-twcc.js';
export { REMB_IDENTIFIER, REMB_MAX_SSRCS, rembExpMantissa } from './rtcp-psfb.js';
export type { RtcpPli, RtcpFir, RtcpFirEntry, RtcpRemb } from './rtcp-psfb.js';
export { rtxEncode, rtxDecode, RTX_OSN_BYTES } from './rtx.js';
export { isRtcp, isRtpOrRtcp, RTCP_PACKET_TYPE_MIN, RTCP_PACKET_TYPE_MAX } from './demux.js';
export {
  NackGenerator,
  RtpPacketHistory,
  NACK_MAX_MISSING,
  NACK_MAX_RETRIES,
  NACK_MAX_AGE_PACKETS,
  NACK_DEFAULT_RTT_MS,
  RTP_HISTORY_DEFAULT_PACKETS,
  RTP_HISTORY_MAX_PACKETS,
} from './nack.js';
export type { NackGeneratorEvent } from './nack.js';
export { RtpReceiveStatistics, RTP_MAX_DROPOUT, RTP_MAX_MISORDER, RTP_MIN_SEQUENTIAL } from './receive-stats.js';
export { Unwrapper, SequenceNumberUnwrapper, TimestampUnwrapper, isSequenceNewer } from './unwrap.js';
export {
  NTP_UNIX_EPOCH_OFFSET_SECONDS,
  ntpFromUnixMs,
  ntpToUnixMs,
  compactNtp,
  compactNtpToMs,
  compactNtpFromMs,
  roundTripTimeMs,
} from './ntp.js';
