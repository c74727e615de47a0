/**
 * @module node
 * The part of purertc that touches the world: the W3C RTCPeerConnection facade over the
 * sans-IO peer (webrtc-pc), UDP sockets, timers, interface enumeration, mDNS, and the
 * STUN and TURN servers on real sockets.
 */
export { RTCPeerConnection, DEFAULT_REMOTE_TRACK_MUTE_AFTER_MS, MAX_REMOTE_STREAMS_PER_TRACK } from './rtc-peer-connection.js';
export type {
  RTCConfiguration,
  RTCIceServer,
  RTCOfferOptions,
  RTCIceTransportPolicy,
  RTCBundlePolicy,
  RTCIceGatheringState,
  RTCIceConnectionState,
  RTCRtpTransceiverInit,
} from './rtc-peer-connection.js';
export { MediaStreamTrack, RTCEncodedFrameEvent, RTCRtpPacketEvent } from './media-stream-track.js';
export type { MediaStreamTrackInit, MediaStreamTrackKind, MediaStreamTrackState, RTCEncodedFrame, RTCEncodedFrameInit, MediaTrackSettings, MediaTrackConstraints } from './media-stream-track.js';
export { MediaStream, MediaStreamTrackEvent } from './media-stream.js';
export { RTCRtpSender } from './rtc-rtp-sender.js';
export type {
  RTCRtpCodec,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  RTCRtpCapabilities,
  RTCRtcpParameters,
  RTCRtpEncodingParameters,
  RTCRtpParameters,
  RTCRtpSendParameters,
  RTCPriorityType,
} from './rtc-rtp-sender.js';
export { RTCRtpReceiver } from './rtc-rtp-receiver.js';
export type { RTCRtpContributingSource, RTCRtpSynchronizationSource, RTCRtpReceiveParameters } from './rtc-rtp-receiver.js';
export { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
export type { RTCRtpTransceiverDirection } from './rtc-rtp-transceiver.js';
export { RTCTrackEvent } from './rtc-track-event.js';
export { playIvf, playOggOpus, playAnnexB, recordIvf, recordAnnexB, recordOggOpus, WebmRecorder, ivfSource, oggOpusSource, annexBSource, VIDEO_CLOCK_HZ, OPUS_CLOCK_HZ, MAX_PENDING_WRITE_BYTES } from './media-files.js';
export type { Playback, PlaybackOptions, Recorder, WebmRecorderOptions, SourceMedia, TimedFrame } from './media-files.js';
export type { RTCTrackEventInit } from './rtc-track-event.js';
export { RTCDataChannel } from './rtc-data-channel.js';
export type { RTCDataChannelInit, RTCDataChannelState, BinaryType } from './rtc-data-channel.js';
export { RTCSessionDescription } from './rtc-session-description.js';
export type { RTCSessionDescriptionInit, RTCSdpType } from './rtc-session-description.js';
export { RTCIceCandidate } from './rtc-ice-candidate.js';
export type { RTCIceCandidateInit, RTCIceComponent, RTCIceProtocol, RTCIceCandidateType } from './rtc-ice-candidate.js';
export { RTCCertificate } from './rtc-certificate.js';
export type { RTCDtlsFingerprint } from './rtc-certificate.js';
export { RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, RTCDataChannelEvent, RTCError, RTCErrorEvent } from './rtc-events.js';
export type { RTCErrorDetailType } from './rtc-events.js';
export { RTCStatsReport } from './rtc-stats.js';
export type { RTCStats } from './rtc-stats.js';
export { RTCSctpTransport } from './rtc-sctp-transport.js';
export type { RTCSctpTransportState } from './rtc-sctp-transport.js';
export { RTCDtlsTransport } from './rtc-dtls-transport.js';
export type { RTCDtlsTransportState } from './rtc-dtls-transport.js';
export { RTCIceTransport } from './rtc-ice-transport.js';
export type { RTCIceTransportState, RTCIceGathererState, RTCIceRole, RTCIceCandidatePair } from './rtc-ice-transport.js';
export { RTCSharedUdpSocket } from './rtc-shared-socket.js';
export type { SharedSocketPeer, SharedSocketAttachment } from './rtc-shared-socket.js';

export { startStunServer } from './stun-server.js';
export type { StunServerHandle } from './stun-server.js';
export { startTurnServer } from './turn-server.js';
export type { TurnServerHandle, StartTurnServerOptions } from './turn-server.js';
export { UdpIceTransport } from './ice-transport.js';
export type { UdpIceTransportOptions } from './ice-transport.js';
export { listHostAddresses, isUsableHostAddress } from './ice-interfaces.js';
export type { HostAddress, HostAddressOptions } from './ice-interfaces.js';
export { resolveMdnsName, encodeMdnsQuery, decodeMdnsResponse, DnsType, MDNS_IPV4_GROUP, MDNS_PORT, DEFAULT_MDNS_TIMEOUT_MS } from './ice-mdns.js';
export type { DnsAnswer, MdnsResolverOptions } from './ice-mdns.js';
