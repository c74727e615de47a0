/**
 * @module sctp
 * SCTP for WebRTC (RFC 9260 over DTLS per RFC 8261; PR-SCTP RFC 3758; stream reset
 * RFC 6525; I-DATA RFC 8260; PMTU probing RFC 8899; zero checksum RFC 9653): the sans-IO
 * association and the chunk codecs.
 */
export {
  SctpAssociation,
  DEFAULT_RECEIVE_BUFFER_BYTES,
  DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
  DEFAULT_MAX_SEND_BUFFER_BYTES,
  MAX_OUT_OF_ORDER_TSNS,
  MAX_TSN_LOOKAHEAD,
  MAX_HELD_CHUNKS,
  MAX_STREAMS,
  MAX_PMTU_PROBES,
  PMTU_SEARCH_GRANULARITY_BYTES,
} from './association.js';
export type { SctpAssociationOptions, SctpEvent, SctpState, SctpStats, SendOptions, CongestionSample } from './association.js';
export { parsePacket, serializePacket, packetChecksum, stampChecksum, hasZeroChecksum } from './packet.js';
export type { SctpPacket, ParsePacketOptions } from './packet.js';
export { parseChunks, parseChunkValue, writeChunk } from './chunk.js';
export type { Chunk, UnknownChunk } from './chunk.js';
export type { DataChunk } from './chunk-data.js';
export type { IDataChunk } from './chunk-idata.js';
export type { IForwardTsnChunk, IForwardTsnEntry } from './chunk-iforward-tsn.js';
export type { InitChunk, InitFeatures } from './chunk-init.js';
export { initFeatures, featureParams } from './chunk-init.js';
export type { SackChunk, GapAckBlock } from './chunk-sack.js';
export type { HeartbeatChunk } from './chunk-heartbeat.js';
export type { AbortChunk, ErrorChunk } from './chunk-abort.js';
export type { ShutdownChunk, ShutdownAckChunk, ShutdownCompleteChunk } from './chunk-shutdown.js';
export type { CookieEchoChunk, CookieAckChunk } from './chunk-cookie.js';
export type { ForwardTsnChunk, ForwardTsnStream } from './chunk-forward-tsn.js';
export type { ReconfigChunk, ReconfigParam, OutgoingResetRequest, IncomingResetRequest, ReconfigResponse } from './chunk-reconfig.js';
export type { PadChunk } from './chunk-pad.js';
export type { ErrorCause } from './error-cause.js';
export { describeCause } from './error-cause.js';
export { ChunkType, ParamType, CauseCode, ErrorDetectionMethod, ReconfigResult, DEFAULT_MTU_BYTES, DTLS_MAX_PACKET_BYTES, UNANNOUNCED_PEER_MAX_PACKET_BYTES, MAX_BURST } from './constants.js';
