/**
 * @module srtp
 * SRTP and SRTCP (RFC 3711, RFC 6188, RFC 7714) with DTLS-SRTP keying (RFC 5764 4.2).
 */
export { SrtpProfile, srtpProfileParams, srtpProfileFromDtlsId, SRTP_PROFILES_BY_PREFERENCE } from './profile.js';
export type { SrtpProfileParams } from './profile.js';
export { srtpPrf, deriveSrtpSessionKeys, SrtpKdfLabel } from './kdf.js';
export type { SrtpSessionKeys } from './kdf.js';
export { SrtpContext, MAX_SSRCS_PER_CONTEXT } from './context.js';
export type { SrtpContextOptions, SrtpDropReason, SrtpUnprotectResult } from './context.js';
export { ReplayWindow, estimateSrtpIndex, REPLAY_WINDOW_MIN, REPLAY_WINDOW_MAX } from './replay.js';
export type { ReplayVerdict } from './replay.js';
export { readRtpHeader, readRtcpSenderSsrc, isRtcpPacket, MAX_SRTP_PACKET_LENGTH } from './header.js';
export type { SrtpRtpHeaderInfo } from './header.js';
export {
  srtpKeysFromExporter,
  srtpContextsFromExporter,
  srtpExporterLength,
  DTLS_SRTP_EXPORTER_LABEL,
} from './dtls-keys.js';
export type { SrtpMasterKey, SrtpKeyPair } from './dtls-keys.js';
