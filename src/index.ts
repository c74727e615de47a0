/**
 * @module purertc
 * The W3C WebRTC surface for Node (webrtc-pc): `import { RTCPeerConnection } from
 * 'purertc'`. The protocol layers are under `purertc/<layer>` (sdp, stun, turn, ice,
 * dtls, srtp, sctp, datachannel, rtp, media, peer, signaling, crypto, common, node).
 */
export {
  RTCPeerConnection,
  RTCDataChannel,
  RTCSessionDescription,
  RTCIceCandidate,
  RTCCertificate,
  RTCPeerConnectionIceEvent,
  RTCPeerConnectionIceErrorEvent,
  RTCDataChannelEvent,
  RTCError,
  RTCErrorEvent,
  RTCStatsReport,
  RTCSctpTransport,
  RTCSharedUdpSocket,
} from './node/index.js';
export type {
  RTCConfiguration,
  RTCIceServer,
  RTCOfferOptions,
  RTCIceTransportPolicy,
  RTCBundlePolicy,
  RTCIceGatheringState,
  RTCIceConnectionState,
  RTCDataChannelInit,
  RTCDataChannelState,
  BinaryType,
  RTCSessionDescriptionInit,
  RTCSdpType,
  RTCIceCandidateInit,
  RTCIceCandidateType,
  RTCDtlsFingerprint,
  RTCStats,
  RTCSctpTransportState,
} from './node/index.js';
export { ParseError, ProtocolError, PureRtcError, InvalidStateError, InvalidArgumentError, ErrorCode } from './common/errors.js';
