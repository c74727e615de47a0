/**
 * @module sdp
 * SDP parse/serialize (RFC 8866), ICE candidates (RFC 8839), accessors for the attributes
 * WebRTC uses (RFC 8829, 8839, 8841, 8842, 8843, 8851, 8853), codec matching (RFC 6184)
 * and the JSEP answerer's decisions (RFC 8829 sections 5.3, 5.8; RFC 8843 section 7.3).
 */
export { parseSdp, serializeSdp, serializeMedia } from './session.js';
export type { SessionDescription, MediaDescription, Origin, Connection, Bandwidth, Timing } from './session.js';
export { parseAttribute, serializeAttribute, KNOWN_ATTRIBUTE_NAMES } from './attributes.js';
export type { Attribute, AttributeType, AttributeOf, Direction, SetupRole, RidRestriction, SimulcastId, SimulcastStreams } from './attributes.js';
export {
  CandidateType,
  parseCandidate,
  parseCandidateValue,
  serializeCandidate,
  serializeCandidateValue,
  candidateAddressFamily,
  isMdnsCandidate,
} from './candidate.js';
export type { Candidate, CandidateExtension, TcpType } from './candidate.js';
export { MAX_SDP_LENGTH, MAX_MEDIA_SECTIONS, MAX_CANDIDATE_LENGTH, MAX_FOUNDATION_LENGTH, addressFamily } from './grammar.js';
export type { AddressFamily } from './grammar.js';
export {
  attributesOf,
  firstAttribute,
  unknownAttributes,
  groups,
  bundleGroups,
  bundleGroupOf,
  isIceLite,
  extmapAllowMixed,
  mid,
  mediaIndexByMid,
  direction,
  iceCredentials,
  iceOptions,
  fingerprints,
  fingerprintBytes,
  setupRole,
  candidates,
  endOfCandidates,
  rtcpMux,
  rtcpReducedSize,
  connections,
  msids,
  parseFmtpParameters,
  codecs,
  fmtpValue,
  rtxApt,
  headerExtensions,
  ssrcs,
  ssrcGroups,
  rids,
  simulcast,
  sctpPort,
  maxMessageSize,
  isPortZero,
  isBundleOnly,
  MAX_FEEDBACK_PER_CODEC,
} from './accessors.js';
export type { IceCredentials, Fingerprint, Msid, FmtpParameter, RtcpFeedback, Codec, HeaderExtension, SsrcInfo, SsrcGroup, Rid } from './accessors.js';
export { codecsMatch, describeCodec, parseH264ProfileLevelId, H264_DEFAULT_PROFILE_LEVEL_ID } from './codec-match.js';
export type { CodecDescription, H264Profile, H264ProfileLevel } from './codec-match.js';
export {
  negotiateCodecs,
  negotiateHeaderExtensions,
  answerDirection,
  reverseDirection,
  answerSetup,
  dtlsRole,
  remoteSctpParameters,
  maxSendableMessageSize,
  answerBundleGroups,
  bundleTransportMid,
  verifyDescription,
  isIceRestart,
  answerSimulcast,
  mediaIndexForCandidate,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_SCTP_PORT,
} from './jsep.js';
export type { CodecCapability, NegotiatedCodec, RemoteSctpParameters, BundleAnswer, SdpProblem, VerifyOptions, SimulcastAnswerOptions, CandidateTarget } from './jsep.js';
export { buildRtpMedia, buildDataChannelMedia, buildRejectedMedia, buildSession, addCandidate, addEndOfCandidates, setDefaultCandidate } from './build.js';
export type { TransportAttributes, CodecToWrite, StreamToWrite, RtpMediaOptions, DataChannelMediaOptions, SessionOptions } from './build.js';
