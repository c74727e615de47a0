/**
 * @module peer
 * The sans-IO peer connection (RFC 8829 JSEP over RFC 8445 ICE, RFC 6347 DTLS, RFC 8831
 * data channels, RFC 8843 BUNDLE, RFC 7983 demultiplexing) and the codec capabilities
 * it negotiates, the per-pair counters behind getStats, and the demultiplexer that lets
 * many peers share one UDP socket, and the bundle policies (RFC 8829 4.1.1) that decide which
 * m= sections carry a transport. Media: the BUNDLE transport's SRTP session (RFC 5764),
 * RTP routing to transceivers (RFC 8843 9.2) and the media cores each transceiver drives. The W3C RTCPeerConnection facade over it lives in src/node.
 */
export {
  PeerConnection,
  MAX_EARLY_DTLS_DATAGRAMS,
  MAX_QUEUED_PEER_EVENTS,
  MAX_QUEUED_PEER_TRANSMITS,
  MAX_REMOTE_DESCRIPTION_CANDIDATES,
  MAX_TRANSCEIVERS,
  MAX_PEER_CHANNELS,
  DEFAULT_LOCAL_MAX_MESSAGE_SIZE,
  MAX_RELAYS,
} from './peer-connection.js';
export type {
  PeerConnectionOptions,
  PeerTransportInfo,
  PeerConnectionState,
  PeerEvent,
  PeerChannel,
  PeerStats,
  SignalingState,
  SdpType,
  MediaKind,
  SessionDescriptionInit,
  IceCandidateInit,
  ChannelCounters,
  PairSnapshot,
  MediaStatsEntry,
  MediaTransportStats,
} from './peer-connection.js';
export { MediaSrtpSession, MEDIA_SRTP_REPLAY_WINDOW } from './media-srtp.js';
export type { MediaSrtpCounters, UnprotectedDatagram } from './media-srtp.js';
export { RtpRouter, MAX_LEARNED_SSRCS } from './media-router.js';
export type { RouteSection, RouteReason, RouterCounters } from './media-router.js';
export { DEFAULT_MEDIA_CORES } from './media-cores.js';
export { TwccFeedbackGenerator, TWCC_FEEDBACK_INTERVAL_MS, TWCC_MAX_PENDING_ARRIVALS, TWCC_MAX_PACKETS_PER_FEEDBACK } from './media-twcc.js';
export type {
  MediaCoreFactory, SenderCore, SenderCoreOptions, SenderCoreStats, SenderExtensionIds, ReceiverCore, ReceiverCoreOptions, ReceiverCoreEvent, RtpCodec,
} from './media-cores.js';
export { ExtensionUri, negotiatedMedia, sectionCodecs, remoteMsid, remoteSsrcInfo, codecPayloadTypes, applyCodecPreferences } from './media-transceiver.js';
export type { TransceiverInit, TransceiverInfo, SendTrack, NegotiatedMedia, CodecPreference } from './media-transceiver.js';
export { PairStatsTracker, pairKey, MAX_TRACKED_PAIRS, MAX_OUTSTANDING_REQUESTS } from './pair-stats.js';
export type { PairCounters, TransportTotals } from './pair-stats.js';
export { SocketDemux, stunUsernameUfrag, MAX_DEMUX_ROUTES, MAX_DEMUX_PEERS, MAX_STUN_ATTRIBUTES_SCANNED } from './socket-demux.js';
export type { DemuxPeer } from './socket-demux.js';
export { BUNDLE_POLICIES, DEFAULT_BUNDLE_POLICY, bundleOnlyMids, policyRejections, sharingTransport, transportAssignments, withTaggedGroupRejections } from './transport.js';
export type { BundlePolicy, PolicySection, TransportAssignment } from './transport.js';
export { Relay, MAX_RELAY_PEERS } from './relay.js';
export type { TurnServerConfig } from './relay.js';
export { DEFAULT_CODECS, ALL_MEDIA_CODECS, DEFAULT_HEADER_EXTENSIONS, offerCodecs, offerHeaderExtensions } from './capabilities.js';
