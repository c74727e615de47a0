/**
 * @module peer/peer-connection
 * The sans-IO peer connection: JSEP (RFC 8829) signaling over one ICE agent (RFC 8445,
 * trickle RFC 8838), one DTLS association (RFC 6347, roles from a=setup per RFC 8842
 * section 5 and RFC 4145 section 4, fingerprints per RFC 8122 section 5), one SCTP
 * association for data channels (RFC 8261, RFC 8831, RFC 8832), with rtcp-mux (RFC 8035).
 * The bundle policy (RFC 8829 section 4.1.1, `transport.ts`) marks sections bundle-only in
 * initial offers (section 5.2.1) and rejects, in answers, the sections it would not bundle
 * (section 5.3.1, RFC 8843 section 7.3.3). Each BUNDLE group shares one transport (RFC
 * 8843 section 7.1); a section outside every group (a remote that does not bundle, RFC
 * 8843 section 7.4) has its own ICE agent, DTLS association and SRTP session
 * (`peer-transport.ts`), and in an initial offer every section that is not bundle-only
 * has its own ICE credentials (RFC 8843 section 10). Transports share our TURN
 * allocations, and our sockets unless the caller binds each its own (`transportBases:
 * 'own'`); datagrams are told apart by local base, STUN ufrag, transaction and remote
 * address (`pickTransport`).
 *
 * - Signaling states and transitions: RFC 8829 section 3.2 (the state diagram) and
 *   W3C webrtc-pc 4.3.1 "set the RTCSessionDescription", with rollback (RFC 8829
 *   section 4.1.10.2).
 * - Offers (RFC 8829 section 5.2.1) and answers (section 5.3.1): codecs intersected with
 *   ours (`negotiateCodecs`), extmap ids from the offer (RFC 8285 section 7), directions
 *   by RFC 3264 section 6.1 from the transceiver's wish (W3C 5.4 RTCRtpTransceiver).
 *   Sections we send on carry a=msid (RFC 8830 section 2, "-" when the track has no
 *   stream), a=ssrc-group:FID (RFC 5576 section 4.2, RFC 4588 section 8.3) and a=ssrc
 *   cname/msid lines (RFC 5576 section 4.1), as Chrome writes them.
 * - Datagrams on the selected pair are told apart by their first byte (RFC 7983
 *   section 7): 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP. RTP/RTCP is unprotected with the
 *   BUNDLE transport's SRTP session (RFC 5764 section 4.2, `media-srtp.ts`), routed to a
 *   transceiver (RFC 8843 section 9.2, `media-router.ts`) and handed to its stream
 *   receiver or sender (`media-cores.ts`); remote tracks come and go with the remote
 *   descriptions (W3C webrtc-pc 4.4.1.6 "process the addition/removal of a remote track").
 *   What arrives with the transport-wide sequence number extension is acknowledged in
 *   transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01, `media-twcc.ts`).
 * - States: W3C webrtc-pc 4.3.2-4.3.3 (RTCIceGatheringState, RTCIceConnectionState,
 *   RTCPeerConnectionState aggregated over ICE and DTLS).
 *
 * No I/O: time comes in as `now`, bytes go out through `pollTransmit`.
 */
import { InvalidArgumentError, InvalidStateError, ParseError, ProtocolError, PureRtcError } from '../common/errors.js';
import { type RandomSource, secureRandom } from '../common/random.js';
import type { Certificate, Fingerprint as CertFingerprint, FingerprintAlgorithm } from '../crypto/x509.js';
import { certificateFingerprint } from '../crypto/x509.js';
import { DataChannelManager } from '../datachannel/manager.js';
import type { DataChannelInfo, DataChannelInit } from '../datachannel/manager.js';
import { DtlsEndpoint } from '../dtls/endpoint.js';
import type { SrtpProfileName } from '../dtls/constants.js';
import { IceAgent } from '../ice/agent.js';
import type { IceConnectionState, IceEvent, IceGatheringState, IceRole, SelectedPair, Transmit } from '../ice/agent.js';
import { parseCandidate as parseIceCandidate, serializeCandidate as serializeIceCandidate } from '../ice/candidate.js';
import type { Candidate as IceCandidate } from '../ice/candidate.js';
import type { TransportAddress } from '../ice/stun-binding.js';
import { SctpAssociation } from '../sctp/association.js';
import { DEFAULT_MTU_BYTES, DTLS_MAX_PACKET_BYTES } from '../sctp/constants.js';
import {
  addCandidate, addEndOfCandidates, attributesOf, answerBundleGroups, answerDirection, answerSetup, buildDataChannelMedia, buildRejectedMedia,
  buildRtpMedia, buildSession, candidates as sdpCandidates, codecs as sdpCodecs, direction as sdpDirection, endOfCandidates,
  fingerprints as sdpFingerprints, iceCredentials, isIceLite, isPortZero, mediaIndexForCandidate, mid as sdpMid, negotiateCodecs,
  negotiateHeaderExtensions, parseCandidate as parseSdpCandidate, parseSdp, remoteSctpParameters, serializeCandidate as serializeSdpCandidate,
  serializeSdp, setupRole, verifyDescription,
} from '../sdp/index.js';
import type { Candidate as SdpCandidate, CodecCapability, Direction, MediaDescription, SessionDescription, TransportAttributes } from '../sdp/index.js';
import { Relay } from './relay.js';
import type { TurnServerConfig } from './relay.js';
import { PeerTransport, aggregateIceConnection, aggregateIceGathering, pickTransport } from './peer-transport.js';
import { BUNDLE_POLICIES, DEFAULT_BUNDLE_POLICY, bundleOnlyMids, policyRejections, transportAssignments, withTaggedGroupRejections } from './transport.js';
import type { BundlePolicy, TransportAssignment } from './transport.js';
import type { PairCounters, TransportTotals } from './pair-stats.js';
import { DEFAULT_CODECS, DEFAULT_HEADER_EXTENSIONS, keepNegotiatedExtensionIds, keepNegotiatedPayloadTypes, offerCodecs, offerHeaderExtensions } from './capabilities.js';
import { randomIceString, randomU32 } from '../common/random.js';
import type { EncodedFrame } from '../media/frame.js';
import { parseRtcp } from '../rtp/rtcp.js';
import type { RtcpPacket } from '../rtp/rtcp.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { msids as sdpMsids } from '../sdp/index.js';
import type { Attribute } from '../sdp/index.js';
import { DEFAULT_MEDIA_CORES } from './media-cores.js';
import type { MediaCoreFactory, ReceiverCore, RtpCodec, SenderCore, SenderCoreStats } from './media-cores.js';
import { RtpRouter } from './media-router.js';
import type { RouterCounters } from './media-router.js';
import { MediaSrtpSession } from './media-srtp.js';
import { parseTransportCc } from '../rtp/extensions.js';
import { getRtpExtension } from '../rtp/rtp-packet.js';
import { serializeRtcp } from '../rtp/rtcp.js';
import type { MediaSrtpCounters } from './media-srtp.js';
import {
  applyCodecPreferences, codecPayloadTypes, directionReceives, directionSends, ExtensionUri, extensionId, isRejected, negotiatedMedia, remoteMsid,
} from './media-transceiver.js';
import type { CodecPreference, NegotiatedMedia, SendTrack, TransceiverInfo, TransceiverInit } from './media-transceiver.js';
import type { RtpStreamReceiverStats } from '../media/rtp-stream-receiver.js';

/**
 * The Ta we propose in `a=ice-pacing` (RFC 8839 5.5): the floor of RFC 8445 14.2. A peer
 * that sends no a=ice-pacing (browsers today) counts as 50 ms (RFC 8445 14.2), so only
 * peers that both propose a short Ta pace faster than the default.
 */
export const DEFAULT_ICE_PACING_MS = 5;

/** RFC 8839 5.5: the session-level a=ice-pacing value, or null when absent or malformed. */
function icePacing(session: SessionDescription): number | null {
  const a = session.attributes.find((x) => x.type === 'unknown' && x.name === 'ice-pacing');
  const v = a?.type === 'unknown' ? a.value : undefined;
  return v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : null;
}

/** The session with our a=ice-pacing added (RFC 8839 5.5; none for ICE-lite). */
function withIcePacing(session: SessionDescription, agent: IceAgent): SessionDescription {
  const ta = agent.proposedTaMs;
  if (ta === undefined) return session;
  const pacing: Attribute = { type: 'unknown', name: 'ice-pacing', value: String(ta) };
  return { ...session, attributes: [...session.attributes, pacing] };
}

export type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'have-local-pranswer' | 'have-remote-pranswer' | 'closed';
export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type SdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
export type MediaKind = 'audio' | 'video';
export type { TransceiverInit, TransceiverInfo, SendTrack, RtpCodec, CodecPreference };

export interface SessionDescriptionInit {
  readonly type: SdpType;
  readonly sdp: string;
}

/** What RTCIceCandidateInit carries (W3C webrtc-pc 4.8.1). */
export interface IceCandidateInit {
  readonly candidate?: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

export interface PeerConnectionOptions {
  readonly certificate: Certificate;
  readonly random?: RandomSource;
  /** STUN servers as resolved addresses (the facade resolves `stun:` URLs). */
  readonly stunServers?: readonly TransportAddress[];
  /** Offer loopback host candidates (off by default, as browsers do). */
  readonly includeLoopback?: boolean;
  readonly codecs?: readonly CodecCapability[];
  readonly headerExtensions?: readonly string[];
  /** Our a=max-message-size (RFC 8841 section 6); default 262144. */
  readonly maxMessageSize?: number;
  /** ICE pacing (RFC 8445 section 14.2); default 50 ms. */
  readonly iceTaMs?: number;
  /** TURN servers (resolved) for relayed candidates (RFC 8656, UDP to the server). */
  readonly turnServers?: readonly TurnServerConfig[];
  /** W3C RTCIceTransportPolicy: 'relay' gathers and uses relayed candidates only. */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** The media cores of each transceiver (default: src/media's stream sender and receiver). */
  readonly mediaCores?: MediaCoreFactory;
  /** Wall clock (Unix ms) minus `now`, for RTCP SR NTP timestamps (RFC 3550 6.4.1); default 0. */
  readonly ntpOffsetMs?: number;
  /** DTLS-SRTP protection profiles offered/accepted in use_srtp (RFC 5764 4.1.2), in preference order; default the DTLS endpoint's (AES-GCM first). */
  readonly srtpProfiles?: readonly SrtpProfileName[];
  /** W3C RTCBundlePolicy (RFC 8829 section 4.1.1); default 'balanced'. */
  readonly bundlePolicy?: BundlePolicy;
  /**
   * Where transports after the first take their host candidates from: 'shared' (default)
   * the peer's bases, told apart by `pickTransport`; 'own' bases of their own, which the
   * caller binds when a 'transport-bases' event asks (addHostBases with the transport id)
   * and releases on 'transport-closed', as browsers give each transport its own port. The
   * extra transports of an initial offer share the bases either way (an answer usually
   * bundles them away; if not, the remote's ports tell them apart).
   */
  readonly transportBases?: 'shared' | 'own';
}

/** A channel as the peer reports it; `key` is ours, `id` the SCTP stream once known. */
export interface PeerChannel {
  readonly key: number;
  readonly id: number | null;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly negotiated: boolean;
}

export type PeerEvent =
  | { readonly type: 'icecandidate'; readonly candidate: { readonly candidate: string; readonly sdpMid: string; readonly sdpMLineIndex: number; readonly usernameFragment: string } | null }
  | { readonly type: 'icecandidateerror'; readonly address: string; readonly port: number; readonly url: string; readonly errorCode: number; readonly errorText: string }
  | { readonly type: 'icegatheringstatechange'; readonly state: IceGatheringState }
  | { readonly type: 'iceconnectionstatechange'; readonly state: IceConnectionState }
  | { readonly type: 'connectionstatechange'; readonly state: PeerConnectionState }
  | { readonly type: 'signalingstatechange'; readonly state: SignalingState }
  | { readonly type: 'negotiationneeded' }
  /** A remote candidate names an mDNS host (`<uuid>.local`): answer with `resolveMdns`. */
  | { readonly type: 'mdns-query'; readonly name: string }
  | { readonly type: 'datachannel'; readonly channel: PeerChannel }
  | { readonly type: 'channel-id'; readonly key: number; readonly id: number }
  | { readonly type: 'channel-open'; readonly key: number }
  | { readonly type: 'channel-message'; readonly key: number; readonly data: string | Uint8Array }
  | { readonly type: 'channel-closing'; readonly key: number }
  | { readonly type: 'channel-closed'; readonly key: number }
  | { readonly type: 'channel-bufferedamountlow'; readonly key: number }
  | { readonly type: 'channel-error'; readonly key: number; readonly message: string }
  /** W3C 4.4.1.6 "process the addition of a remote track": the remote description now sends on `mid`. */
  | { readonly type: 'track'; readonly mid: string; readonly kind: MediaKind; readonly streamIds: readonly string[]; readonly trackId: string }
  /** The remote stopped sending on `mid` (W3C "process the removal of a remote track"). */
  | { readonly type: 'track-removed'; readonly mid: string }
  | { readonly type: 'frame'; readonly mid: string; readonly frame: EncodedFrame; readonly codec: RtpCodec }
  | { readonly type: 'rtp'; readonly mid: string; readonly packet: RtpPacket }
  | { readonly type: 'keyframe-request'; readonly mid: string }
  /** The remote sender on `mid` said RTCP BYE (RFC 3550 section 6.6): its track has no media now. */
  | { readonly type: 'bye'; readonly mid: string }
  /** With `transportBases: 'own'`: bind sockets for this transport and pass their bases to addHostBases with its id. */
  | { readonly type: 'transport-bases'; readonly transportId: string }
  /** A transport with bases of its own was closed: its sockets may go. */
  | { readonly type: 'transport-closed'; readonly transportId: string }
  /**
   * A transceiver of ours not yet negotiated was given a new mid (a remote offer's m= line
   * took it, or took its old mid for another section). Use `mid` from now on: methods
   * accept the old one (`key`, its first mid) only while no other transceiver holds it.
   */
  | { readonly type: 'transceiver-mid'; readonly key: string; readonly mid: string };

/**
 * One ICE+DTLS transport as the W3C RTCIceTransport (webrtc-pc 5.6) and RTCDtlsTransport
 * (5.5) show it.
 */
export interface PeerTransportInfo {
  /** Stable while the transport lives; the same for every mid that shares it (BUNDLE). */
  readonly id: string;
  /** The mid the transport's candidates belong to (the first live section using it). */
  readonly mid: string;
  readonly iceState: IceConnectionState;
  readonly iceGatheringState: IceGatheringState;
  readonly iceRole: IceRole | undefined;
  readonly selectedPair: SelectedPair | undefined;
  readonly dtlsState: 'new' | 'connecting' | 'connected' | 'closed' | 'failed';
  /** The remote DTLS certificate chain (DER), leaf first; empty before the handshake. */
  readonly remoteCertificates: readonly Uint8Array[];
}

/** One transceiver's media as getStats reports it. */
export interface MediaStatsEntry {
  readonly mid: string;
  /** The stats id (`T<id>`) of the transport the transceiver uses. */
  readonly transportId?: string;
  readonly kind: MediaKind;
  readonly codec?: RtpCodec;
  readonly sender?: SenderCoreStats & { readonly ssrc: number };
  readonly receiver?: RtpStreamReceiverStats;
  /** Frames and packets the application handed in while the transceiver could not send. */
  readonly framesDropped: number;
}

/** What the media transport counted: SRTP, routing, and RTP/RTCP parse failures. */
export interface MediaTransportStats {
  readonly srtp: Readonly<MediaSrtpCounters>;
  readonly routing: Readonly<RouterCounters>;
  readonly srtpProfile: string | undefined;
  /** Unprotected RTP/RTCP that did not parse. */
  readonly malformed: number;
  /** Routed RTP for a transceiver that does not receive. */
  readonly notReceiving: number;
  /** Negotiated sections whose sender or receiver the media cores refused (see applyMedia). */
  readonly coreErrors: number;
  /** RTP/RTCP not sent because ICE had no selected pair yet. */
  readonly noPath: number;
}

/** Counters of what the peer dropped (never thrown on remote input). */
export interface PeerStats {
  dtlsDatagramsIn: number;
  rtpDatagramsDropped: number;
  unknownDatagramsDropped: number;
  earlyDtlsDropped: number;
  eventsDropped: number;
  transmitsDropped: number;
}

/** DTLS datagrams kept while the answer (and so the DTLS role) is not yet known. */
export const MAX_EARLY_DTLS_DATAGRAMS = 16;
/** Events queued for `pollEvent`; a caller that never drains cannot grow memory past it. */
export const MAX_QUEUED_PEER_EVENTS = 4096;
/** Our a=max-message-size (RFC 8841 section 6), what Chrome announces. */
export const DEFAULT_LOCAL_MAX_MESSAGE_SIZE = 262144;
/** Transceivers (m= sections) one peer holds; bounds what a remote offer can make us create. */
export const MAX_TRANSCEIVERS = 64;
/** Datagrams queued for `pollTransmit`; beyond it new ones are dropped (UDP may lose them anyway). */
export const MAX_QUEUED_PEER_TRANSMITS = 4096;
/** Trickled candidates recorded in the remote description; further ones still reach ICE (bounded there). */
export const MAX_REMOTE_DESCRIPTION_CANDIDATES = 256;
/** TURN servers used at once (each one allocation, RFC 8656). */
export const MAX_RELAYS = 4;
/** Data channels this core tracks by key (RFC 8831 6.2: 65535 stream ids at most). */
export const MAX_PEER_CHANNELS = 65_534;

/** One transport as getStats reports it (W3C webrtc-stats RTCTransportStats and what it references). */
export interface TransportSnapshot {
  /** Stable while the transport lives; stats ids are `T<id>`. */
  readonly id: string;
  /** The mids of the sections using it. */
  readonly mids: readonly string[];
  readonly ice: IceAgent['stats'] | undefined;
  readonly selectedPair: SelectedPair | undefined;
  readonly localCandidates: readonly IceCandidate[];
  readonly remoteCandidates: readonly IceCandidate[];
  readonly dtlsState: 'new' | 'connecting' | 'connected' | 'closed' | 'failed';
  readonly dtlsRole: 'client' | 'server' | undefined;
  readonly iceRole: IceRole | undefined;
  readonly iceState: IceConnectionState;
  /** Every pair of the checklist with its W3C counters (undefined before any datagram). */
  readonly pairs: readonly PairSnapshot[];
  readonly transportTotals: Readonly<TransportTotals>;
  readonly selectedPairChanges: number;
  readonly localUfrag: string | undefined;
  /** What DTLS negotiated, once connected. */
  readonly dtls: { readonly version: string; readonly cipherSuite: string; readonly srtpProfile: string | undefined; readonly peerCertificate: Uint8Array; readonly peerFingerprint: CertFingerprint } | undefined;
}

/** One candidate pair as getStats reports it. */
export interface PairSnapshot {
  readonly local: IceCandidate;
  readonly remote: IceCandidate;
  readonly state: 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';
  readonly nominated: boolean;
  readonly selected: boolean;
  readonly counters: Readonly<PairCounters> | undefined;
}

/**
 * The address datagrams of a local candidate leave from: a relayed candidate is its own
 * (the TURN allocation), a reflexive one its base (RFC 8839 raddr/rport), a host itself.
 */
function candidateBase(c: IceCandidate): { address: string; port: number } {
  if ((c.type === 'srflx' || c.type === 'prflx') && c.relatedAddress !== undefined && c.relatedPort !== undefined) return { address: c.relatedAddress, port: c.relatedPort };
  return { address: c.address, port: c.port };
}

/** One m= section as this peer keeps it. */
interface Section {
  /** Changes only for a transceiver never negotiated whose mid a remote offer took (renameSection). */
  mid: string;
  readonly kind: MediaKind | 'application';
  /** Our wish for RTP sections (W3C RTCRtpTransceiverDirection). */
  direction: Direction;
  /** Set when the section was rejected (port 0) or stopped. */
  rejected: boolean;
  /** RTP sections: the track we send (W3C RTCRtpSender.track), null for none. */
  track: SendTrack | null;
  /** Made by this side (addTransceiver, the data section of our offer) rather than by a remote offer. */
  readonly local: boolean;
  /** Stopped by stopTransceiver (survives rollback). */
  stopped: boolean;
  /** Made by W3C addTrack: a remote offer's new m= line of its kind may take it (W3C 4.4.1.6). */
  addTrack?: boolean;
  /** W3C setCodecPreferences; null: our capabilities in their order. */
  codecPreferences?: readonly CodecPreference[] | null;
}

/** The media state of one RTP transceiver (by mid), beside its Section. */
interface MediaState {
  readonly mid: string;
  readonly kind: MediaKind;
  readonly localSsrc: number;
  readonly localRtxSsrc: number | undefined;
  negotiated: NegotiatedMedia | undefined;
  remoteSending: boolean;
  remoteStreamIds: readonly string[];
  remoteTrackId: string | undefined;
  sender: SenderCore | undefined;
  /**
   * The negotiated direction stopped sending: the sender is kept but not polled (no SR,
   * no BYE: the stream is paused, not ended) so that a later resumption continues its
   * sequence numbers, which the SRTP index of its SSRC depends on (RFC 3711 3.3.1).
   */
  senderPaused: boolean;
  receiver: ReceiverCore | undefined;
  rtpEvents: boolean;
  framesDropped: number;
}

interface ChannelEntry {
  readonly key: number;
  id: number | null;
  readonly init: DataChannelInit & { label: string };
  started: boolean;
  readonly counters: ChannelCounters;
}

/** Per-channel counters (W3C webrtc-stats RTCDataChannelStats). */
export interface ChannelCounters {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
}

const newCounters = (): ChannelCounters => ({ messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 });
const utf8 = new TextEncoder();

type Description = { readonly type: 'offer' | 'answer' | 'pranswer'; readonly session: SessionDescription };

/** Length of our random CNAME (RFC 7022 section 4.2: at least 96 bits of randomness; Chrome uses 16 characters). */
const CNAME_LENGTH = 16;

const FIRST_BYTE = { stunMax: 3, dtlsMin: 20, dtlsMax: 63, rtpMin: 128, rtpMax: 191 } as const;

/** Which sections use which transport: the key section's mid, and the mids sharing it. */
interface TransportPlan {
  readonly mid: string;
  readonly mids: readonly string[];
}


/** The earlier of two optional deadlines. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}

/** A W3C RTCRtpTransceiverDirection we accept from the caller. */
function checkDirection(d: string): asserts d is Direction {
  if (d !== 'sendrecv' && d !== 'sendonly' && d !== 'recvonly' && d !== 'inactive') throw new InvalidArgumentError(`unknown direction ${JSON.stringify(d)}`);
}

/** `{ [key]: value }` when value is defined, else `{}` (exactOptionalPropertyTypes-friendly spreads). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Further a=msid lines (a track in several streams, RFC 8830 section 2) right after the first one. */
function withMoreMsids(m: MediaDescription, more: readonly Attribute[]): MediaDescription {
  if (more.length === 0) return m;
  const at = m.attributes.findIndex((a) => a.type === 'msid');
  if (at < 0) return m;
  return { ...m, attributes: [...m.attributes.slice(0, at + 1), ...more, ...m.attributes.slice(at + 1)] };
}

/** A description type a W3C caller may pass. */
function checkType(t: string): SdpType {
  if (t === 'offer' || t === 'answer' || t === 'pranswer' || t === 'rollback') return t;
  throw new InvalidArgumentError(`unknown description type ${JSON.stringify(t)}`);
}

export class PeerConnection {
  private readonly random: RandomSource;
  private readonly certificate: Certificate;
  private readonly localFingerprint: CertFingerprint;
  private readonly options: PeerConnectionOptions;
  private readonly codecCaps: readonly CodecCapability[];
  private readonly extUris: readonly string[];
  private readonly localMaxMessageSize: number;
  /** W3C RTCBundlePolicy (RFC 8829 section 4.1.1). */
  readonly bundlePolicy: BundlePolicy;
  readonly stats: PeerStats = { dtlsDatagramsIn: 0, rtpDatagramsDropped: 0, unknownDatagramsDropped: 0, earlyDtlsDropped: 0, eventsDropped: 0, transmitsDropped: 0 };

  /** The transports in use, the first one's section first (one with BUNDLE). */
  private transports: PeerTransport[] = [];
  /** mid -> the transport its section uses. */
  private transportOfMid = new Map<string, PeerTransport>();
  /** Transports as of the last stable state, for rollback. */
  private stableTransports: { readonly list: PeerTransport[]; readonly byMid: Map<string, PeerTransport> } = { list: [], byMid: new Map() };
  private nextTransportId = 1;
  /** Transports an offer left out, kept until the answer (closed) or a rollback (back). */
  private readonly setAside = new Set<PeerTransport>();
  /** The transport the SCTP association runs on (the data section's). */
  private sctpTransport: PeerTransport | undefined;
  private hostBases: TransportAddress[] = [];
  private manager: DataChannelManager | undefined;
  private remoteMaxMessageSize: number | undefined;
  private remoteSctpPort = 5000;

  private signaling: SignalingState = 'stable';
  private currentLocal: Description | undefined;
  private pendingLocal: Description | undefined;
  private currentRemote: Description | undefined;
  private pendingRemote: Description | undefined;
  /** Sections as of the last stable state, for rollback. */
  private stableSections: Section[] = [];
  private sections: Section[] = [];
  private nextMid = 0;
  private readonly sessionId: string;
  private sessionVersion = 1;
  private lastOffer: string | undefined;
  private lastAnswer: string | undefined;

  private readonly channels = new Map<number, ChannelEntry>();
  private readonly keyById = new Map<number, number>();
  private nextChannelKey = 1;
  private wantDataSection = false;
  private negotiationNeededQueued = false;

  private iceGathering: IceGatheringState = 'new';
  private iceConnection: IceConnectionState = 'new';
  private connection: PeerConnectionState = 'new';
  private readonly transmits: Transmit[] = [];
  private readonly events: PeerEvent[] = [];
  private closedFlag = false;
  private remoteDescriptionCandidates = 0;
  private readonly relays: Relay[] = [];
  /** What each relay's allocation gave, replayed to transports created after it. */
  private readonly relayResults = new Map<string, (now: number, agent: IceAgent) => void>();
  private channelsOpened = 0;
  private channelsClosed = 0;

  // media (RTP transceivers over the BUNDLE transport)
  private readonly mediaCores: MediaCoreFactory;
  /** RFC 3550 6.5.1 / RFC 7022: one CNAME per peer connection, random. */
  readonly cname: string;
  private readonly router = new RtpRouter();
  private readonly media = new Map<string, MediaState>();
  /** Our SSRC (media or RTX) -> mid, for RTCP feedback and uniqueness. */
  private readonly localSsrcs = new Map<number, string>();
  private mediaMalformed = 0;
  private mediaNotReceiving = 0;
  /** Senders/receivers the media cores refused to create for a negotiated section. */
  private mediaCoreErrors = 0;
  /** RTP/RTCP our cores produced while ICE had no selected pair (not sent). */
  private mediaNoPath = 0;
  /** Old mid -> current mid of transceivers renamed by renameSection (bounded by MAX_TRANSCEIVERS). */
  private readonly midAliases = new Map<string, string>();

  constructor(options: PeerConnectionOptions) {
    this.options = options;
    this.random = options.random ?? secureRandom;
    this.certificate = options.certificate;
    this.localFingerprint = certificateFingerprint(options.certificate.der, 'sha-256');
    this.codecCaps = options.codecs ?? DEFAULT_CODECS;
    this.extUris = options.headerExtensions ?? DEFAULT_HEADER_EXTENSIONS;
    this.localMaxMessageSize = options.maxMessageSize ?? DEFAULT_LOCAL_MAX_MESSAGE_SIZE;
    this.mediaCores = options.mediaCores ?? DEFAULT_MEDIA_CORES;
    this.bundlePolicy = options.bundlePolicy ?? DEFAULT_BUNDLE_POLICY;
    if (!BUNDLE_POLICIES.includes(this.bundlePolicy)) throw new InvalidArgumentError(`unknown bundle policy ${JSON.stringify(this.bundlePolicy)}`);
    // RFC 8829 section 5.2.1: a 64-bit random session id below 2^63.
    const b = this.random.fill(new Uint8Array(8));
    b[0] = (b[0] as number) & 0x3f;
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    this.sessionId = v.toString();
    this.cname = randomIceString(this.random, CNAME_LENGTH);
  }

  // ------------------------------------------------------------------ state getters

  get signalingState(): SignalingState {
    return this.signaling;
  }
  get iceGatheringState(): IceGatheringState {
    return this.iceGathering;
  }
  get iceConnectionState(): IceConnectionState {
    return this.iceConnection;
  }
  get connectionState(): PeerConnectionState {
    return this.connection;
  }
  /** The DTLS role of the data channels' transport (else the first one). */
  get dtlsRole(): 'client' | 'server' | undefined {
    return this.dataTransport()?.dtlsRole;
  }
  get iceRole(): IceRole | undefined {
    return this.transports[0]?.agent.role;
  }
  get fingerprint(): CertFingerprint {
    return this.localFingerprint;
  }
  /** Our current ICE username fragment: the first transport's (undefined before one exists). */
  get localIceUfrag(): string | undefined {
    return this.transports[0]?.agent.localUfrag;
  }
  /** Every local ufrag a STUN request may name, over all transports (for a shared socket's demux). */
  get localIceUfrags(): readonly string[] {
    return this.transports.flatMap((t) => t.agent.localUfrags);
  }
  /** The selected pair of the data channels' transport (else the first one). */
  get selectedPair(): SelectedPair | undefined {
    return this.dataTransport()?.agent.selectedPair;
  }
  /**
   * Changes whenever something `transportInfo` reports may have changed (ICE and DTLS
   * states, selected pairs, the set of transports): a caller mirroring transports (the
   * W3C RTCDtlsTransport objects) reads them again only then.
   */
  get transportVersion(): number {
    return this.transportVersionValue;
  }
  private transportVersionValue = 0;
  /** How many ICE/DTLS transports the peer runs now (one with BUNDLE). */
  get transportCount(): number {
    return this.transports.length;
  }
  /**
   * The transport `mid` uses (W3C RTCDtlsTransport / RTCIceTransport), or without `mid` the
   * one the data channels use; undefined before a description created the ICE agent and
   * for unknown mids. Sections of one BUNDLE group (RFC 8843) share one.
   */
  transportInfo(mid?: string): PeerTransportInfo | undefined {
    let t: PeerTransport | undefined;
    if (mid === undefined) t = this.dataTransport();
    else {
      const resolved = this.resolveMid(mid);
      if (!this.sections.some((s) => s.mid === resolved)) return undefined;
      t = this.transportOfMid.get(resolved) ?? this.transports[0];
    }
    if (!t) return undefined;
    const cert = t.dtls?.negotiated?.peerCertificate;
    return {
      id: t.id, mid: t.mid,
      iceState: this.closedFlag ? 'closed' : t.iceConnection, iceGatheringState: t.iceGathering, iceRole: t.agent.role,
      selectedPair: this.closedFlag ? undefined : t.agent.selectedPair,
      dtlsState: this.closedFlag ? 'closed' : t.dtlsState, remoteCertificates: cert ? [cert] : [],
    };
  }

  /** The transport of the data channels once negotiated, else the first. */
  private dataTransport(): PeerTransport | undefined {
    return this.sctpTransport ?? this.transports[0];
  }

  /** The SCTP association for data channels, once an answer negotiated one (W3C RTCSctpTransport). */
  get sctp(): { readonly state: 'connecting' | 'connected' | 'closed'; readonly maxChannels: number | null } | undefined {
    const a = this.manager?.association;
    if (!a) return undefined;
    const state = a.state === 'established' ? 'connected' : a.state === 'closed' ? 'closed' : 'connecting';
    return { state, maxChannels: a.state === 'established' ? Math.min(a.outboundStreamCount, a.inboundStreamCount) : null };
  }

  /** The largest message the peer accepts (W3C RTCSctpTransport.maxMessageSize). */
  get maxMessageSize(): number {
    const remote = this.remoteMaxMessageSize ?? 65536;
    if (remote === 0) return this.localMaxMessageSize;
    return Math.min(remote, this.localMaxMessageSize);
  }
  get localDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.pendingLocal ?? this.currentLocal);
  }
  get currentLocalDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.currentLocal);
  }
  get pendingLocalDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.pendingLocal);
  }
  get remoteDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.pendingRemote ?? this.currentRemote);
  }
  get currentRemoteDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.currentRemote);
  }
  get pendingRemoteDescription(): SessionDescriptionInit | undefined {
    return this.describe(this.pendingRemote);
  }
  /** The mids and kinds of our m= sections, in order. */
  get transceivers(): readonly { readonly mid: string; readonly kind: MediaKind | 'application'; readonly direction: Direction; readonly stopped: boolean }[] {
    return this.sections.map((s) => ({ mid: s.mid, kind: s.kind, direction: s.direction, stopped: s.rejected }));
  }

  private describe(d: Description | undefined): SessionDescriptionInit | undefined {
    return d === undefined ? undefined : { type: d.type, sdp: serializeSdp(d.session) };
  }

  // ------------------------------------------------------------------ polling

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): PeerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    if (this.closedFlag) return undefined;
    // Runs after every datagram (the facade re-arms its timer): no allocation.
    let best = earliest(this.manager?.pollTimeout(), this.mediaTimeout());
    for (const t of this.transports) best = earliest(earliest(best, t.agent.pollTimeout()), earliest(t.dtls?.pollTimeout(), t.twcc.pollTimeout()));
    for (const r of this.relays) best = earliest(best, r.client.pollTimeout());
    return best;
  }

  // ------------------------------------------------------------------ inputs

  /**
   * The bases the caller bound (one UDP socket each); host candidates come from them. With
   * `transportId`, the bases of that transport alone (the answer to 'transport-bases');
   * none (it could not bind) makes it use the peer's bases after all.
   */
  addHostBases(now: number, bases: readonly TransportAddress[], transportId?: string): void {
    if (transportId !== undefined) {
      const t = [...this.transports, ...this.setAside].find((x) => x.id === transportId);
      if (!t || t.ownBases === undefined) return;
      if (bases.length === 0 && t.ownBases.length === 0) t.ownBases = undefined;
      else for (const b of bases) if (!t.ownBases.some((h) => h.address === b.address && h.port === b.port)) t.ownBases.push(b);
      if (!this.relayOnly) t.agent.addHostBases(now, t.ownBases === undefined ? this.hostBases : bases);
      if (t.gatherWhenBases) {
        t.gatherWhenBases = false;
        this.startGatheringOn(now, t);
      }
      this.pump(now);
      return;
    }
    for (const b of bases) if (!this.hostBases.some((h) => h.address === b.address && h.port === b.port)) this.hostBases.push(b);
    if (this.transports.length > 0) {
      if (!this.relayOnly) for (const t of this.transports) if (t.ownBases === undefined) t.agent.addHostBases(now, bases);
      this.pump(now);
    }
  }

  /** A datagram that arrived on one of our bases. */
  handleInput(now: number, dgram: { readonly local: TransportAddress; readonly remote: TransportAddress; readonly data: Uint8Array }): void {
    if (this.closedFlag || this.transports.length === 0) return;
    const relay = this.relays.find((r) => r.owns(dgram.local, dgram.remote, dgram.data));
    if (relay) relay.client.handleInput(now, dgram.data);
    else {
      const t = pickTransport(this.transports, dgram.remote, dgram.data, dgram.local) as PeerTransport;
      t.pairStats.received(now, dgram.local, dgram.remote, dgram.data);
      t.agent.handleInput(now, dgram);
    }
    this.pump(now);
  }

  handleTimeout(now: number): void {
    if (this.closedFlag) return;
    const due = (t: number | undefined): boolean => t !== undefined && t <= now;
    for (const t of this.transports) {
      if (due(t.agent.pollTimeout())) t.agent.handleTimeout(now);
      if (t.dtls && due(t.dtls.pollTimeout())) t.dtls.handleTimeout(now);
    }
    if (this.manager && due(this.manager.pollTimeout())) this.manager.handleTimeout(now);
    for (const r of this.relays) if (due(r.client.pollTimeout())) r.client.handleTimeout(now);
    this.mediaHandleTimeout(now);
    this.pump(now);
  }

  // ------------------------------------------------------------------ JSEP

  /**
   * Adds an RTP m= section to the next offer (W3C addTransceiver); returns its mid (the
   * transceiver's key). `init` is a direction (default recvonly) or an RTCRtpTransceiverInit
   * with the track to send (default sendrecv then, as in W3C).
   */
  addTransceiver(now: number, kind: MediaKind, init: TransceiverInit | Direction = 'recvonly'): string {
    this.checkOpen();
    if (kind !== 'audio' && kind !== 'video') throw new InvalidArgumentError(`unknown media kind ${JSON.stringify(kind)}`);
    if (this.sections.length >= MAX_TRANSCEIVERS) throw new InvalidStateError(`at most ${MAX_TRANSCEIVERS} transceivers`);
    const o: TransceiverInit = typeof init === 'string' ? { direction: init } : init;
    const direction = o.direction ?? 'sendrecv';
    checkDirection(direction);
    const track = o.trackId === undefined || o.trackId === null ? null : { trackId: o.trackId, streamIds: [...new Set(o.streams ?? [])] };
    const mid = this.allocateMid();
    this.sections.push({ mid, kind, direction, rejected: false, track, local: true, stopped: false, addTrack: o.addTrack === true });
    this.mediaOf(mid, kind);
    this.updateNegotiationNeeded();
    this.pump(now);
    return mid;
  }

  /** W3C RTCRtpTransceiver.direction: takes effect at the next negotiation. */
  setTransceiverDirection(now: number, mid: string, direction: Direction): void {
    this.checkOpen();
    checkDirection(direction);
    const s = this.rtpSection(mid);
    if (s.rejected) throw new InvalidStateError(`transceiver ${mid} is stopped`);
    if (s.direction === direction) return;
    s.direction = direction;
    this.updateNegotiationNeeded();
    this.pump(now);
  }

  /**
   * W3C replaceTrack / setStreams / addTrack onto an existing transceiver: the track we
   * send (its id and stream ids go into a=msid of the next description); null: nothing to
   * send, the sender goes quiet (sendFrame/sendRtp return false).
   */
  setSendTrack(now: number, mid: string, track: SendTrack | null): void {
    this.checkOpen();
    const s = this.rtpSection(mid);
    s.track = track === null ? null : { trackId: track.trackId, streamIds: [...new Set(track.streamIds)] };
    this.updateNegotiationNeeded();
    this.pump(now);
  }

  /**
   * W3C RTCRtpTransceiver.setCodecPreferences (5.4.1): the codecs of the next offers and
   * answers for `mid`, in this order (RFC 8829 5.2.1, 5.3.1); empty: back to our
   * capabilities. It does not by itself make negotiation needed (W3C).
   */
  setCodecPreferences(mid: string, codecs: readonly CodecPreference[]): void {
    this.checkOpen();
    const s = this.rtpSection(mid);
    s.codecPreferences = codecs.length === 0 ? null : codecs.map((c) => ({ ...c }));
  }

  /**
   * W3C RTCRtpTransceiver.stop(): the sender says BYE (RFC 3550 6.6), the receiver stops,
   * and the next offer rejects the section (port 0, RFC 8829 section 5.2.2).
   */
  stopTransceiver(now: number, mid: string): void {
    this.checkOpen();
    const s = this.rtpSection(mid);
    if (s.rejected) return;
    s.rejected = true;
    s.stopped = true;
    const st = this.media.get(s.mid);
    if (st) {
      this.stopSender(now, st);
      st.receiver = undefined;
      this.setRemoteSending(st, false);
      this.configureRouter();
    }
    this.updateNegotiationNeeded();
    this.pump(now);
  }

  /** What one RTP transceiver negotiated (undefined for unknown mids and data sections). */
  transceiverInfo(key: string): TransceiverInfo | undefined {
    const mid = this.resolveMid(key);
    const s = this.sections.find((x) => x.mid === mid);
    const st = this.media.get(mid);
    if (!s || !st || s.kind === 'application') return undefined;
    const n = st.negotiated;
    const codecs = n?.codecs ?? [];
    return {
      mid, kind: st.kind, direction: s.direction, currentDirection: n === undefined ? null : n.direction, stopped: s.rejected,
      sendCodec: codecs[0], codecs, headerExtensions: n?.extensions ?? [],
      localSsrc: st.localSsrc, localRtxSsrc: st.localRtxSsrc, cname: this.cname,
      remoteStreamIds: st.remoteStreamIds, remoteTrackId: st.remoteTrackId, rtcpReducedSize: n?.rtcpReducedSize ?? false,
    };
  }

  /**
   * Sends one encoded frame on `mid` (timestamp in the codec's clock). False when the
   * transceiver cannot send now (no keys yet, direction, no codec, no track): the frame
   * is dropped and counted.
   */
  sendFrame(now: number, mid: string, frame: EncodedFrame): boolean {
    return this.toSender(now, mid, (sender) => sender.sendFrame(now, frame));
  }

  /** Forwards an RTP packet on `mid` (its SSRC, payload type and sequence are rewritten to ours). */
  sendRtp(now: number, mid: string, packet: RtpPacket): boolean {
    return this.toSender(now, mid, (sender) => sender.sendRtp(now, packet));
  }

  /** Hands one frame or packet to `mid`'s active sender; a refusal is counted in framesDropped. */
  private toSender(now: number, mid: string, send: (sender: SenderCore) => boolean): boolean {
    const st = this.media.get(this.resolveMid(mid));
    const sender = st ? this.activeSender(st) : undefined;
    if (!st || !sender) {
      if (st) st.framesDropped++;
      return false;
    }
    const ok = send(sender);
    if (!ok) st.framesDropped++;
    this.pump(now);
    return ok;
  }

  /** Asks the remote sender on `mid` for a keyframe (PLI, or FIR when only that is negotiated). */
  requestKeyframe(now: number, mid: string): void {
    const r = this.media.get(this.resolveMid(mid))?.receiver;
    if (!r || this.closedFlag) return;
    r.requestKeyframe(now);
    this.pump(now);
  }

  /** Whether `mid` reports each received RTP packet as an 'rtp' event (forwarding); off by default. */
  setReceiverRtpEvents(mid: string, on: boolean): void {
    const st = this.media.get(this.resolveMid(mid));
    if (!st) return;
    st.rtpEvents = on;
    st.receiver?.setRtpEvents(on);
  }

  /** Per-transceiver media statistics for getStats (W3C webrtc-stats RTCInboundRtpStreamStats / RTCOutboundRtpStreamStats). */
  mediaStats(): readonly MediaStatsEntry[] {
    const out: MediaStatsEntry[] = [];
    for (const s of this.sections) {
      const st = s.kind === 'application' ? undefined : this.media.get(s.mid);
      if (!st) continue;
      const codec = st.negotiated?.codecs[0];
      const t = this.transportOfMid.get(st.mid);
      out.push({
        mid: st.mid, kind: st.kind, framesDropped: st.framesDropped, ...(t ? { transportId: `T${t.id}` } : {}),
        ...(codec ? { codec } : {}),
        ...(st.sender ? { sender: { ...st.sender.stats(), ssrc: st.sender.ssrc } } : {}),
        ...(st.receiver ? { receiver: st.receiver.stats() } : {}),
      });
    }
    return out;
  }

  /**
   * The RFC 5705 exporter of the connected DTLS association (RFC 5764 4.2 uses it with
   * "EXTRACTOR-dtls_srtp"). Throws InvalidStateError before DTLS is connected.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    const dtls = this.dataTransport()?.dtls;
    if (!dtls || dtls.state !== 'connected') throw new InvalidStateError('DTLS is not connected');
    return dtls.exportKeyingMaterial(label, length, context);
  }

  /** SRTP (summed over the transports) and routing counters. */
  mediaTransportStats(): MediaTransportStats {
    const srtp: MediaSrtpCounters = { ...(this.transports[0]?.srtp.counters ?? new MediaSrtpSession().counters) };
    for (const t of this.transports.slice(1)) for (const k of Object.keys(srtp) as (keyof MediaSrtpCounters)[]) srtp[k] += t.srtp.counters[k];
    return {
      srtp, routing: { ...this.router.counters }, srtpProfile: this.transports.find((t) => t.srtp.profile !== undefined)?.srtp.profile,
      malformed: this.mediaMalformed, notReceiving: this.mediaNotReceiving, coreErrors: this.mediaCoreErrors, noPath: this.mediaNoPath,
    };
  }

  /** RFC 8829 section 5.2: an offer with every section we have plus a data section when wanted. */
  createOffer(now: number, options: { readonly iceRestart?: boolean } = {}): SessionDescriptionInit {
    this.checkOpen();
    // RFC 8829 section 3.2: an offer is made from stable (or replaces our pending offer).
    if (this.signaling !== 'stable' && this.signaling !== 'have-local-offer') throw new InvalidStateError(`createOffer in signaling state ${this.signaling}`);
    this.ensureTransport(now, 'controlling');
    const negotiated = this.currentLocal !== undefined || this.currentRemote !== undefined;
    if (options.iceRestart === true || (this.iceRestartPending && negotiated)) {
      this.iceRestartPending = false;
      for (const t of this.transports) t.agent.restart(now);
      this.pump(now);
    }
    if (this.wantDataSection && !this.sections.some((s) => s.kind === 'application')) {
      this.sections.push({ mid: this.allocateMid(), kind: 'application', direction: 'sendrecv', rejected: false, track: null, local: true, stopped: false });
    }
    const media: MediaDescription[] = [];
    const previous = (this.currentRemote ?? this.currentLocal)?.session;
    // RFC 8829 section 5.2.1: bundle-only marks appear in initial offers only (5.2.2).
    const initial = this.currentLocal === undefined && this.currentRemote === undefined;
    const bundleOnly = initial ? bundleOnlyMids(this.sections.filter((s) => !s.rejected), this.bundlePolicy) : new Set<string>();
    // An initial offer's extra transports share our sockets: the answer most likely bundles
    // them away, and a remote that does not gives its own transports ports of their own
    // (so their datagrams are told apart by remote address, `pickTransport`).
    this.syncTransports(now, this.offerPlan(bundleOnly), false, initial);
    for (const s of this.sections) {
      if (s.rejected) {
        const prev = previous?.media.find((m) => sdpMid(m) === s.mid);
        const placeholder: MediaDescription = s.kind === 'application'
          ? buildDataChannelMedia({ mid: s.mid })
          : buildRtpMedia({ kind: s.kind, mid: s.mid, direction: 'inactive', codecs: offerCodecs(s.kind, this.codecCaps).slice(0, 1) });
        media.push(buildRejectedMedia(prev ?? placeholder));
        continue;
      }
      const t = this.transportOfMid.get(s.mid) ?? (this.transports[0] as PeerTransport);
      // RFC 8829 5.2.2: in a subsequent offer a section bundled into another carries no ICE credentials.
      const bundled = !initial && t.mid !== s.mid;
      media.push(this.buildSection(s, bundleOnly.has(s.mid) ? undefined : { ...this.transportAttributes(t, this.offerSetup(t)), ...(bundled ? { bundled } : {}) }, undefined) as MediaDescription);
    }
    const live = this.sections.filter((s) => !s.rejected).map((s) => s.mid);
    const built = withIcePacing(buildSession({ sessionId: this.sessionId, sessionVersion: this.sessionVersion++, media, bundleGroups: live.length > 0 ? [live] : [], msidStreams: this.sendingStreamIds() }), (this.transports[0] as PeerTransport).agent);
    // RFC 8829 section 5.2.1: every section uses the same certificates, "or these values MUST
    // be session-level attributes". With bundle-only sections (no a=fingerprint of their
    // own) we also write it at session level: libwebrtc otherwise takes a bundle-only
    // section's transport as unsecured and rejects the data section that follows it.
    const session: SessionDescription = bundleOnly.size === 0 ? built : {
      ...built, attributes: [...built.attributes, { type: 'fingerprint', algorithm: this.localFingerprint.algorithm, value: this.localFingerprint.value }],
    };
    const sdp = serializeSdp(session);
    this.lastOffer = sdp;
    return { type: 'offer', sdp };
  }

  /** RFC 8829 section 5.3: the answer to the pending remote offer. */
  createAnswer(now: number): SessionDescriptionInit {
    this.checkOpen();
    if (this.signaling !== 'have-remote-offer' && this.signaling !== 'have-local-pranswer') {
      throw new InvalidStateError(`createAnswer in signaling state ${this.signaling}`);
    }
    const offer = (this.pendingRemote as Description).session;
    const primary = this.ensureTransport(now, 'controlled');
    const attributesFor = (s: Section): TransportAttributes => {
      const t = this.transportOfMid.get(s.mid) ?? primary;
      const keyIndex = offer.media.findIndex((m, i) => (sdpMid(m) ?? String(i)) === t.mid);
      const keyMedia = offer.media[keyIndex];
      const offeredSetup = keyMedia ? setupRole(keyMedia, offer) : offer.media.map((m) => setupRole(m, offer)).find((r) => r !== undefined);
      // Keep the DTLS role chosen in the first answer across renegotiation (RFC 8842 section 5.5).
      const setup: 'active' | 'passive' = t.dtlsRole !== undefined ? (t.dtlsRole === 'client' ? 'active' : 'passive') : answerSetup(offeredSetup);
      return this.transportAttributes(t, setup);
    };
    const accepted = new Set<string>();
    // RFC 8829 section 5.3.1: rejected when stopped, without a common format, or not bundled
    // as the bundle policy wants; then the whole group of a rejected offerer-tagged section
    // (RFC 8843 section 7.3.3).
    const byPolicy = policyRejections(offer, this.bundlePolicy);
    const grouped = new Set(attributesOf(offer, 'group').filter((g) => g.semantics === 'BUNDLE').flatMap((g) => g.mids));
    const built: (MediaDescription | undefined)[] = offer.media.map((m, i) => {
      const s = this.sections[i];
      if (s === undefined || s.rejected || byPolicy.has(i) || isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')) return undefined;
      // A bundle-only section outside every BUNDLE group has no transport (port 0, no ICE
      // attributes; RFC 8843 section 6): rejected, as an answerer without BUNDLE would.
      if (isPortZero(m) && !grouped.has(sdpMid(m) ?? '')) return undefined;
      // Each section with the attributes of its transport: its BUNDLE group's (RFC 8843
      // section 7.1) or, outside every group, its own (section 7.4).
      return this.buildSection(s, attributesFor(s), m);
    });
    const rejected = withTaggedGroupRejections(offer, new Set(built.flatMap((b, i) => (b === undefined ? [i] : []))));
    offer.media.forEach((m, i) => {
      const s = this.sections[i];
      if (built[i] !== undefined && s !== undefined && !rejected.has(i)) accepted.add(s.mid);
    });
    const bundle = answerBundleGroups(offer, accepted);
    // RFC 8829 5.3.1/5.3.2: a section bundled into another (not its group's first mid in
    // the answer) carries no ICE credentials.
    const bundledMids = new Set(bundle.groups.flatMap((g) => g.slice(1)));
    const media: MediaDescription[] = offer.media.map((m, i) => {
      const s = this.sections[i];
      if (built[i] === undefined || s === undefined || rejected.has(i)) return buildRejectedMedia(m);
      if (!bundledMids.has(s.mid)) return built[i] as MediaDescription;
      return this.buildSection(s, { ...attributesFor(s), bundled: true }, m) as MediaDescription;
    });
    const session = withIcePacing(buildSession({ sessionId: this.sessionId, sessionVersion: this.sessionVersion++, media, bundleGroups: bundle.groups, msidStreams: this.sendingStreamIds() }), primary.agent);
    const sdp = serializeSdp(session);
    this.lastAnswer = sdp;
    return { type: 'answer', sdp };
  }

  /**
   * W3C webrtc-pc restartIce() ([[LocalIceCredentialsToReplace]]): the next offer restarts
   * ICE on every transport, and negotiation is needed (once something was negotiated).
   */
  restartIce(): void {
    if (this.closedFlag) return;
    if (this.currentLocal === undefined && this.currentRemote === undefined) return;
    this.iceRestartPending = true;
    this.updateNegotiationNeeded();
  }
  private iceRestartPending = false;

  /** W3C setLocalDescription (4.4.1.5, RFC 8829 section 5.4 on what may change). Throws InvalidStateError/InvalidArgumentError. */
  setLocalDescription(now: number, desc: SessionDescriptionInit): void {
    this.checkOpen();
    const type = checkType(desc.type);
    if (type === 'rollback') {
      // W3C 4.4.1.5 step 4.2: rollback is refused only in stable and the pranswer states.
      if (this.signaling !== 'have-local-offer' && this.signaling !== 'have-remote-offer') throw new InvalidStateError(`cannot roll back in ${this.signaling}`);
      this.rollback(now);
      return;
    }
    const allowed: Record<string, readonly SignalingState[]> = {
      offer: ['stable', 'have-local-offer'],
      answer: ['have-remote-offer', 'have-local-pranswer'],
      pranswer: ['have-remote-offer', 'have-local-pranswer'],
    };
    if (!(allowed[type] ?? []).includes(this.signaling)) throw new InvalidStateError(`setLocalDescription(${type}) in signaling state ${this.signaling}`);
    const text = desc.sdp === '' ? (type === 'offer' ? this.lastOffer : this.lastAnswer) : desc.sdp;
    if (text === undefined) throw new InvalidStateError(`no ${type} was created`);
    const session = this.parse(text);
    if (session.media.length !== (type === 'offer' ? this.sections.length : (this.pendingRemote as Description).session.media.length)) {
      throw new InvalidArgumentError('the description does not match the last one created (m= sections differ)');
    }
    this.ensureTransport(now, type === 'offer' ? 'controlling' : 'controlled');
    // An answer fixes which transports stay (RFC 8843 section 7.4: sections it bundles share one).
    if (type === 'answer') this.syncTransports(now, this.planOf(session), true);
    let withCandidates = session;
    for (const t of this.transports) {
      for (const c of t.agent.localCandidates) withCandidates = this.addLocalCandidateTo(withCandidates, serializeIceCandidate(c), t);
      if (t.iceGathering === 'complete' && t.agent.localCandidates.length > 0) withCandidates = this.endLocalCandidates(withCandidates, t);
    }
    const d: Description = { type, session: withCandidates };
    if (type === 'offer') {
      this.pendingLocal = d;
      this.setSignaling('have-local-offer');
    } else if (type === 'pranswer') {
      this.pendingLocal = d;
      this.setSignaling('have-local-pranswer');
    } else {
      this.currentLocal = d;
      this.pendingLocal = undefined;
      this.currentRemote = this.pendingRemote;
      this.pendingRemote = undefined;
      this.applyAnswer(now, (this.currentRemote as Description).session, session, 'local');
      this.setSignaling('stable');
    }
    this.startGathering(now);
    this.pump(now);
  }

  /** W3C setRemoteDescription (4.4.1.6) with RFC 8829 section 5.8 checks. */
  setRemoteDescription(now: number, desc: SessionDescriptionInit): void {
    this.checkOpen();
    const type = checkType(desc.type);
    if (type === 'rollback') {
      // W3C 4.4.1.5 step 4.2: rollback is refused only in stable and the pranswer states.
      if (this.signaling !== 'have-local-offer' && this.signaling !== 'have-remote-offer') throw new InvalidStateError(`cannot roll back in ${this.signaling}`);
      this.rollback(now);
      return;
    }
    // W3C 4.4.1.6: a remote offer in have-local-offer rolls the local one back first
    // (the "perfect negotiation" glare case).
    if (type === 'offer' && this.signaling === 'have-local-offer') this.rollback(now);
    const allowed: Record<string, readonly SignalingState[]> = {
      offer: ['stable', 'have-remote-offer'],
      answer: ['have-local-offer', 'have-remote-pranswer'],
      pranswer: ['have-local-offer', 'have-remote-pranswer'],
    };
    if (!(allowed[type] ?? []).includes(this.signaling)) throw new InvalidStateError(`setRemoteDescription(${type}) in signaling state ${this.signaling}`);
    const session = this.parse(desc.sdp);
    const offer = type === 'offer' ? undefined : (this.pendingLocal as Description).session;
    const problems = verifyDescription(session, { type, ...(offer ? { offer } : {}), rtcpMuxRequired: true });
    if (problems.length > 0) {
      const p = problems[0] as { mediaIndex?: number; reason: string };
      throw new InvalidArgumentError(`remote ${type} rejected: ${p.mediaIndex !== undefined ? `m= section ${p.mediaIndex}: ` : ''}${p.reason}`);
    }
    if (type === 'offer') {
      if (session.media.length > MAX_TRANSCEIVERS) throw new InvalidArgumentError(`offer has more than ${MAX_TRANSCEIVERS} m= sections`);
      // Sections of the last exchange come first; transceivers added since (not yet in any
      // description) follow them.
      const negotiatedCount = (this.currentLocal ?? this.currentRemote)?.session.media.length ?? 0;
      const all = this.sections.map((s) => ({ ...s }));
      const next = all.slice(0, negotiatedCount);
      // (Sections a previous remote offer made, when this one replaces it, are made again below.)
      const pending = all.slice(negotiatedCount).filter((x) => x.local);
      const offerMids = session.media.map((m, i) => sdpMid(m) ?? String(i));
      if (session.media.length < next.length) throw new InvalidArgumentError('an offer must keep every m= section of the previous one (RFC 8829 section 5.2.2)');
      this.ensureTransport(now, 'controlled');
      // Match sections by position (RFC 8829 section 5.10): new ones become transceivers.
      session.media.forEach((m, i) => {
        const value = sdpMid(m) ?? String(i);
        const kind = m.kind === 'audio' || m.kind === 'video' ? m.kind : 'application';
        if (i < next.length) {
          const s = next[i] as Section;
          if (isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')) s.rejected = true;
          return;
        }
        const taken = (): string[] => [...offerMids, ...next.map((x) => x.mid), ...pending.map((x) => x.mid)];
        // W3C 4.4.1.6 (process remote offer): a transceiver of ours made by addTrack, of this
        // kind, not stopped and not yet associated takes the new m= line and its mid.
        const live = !isRejected(m);
        const mine = kind === 'application' || !live ? -1 : pending.findIndex((x) => x.kind === kind && x.addTrack === true && !x.stopped && !x.rejected);
        if (mine >= 0) {
          const x = pending.splice(mine, 1)[0] as Section;
          const clash = pending.find((y) => y.mid === value);
          if (clash) this.renameSection(clash, taken());
          if (x.mid !== value) this.renameSection(x, taken(), value);
          next.push(x);
          return;
        }
        next.push({ mid: value, kind, direction: kind === 'application' ? 'sendrecv' : 'recvonly', rejected: kind === 'application' && m.kind !== 'application', track: null, local: false, stopped: false });
        if (kind !== 'application') {
          // A transceiver of ours waiting with the same mid gives way (renamed) before this one takes it.
          const clash = pending.find((x) => x.mid === value);
          if (clash) this.renameSection(clash, taken());
          this.mediaOf(value, kind);
        }
      });
      // Transceivers we added and did not negotiate yet stay, after the offer's sections, for
      // our next offer (W3C: not associated with this offer's m= lines); our own data section
      // gives way when the offer has one.
      const remoteData = next.some((x) => x.kind === 'application' && !x.rejected);
      for (const x of pending) {
        if (x.kind === 'application' && remoteData) continue;
        if (next.some((y) => y.mid === x.mid)) this.renameSection(x, [...offerMids, ...next.map((y) => y.mid), ...pending.map((y) => y.mid)]);
        if (next.length < MAX_TRANSCEIVERS) next.push(x);
      }
      this.sections = next;
      this.pruneMedia();
      // The offer's transports (RFC 8843 section 7.1): a BUNDLE group shares its tagged
      // section's, any other section has its own; the answer may still drop some.
      this.syncTransports(now, this.planOf(session), false);
      this.pendingRemote = { type, session };
      this.applyRemoteTransport(now, session, true);
      this.updateRemoteTracks(session, 'offer');
      this.setSignaling('have-remote-offer');
    } else if (type === 'pranswer') {
      this.pendingRemote = { type, session };
      this.applyRemoteTransport(now, session, false);
      // W3C 4.4.1.6: a pranswer announces remote tracks as an answer does (media itself waits for the answer).
      this.updateRemoteTracks(session, 'answer');
      this.setSignaling('have-remote-pranswer');
    } else {
      this.currentRemote = { type, session };
      this.pendingRemote = undefined;
      this.currentLocal = this.pendingLocal;
      this.pendingLocal = undefined;
      session.media.forEach((m, i) => {
        const s = this.sections[i];
        if (s && isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')) s.rejected = true;
      });
      // The answer's BUNDLE groups share their tagged section's transport; a section it did
      // not bundle keeps the transport we offered it with (RFC 8843 section 7.4).
      this.syncTransports(now, this.planOf(session), true);
      this.applyRemoteTransport(now, session, false);
      this.applyAnswer(now, (this.currentLocal as Description).session, session, 'remote');
      this.updateRemoteTracks(session, 'answer');
      this.setSignaling('stable');
    }
    this.pump(now);
  }

  /** W3C addIceCandidate (4.4.1.7): a trickled candidate, or end-of-candidates when empty. */
  addIceCandidate(now: number, init: IceCandidateInit | null | undefined): void {
    this.checkOpen();
    const remote = this.pendingRemote ?? this.currentRemote;
    if (remote === undefined) throw new InvalidStateError('addIceCandidate before setRemoteDescription');
    const text = init?.candidate ?? '';
    if (text === '') {
      // W3C 4.4.1.7: end-of-candidates for the named section's transport, or for all.
      const named = init?.sdpMid ?? (init?.sdpMLineIndex !== undefined && init.sdpMLineIndex !== null ? this.sections[init.sdpMLineIndex]?.mid : undefined);
      const t = named === undefined || named === null ? undefined : this.transportOfMid.get(named);
      for (const x of t ? [t] : this.transports) x.agent.endOfRemoteCandidates(now);
      this.pump(now);
      return;
    }
    if ((init?.sdpMid === undefined || init.sdpMid === null) && (init?.sdpMLineIndex === undefined || init.sdpMLineIndex === null)) {
      throw new InvalidArgumentError('a candidate needs sdpMid or sdpMLineIndex');
    }
    const index = mediaIndexForCandidate(remote.session, { sdpMid: init?.sdpMid ?? null, sdpMLineIndex: init?.sdpMLineIndex ?? null });
    if (index < 0) throw new ProtocolError('remote', 'the candidate names no m= section of the remote description');
    const media = remote.session.media[index] as MediaDescription;
    const creds = iceCredentials(media, remote.session);
    if (init?.usernameFragment && creds && init.usernameFragment !== creds.ufrag) return; // an older generation (W3C 4.4.1.7 step 4.3)
    let parsed: SdpCandidate;
    try {
      parsed = parseSdpCandidate(text);
    } catch (e) {
      if (e instanceof ParseError) throw new ProtocolError('remote', `cannot parse candidate: ${e.message}`);
      throw e;
    }
    if (this.remoteDescriptionCandidates < MAX_REMOTE_DESCRIPTION_CANDIDATES) {
      this.remoteDescriptionCandidates++;
      const session = addCandidate(remote.session, index, parsed);
      if (remote === this.pendingRemote) this.pendingRemote = { type: remote.type, session };
      else this.currentRemote = { type: remote.type, session };
    }
    const t = this.transportOfMid.get(this.sections[index]?.mid ?? '') ?? this.transports[0];
    if (t) this.addRemoteCandidateToAgent(now, t, parsed);
    this.pump(now);
  }

  /** The answer to an `mdns-query` event: an IP address, or undefined when it did not resolve. */
  resolveMdns(now: number, name: string, address: string | undefined): void {
    if (this.closedFlag) return;
    for (const t of this.transports) t.agent.resolveMdns(now, name, address);
    this.pump(now);
  }

  /** W3C createDataChannel: returns the channel; its id is known once the DTLS role is. */
  createDataChannel(now: number, init: DataChannelInit & { label: string }): PeerChannel {
    this.checkOpen();
    if (this.channels.size >= MAX_PEER_CHANNELS) throw new InvalidStateError('too many data channels');
    if (init.negotiated === true && init.id === undefined) throw new InvalidArgumentError('a negotiated channel needs an id');
    if (init.maxRetransmits !== undefined && init.maxPacketLifeTime !== undefined) throw new InvalidArgumentError('maxRetransmits and maxPacketLifeTime are exclusive');
    if (new TextEncoder().encode(init.label).length > 65535) throw new InvalidArgumentError('label longer than 65535 bytes');
    const entry: ChannelEntry = { key: this.nextChannelKey++, id: init.id ?? null, init, started: false, counters: newCounters() };
    this.channels.set(entry.key, entry);
    if (entry.id !== null) this.keyById.set(entry.id, entry.key);
    if (this.manager) this.startChannel(now, entry);
    if (!this.wantDataSection) {
      this.wantDataSection = true;
      this.updateNegotiationNeeded();
    }
    this.pump(now);
    return this.channelView(entry);
  }

  /** Sends on a channel. Throws InvalidStateError when it is not open, InvalidArgumentError when too big. */
  send(now: number, key: number, data: string | Uint8Array): void {
    const e = this.channels.get(key);
    if (!e || e.id === null || !this.manager) throw new InvalidStateError('the data channel is not open');
    this.manager.send(now, e.id, data);
    e.counters.messagesSent++;
    e.counters.bytesSent += typeof data === 'string' ? utf8.encode(data).length : data.length;
    this.pump(now);
  }

  bufferedAmount(key: number): number {
    const e = this.channels.get(key);
    if (!e || e.id === null || !this.manager) return 0;
    return this.manager.bufferedAmount(e.id);
  }

  setBufferedAmountLowThreshold(key: number, bytes: number): void {
    const e = this.channels.get(key);
    if (!e || e.id === null || !this.manager || !this.manager.getChannel(e.id)) return;
    this.manager.setBufferedAmountLowThreshold(e.id, bytes);
  }

  closeChannel(now: number, key: number): void {
    const e = this.channels.get(key);
    if (!e) return;
    if (e.id === null || !this.manager || !e.started) {
      this.channels.delete(key);
      this.pushEvent({ type: 'channel-closed', key });
      return;
    }
    this.manager.close(now, e.id);
    this.pump(now);
  }

  /**
   * What getStats reports: per transport the ICE, DTLS and pair counters (`transports`,
   * the data channels' transport first), the same for that transport at top level, and
   * the channel counters of this peer.
   */
  statsSnapshot(): TransportSnapshot & {
    readonly channels: readonly (PeerChannel & { readonly counters: ChannelCounters; readonly state: string })[];
    readonly dataChannelsOpened: number;
    readonly dataChannelsClosed: number;
    readonly transports: readonly TransportSnapshot[];
    readonly localCertificate: Uint8Array;
    readonly localFingerprint: CertFingerprint;
  } {
    const main = this.dataTransport();
    const ordered = main ? [main, ...this.transports.filter((t) => t !== main)] : [];
    const transports = ordered.map((t) => this.transportSnapshot(t));
    const empty: TransportSnapshot = {
      id: '01', mids: [], ice: undefined, selectedPair: undefined, localCandidates: [], remoteCandidates: [], dtlsState: 'new', dtlsRole: undefined, iceRole: undefined,
      iceState: 'new', pairs: [], transportTotals: { packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0 }, selectedPairChanges: 0, localUfrag: undefined, dtls: undefined,
    };
    return {
      ...(transports[0] ?? empty),
      transports,
      channels: [...this.channels.values()].map((e) => ({
        ...this.channelView(e), counters: { ...e.counters },
        state: (e.id !== null && this.manager?.getChannel(e.id)?.readyState) || 'connecting',
      })),
      dataChannelsOpened: this.channelsOpened,
      dataChannelsClosed: this.channelsClosed,
      localCertificate: this.certificate.der,
      localFingerprint: this.localFingerprint,
    };
  }

  private transportSnapshot(t: PeerTransport): TransportSnapshot {
    const mids = [...this.transportOfMid].filter(([, x]) => x === t).map(([m]) => m);
    return {
      id: t.id, mids: mids.length > 0 ? mids : [t.mid],
      ice: t.agent.stats,
      selectedPair: t.agent.selectedPair,
      localCandidates: t.agent.localCandidates,
      remoteCandidates: t.agent.remoteCandidates,
      dtlsState: t.dtlsState,
      dtlsRole: t.dtlsRole,
      iceRole: t.agent.role,
      iceState: this.closedFlag ? 'closed' : t.iceConnection,
      pairs: this.pairSnapshots(t),
      transportTotals: { ...t.pairStats.totals },
      selectedPairChanges: t.selectedPairChanges,
      localUfrag: t.agent.localUfrag,
      dtls: t.dtls?.negotiated,
    };
  }

  /** The checklist (and the selected pair, even when a restart replaced the checklist) with counters. */
  private pairSnapshots(t: PeerTransport): PairSnapshot[] {
    const agent = t.agent;
    // The pair carrying data, also before nomination (what webrtc-stats' selected pair is).
    const selected = agent.sendingPair;
    const same = (a: IceCandidate, b: IceCandidate): boolean => a.address === b.address && a.port === b.port && a.type === b.type && a.foundation === b.foundation;
    const out: PairSnapshot[] = agent.checklist.map((p) => ({
      local: p.local, remote: p.remote, state: p.state, nominated: p.nominated,
      selected: selected !== undefined && same(selected.local, p.local) && same(selected.remote, p.remote),
      counters: t.pairStats.get(candidateBase(p.local), p.remote),
    }));
    if (selected && !out.some((p) => p.selected)) {
      out.push({ local: selected.local, remote: selected.remote, state: 'succeeded', nominated: true, selected: true, counters: t.pairStats.get(candidateBase(selected.local), selected.remote) });
    }
    return out;
  }

  /** W3C close(): everything stops, no events after the state change. */
  close(now: number): void {
    if (this.closedFlag) return;
    // W3C 4.4.1.3 close: every transceiver stops; senders say BYE (RFC 3550 6.6).
    for (const st of this.media.values()) {
      this.stopSender(now, st);
      st.receiver = undefined;
    }
    if (this.manager && this.manager.association.state === 'established') this.manager.association.abort(now, 'peer connection closed');
    this.flushManager();
    for (const t of this.transports) {
      t.dtls?.close();
      this.flushDtls(t);
      // What close() queued (SCTP ABORT, DTLS close_notify) still goes out (W3C 4.4.1.3 close).
      for (let x = t.agent.pollTransmit(); x; x = t.agent.pollTransmit()) if (this.transmits.length < MAX_QUEUED_PEER_TRANSMITS) this.transmits.push(x);
      t.agent.close();
    }
    for (const t of this.setAside) this.closeTransport(t);
    this.setAside.clear();
    // RFC 8656 section 7.2: release the allocations (Refresh with lifetime 0).
    for (const r of this.relays) {
      r.client.close(now);
      for (let t = r.client.pollTransmit(); t; t = r.client.pollTransmit()) this.queueTransmit({ from: r.base, to: t.to, data: t.data, relayed: false });
    }
    this.closedFlag = true;
    this.transportVersionValue++;
    this.signaling = 'closed';
    this.iceConnection = 'closed';
    this.connection = 'closed';
    for (const key of this.channels.keys()) this.events.push({ type: 'channel-closed', key });
    this.channels.clear();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  // ------------------------------------------------------------------ internals: signaling

  private checkOpen(): void {
    if (this.closedFlag) throw new InvalidStateError('the peer connection is closed');
  }

  private parse(text: string): SessionDescription {
    try {
      return parseSdp(text);
    } catch (e) {
      if (e instanceof ParseError) throw new InvalidArgumentError(`cannot parse SDP: ${e.message}`);
      throw e;
    }
  }

  private allocateMid(): string {
    const used = new Set(this.sections.map((s) => s.mid));
    while (used.has(String(this.nextMid))) this.nextMid++;
    return String(this.nextMid++);
  }

  /** The first transport, made (with `role`) when there is none yet. */
  private ensureTransport(now: number, role: IceRole): PeerTransport {
    const first = this.transports[0];
    if (first) return first;
    const t = this.newTransport(now, this.sections.find((s) => !s.rejected)?.mid ?? '0', role);
    this.transports.push(t);
    return t;
  }

  /** A transport with a new ICE agent on our host bases (its ICE role the peer's, RFC 8445 6.1.1). */
  private newTransport(now: number, mid: string, role: IceRole, shareBases = false): PeerTransport {
    const agent = new IceAgent({
      role: this.transports[0]?.agent.role ?? role, random: this.random, includeLoopback: this.options.includeLoopback ?? false,
      ...(this.options.stunServers ? { stunServers: this.options.stunServers } : {}),
      taMs: this.options.iceTaMs ?? DEFAULT_ICE_PACING_MS,
    });
    const t = new PeerTransport(String(this.nextTransportId++).padStart(2, '0'), mid, agent);
    if (this.options.transportBases === 'own' && !shareBases && !this.relayOnly && this.transports.length > 0) {
      // A port of its own, as browsers give each transport: the caller binds it.
      t.ownBases = [];
      this.pushEvent({ type: 'transport-bases', transportId: t.id });
    } else if (!this.relayOnly) agent.addHostBases(now, this.hostBases);
    // Gathering started already (a later description added the transport): start it too.
    if (this.transports.some((x) => x.agent.gatheringState !== 'new')) this.startGatheringOn(now, t);
    return t;
  }

  /**
   * Makes the transports match `plan`: each entry keeps the transport its key mid (else
   * one of its mids) had, or gets a new one. Transports no entry keeps are closed once an
   * answer fixes the plan (`final`: an answer that bundles sections we offered apart, RFC
   * 8843 section 7.3.1); before that (an offer) they are set aside, for a rollback. With
   * no entry (every section rejected) nothing changes.
   */
  private syncTransports(now: number, plan: readonly TransportPlan[], final: boolean, shareBases = false): void {
    if (plan.length === 0) return;
    const claimed = new Set<PeerTransport>();
    const byMid = new Map<string, PeerTransport>();
    const next: PeerTransport[] = [];
    const assigned = new Set(this.transportOfMid.values());
    for (const a of plan) {
      const free = (x: PeerTransport | undefined): x is PeerTransport => x !== undefined && !claimed.has(x);
      let t: PeerTransport | undefined = this.transportOfMid.get(a.mid);
      if (!free(t)) t = a.mids.map((m) => this.transportOfMid.get(m)).find(free);
      // A transport no section uses yet (the first, made before any plan).
      if (!free(t)) t = this.transports.find((x) => free(x) && !assigned.has(x));
      if (!free(t)) {
        if (this.transports.length + next.length >= MAX_TRANSCEIVERS + 1) continue;
        t = this.newTransport(now, a.mid, this.transports[0]?.agent.role ?? 'controlled', shareBases);
      }
      claimed.add(t);
      t.mid = a.mid;
      next.push(t);
      for (const m of a.mids) byMid.set(m, t);
    }
    for (const t of this.transports) if (!claimed.has(t)) this.setAside.add(t);
    if (final) {
      for (const t of this.setAside) if (!claimed.has(t)) this.closeTransport(t);
      this.setAside.clear();
    }
    this.transports = next;
    this.transportOfMid = byMid;
    this.transportVersionValue++;
    this.updateIceStates();
  }

  /** A transport no section uses any more: its ICE agent and DTLS stop (nothing is sent on it). */
  private closeTransport(t: PeerTransport): void {
    t.dtls?.close();
    t.agent.close();
    if (this.sctpTransport === t) this.sctpTransport = undefined;
    if (t.ownBases !== undefined && !this.closedFlag) this.pushEvent({ type: 'transport-closed', transportId: t.id });
  }

  /** W3C 4.4.1.5 rollback: the transports of the last stable state (the first one stays if there were none). */
  private rollbackTransports(): void {
    const stable = this.stableTransports;
    const keep = stable.list.length > 0 ? stable.list : this.transports.slice(0, 1);
    for (const t of [...this.transports, ...this.setAside]) if (!keep.includes(t)) this.closeTransport(t);
    this.setAside.clear();
    this.transports = [...keep];
    this.transportOfMid = new Map(stable.byMid);
    this.transportVersionValue++;
    this.updateIceStates();
  }

  /**
   * Our offer's transports: with a negotiated description each section keeps its transport
   * and a new one joins the negotiated BUNDLE group (else gets its own); in an initial
   * offer every section that is not bundle-only has its own (RFC 8843 section 10: unique
   * ICE properties), bundle-only ones use the first section's (the offerer-tagged one).
   */
  private offerPlan(bundleOnly: ReadonlySet<string>): TransportPlan[] {
    const live = this.sections.filter((s) => !s.rejected);
    const plans = new Map<string, { mid: string; mids: string[] }>();
    const add = (key: string, mid: string): void => {
      const p = plans.get(key);
      if (p) p.mids.push(mid);
      else plans.set(key, { mid: key, mids: [mid] });
    };
    const negotiated = this.currentLocal !== undefined || this.currentRemote !== undefined;
    const answer = this.currentLocal?.type === 'answer' ? this.currentLocal.session : this.currentRemote?.session;
    // The negotiated BUNDLE group's tagged mid (RFC 8843 7.1): new sections join its transport.
    const bundleKey = answer ? attributesOf(answer, 'group').find((g) => g.semantics === 'BUNDLE' && g.mids.length > 0)?.mids[0] : undefined;
    const first = live[0]?.mid;
    const liveMids = new Set(live.map((s) => s.mid));
    // A transport whose key section was stopped moves its key to its first live section.
    const keyOf = (t: PeerTransport): string => (liveMids.has(t.mid) ? t.mid : live.find((x) => this.transportOfMid.get(x.mid) === t)?.mid ?? t.mid);
    for (const s of live) {
      const t = this.transportOfMid.get(s.mid);
      if (negotiated && t) add(keyOf(t), s.mid);
      else if (negotiated) add(bundleKey !== undefined && this.transportOfMid.has(bundleKey) ? keyOf(this.transportOfMid.get(bundleKey) as PeerTransport) : s.mid, s.mid);
      else add(bundleOnly.has(s.mid) && first !== undefined ? first : s.mid, s.mid);
    }
    return [...plans.values()];
  }

  /** The transports of a description (RFC 8843 section 7.1), by our sections' mids. */
  private planOf(session: SessionDescription): TransportPlan[] {
    return transportAssignments(session).map((a) => ({
      mid: this.keyMidOf(a),
      mids: a.indexes.map((i) => this.sections[i]?.mid).filter((m): m is string => m !== undefined),
    }));
  }

  /** The mid (ours) of an assignment's key section. */
  private keyMidOf(a: TransportAssignment): string {
    if (a.mid !== undefined && this.sections.some((s) => s.mid === a.mid)) return a.mid;
    const i = a.indexes[0] ?? 0;
    return this.sections[i]?.mid ?? a.mid ?? String(i);
  }

  private get relayOnly(): boolean {
    return this.options.iceTransportPolicy === 'relay';
  }

  private startGathering(now: number): void {
    if (this.relays.length === 0) {
      // RFC 8445 5.1.1.2: one allocation per TURN server, from a base of the server's
      // family; the transports share it (their checks tell them apart, `pickTransport`).
      for (const [i, config] of (this.options.turnServers ?? []).entries()) {
        if (this.relays.length >= MAX_RELAYS) break;
        const v6 = config.server.address.includes(':');
        const base = this.hostBases.find((b) => b.address.includes(':') === v6);
        if (!base) continue;
        const relay = new Relay(`turn${i}`, config, base, this.options.random);
        this.relays.push(relay);
        relay.client.allocate(now);
      }
    }
    for (const t of this.transports) this.startGatheringOn(now, t);
  }

  private startGatheringOn(now: number, t: PeerTransport): void {
    if (t.agent.gatheringState !== 'new') return;
    if (t.ownBases !== undefined && t.ownBases.length === 0) {
      // Its bases are being bound ('transport-bases'): gather once they arrive.
      t.gatherWhenBases = true;
      return;
    }
    for (const r of this.relays) {
      t.agent.beginRelayGathering(r.id);
      this.relayResults.get(r.id)?.(now, t.agent);
    }
    t.agent.gather(now);
  }

  private offerSetup(t: PeerTransport): 'actpass' | 'active' | 'passive' {
    // RFC 8842 section 5.5: a subsequent offer keeps the established role.
    if (t.dtlsRole === undefined) return 'actpass';
    return t.dtlsRole === 'client' ? 'active' : 'passive';
  }

  private transportAttributes(t: PeerTransport, setup: 'actpass' | 'active' | 'passive'): TransportAttributes {
    return { ufrag: t.agent.localUfrag, pwd: t.agent.localPassword, fingerprints: [this.localFingerprint], setup };
  }

  /**
   * Our m= section for `s`; with `offered`, the answer to it (undefined: reject). An offered
   * section without `transport` is bundle-only: port 0, a=bundle-only, no ICE/DTLS lines
   * (RFC 8829 section 5.2.1, RFC 8843 section 6).
   */
  private buildSection(s: Section, transport: TransportAttributes | undefined, offered: MediaDescription | undefined): MediaDescription | undefined {
    const only = !offered && transport === undefined ? { bundleOnly: true, port: 0 } : {};
    if (s.kind === 'application') {
      if (offered && remoteSctpParameters(offered) === undefined) return undefined;
      return buildDataChannelMedia({ mid: s.mid, ...opt('transport', transport), ...only, maxMessageSize: this.localMaxMessageSize, ...(offered ? { protocol: offered.protocol } : {}) });
    }
    if (!offered) {
      // Payload types come from the full list so that they stay put when preferences change
      // (RFC 8829 5.2.2), and those the session negotiated keep their numbers (RFC 3264 8.3.2).
      const negotiated = this.media.get(s.mid)?.negotiated;
      const codecs = applyCodecPreferences(keepNegotiatedPayloadTypes(offerCodecs(s.kind, this.codecCaps), negotiated?.codecs ?? []), s.codecPreferences ?? null);
      const send = this.sendingAttributes(s, codecs.some((c) => c.rtxPayloadType !== undefined));
      return withMoreMsids(buildRtpMedia({
        kind: s.kind, mid: s.mid, direction: s.direction, ...opt('transport', transport), ...only, codecs,
        extensions: keepNegotiatedExtensionIds(offerHeaderExtensions(s.kind, this.extUris), this.negotiatedExtensions(s.mid)),
        ...(send.msid ? { msid: send.msid } : {}), ...(send.streams ? { streams: send.streams } : {}),
      }), send.moreMsids);
    }
    if (!/RTP\//.test(offered.protocol)) return undefined;
    const negotiated = applyCodecPreferences(negotiateCodecs(offered, this.codecCaps), s.codecPreferences ?? null);
    if (negotiated.length === 0) return undefined;
    const dir = answerDirection(sdpDirection(offered), s.direction);
    const pending = this.pendingRemote?.session;
    const send = this.sendingAttributes(s, negotiated.some((c) => c.rtxPayloadType !== undefined));
    return withMoreMsids(buildRtpMedia({
      kind: s.kind, mid: s.mid, direction: dir, ...opt('transport', transport),
      ...(send.msid ? { msid: send.msid } : {}), ...(send.streams ? { streams: send.streams } : {}),
      codecs: negotiated.map((c) => ({
        payloadType: c.payloadType, name: c.name, clockRate: c.clockRate, fmtp: c.fmtp, feedback: c.feedback,
        ...(c.channels !== undefined ? { channels: c.channels } : {}),
        ...(c.rtxPayloadType !== undefined ? { rtxPayloadType: c.rtxPayloadType } : {}),
      })),
      extensions: negotiateHeaderExtensions(offered, this.extUris, pending),
      protocol: offered.protocol,
      rtcpRsize: offered.attributes.some((a) => a.type === 'rtcp-rsize'),
    }), send.moreMsids);
  }

  /** The extmap ids the session negotiated (RFC 8285 6), `mid`'s own first. */
  private negotiatedExtensions(mid: string): { readonly id: number; readonly uri: string }[] {
    const out: { id: number; uri: string }[] = [];
    const own = this.media.get(mid)?.negotiated?.extensions ?? [];
    for (const e of [...own, ...[...this.media.values()].flatMap((st) => st.negotiated?.extensions ?? [])]) {
      if (!out.some((x) => x.id === e.id || x.uri === e.uri)) out.push({ id: e.id, uri: e.uri });
    }
    return out;
  }

  private rollback(now: number): void {
    this.pendingLocal = undefined;
    this.pendingRemote = undefined;
    // W3C 4.4.1.5 rollback: back to the sections of the last stable state (rejections by a
    // remote offer undone, sections a remote offer created gone); what the application set
    // on them since (direction, track, codec preferences, stop) stays, and transceivers it
    // added since stay too, still to be negotiated (after the stable ones).
    const current = new Map(this.sections.map((x) => [x.mid, x]));
    const stableMids = new Set(this.stableSections.map((x) => x.mid));
    this.sections = [
      ...this.stableSections.map((x) => {
        const cur = current.get(x.mid);
        return cur
          ? { ...x, direction: cur.direction, track: cur.track, stopped: cur.stopped, codecPreferences: cur.codecPreferences ?? null, rejected: x.rejected || cur.stopped }
          : { ...x };
      }),
      ...this.sections.filter((x) => x.local && !stableMids.has(x.mid)),
    ];
    this.pruneMedia();
    this.rollbackTransports();
    // Remote tracks as the last completed exchange left them.
    const remote = this.currentRemote?.session;
    this.sections.forEach((x, i) => {
      const st = x.kind === 'application' ? undefined : this.media.get(x.mid);
      const n = st?.negotiated;
      if (st) this.setRemoteSending(st, n !== undefined && !x.rejected && !n.rejected && directionReceives(n.direction), remote?.media[i]);
    });
    // W3C 4.4.1.5: back in stable, negotiation is still needed for what the rollback undid
    // (setSignaling re-checks it).
    this.negotiationNeededQueued = false;
    this.setSignaling('stable');
    this.pump(now);
  }

  private setSignaling(s: SignalingState): void {
    if (s === 'stable') {
      this.stableSections = this.sections.map((x) => ({ ...x }));
      this.stableTransports = { list: [...this.transports], byMid: new Map(this.transportOfMid) };
    }
    if (this.signaling === s) return;
    this.signaling = s;
    this.pushEvent({ type: 'signalingstatechange', state: s });
    // W3C 4.7.3: back in stable, what is still not negotiated (e.g. transceivers added
    // while answering) makes negotiation needed.
    if (s === 'stable') this.updateNegotiationNeeded();
  }

  /**
   * Gives a transceiver of ours that was never negotiated a new mid: the mid of the remote
   * offer's m= line it is associated with (`to`), or a fresh one because a remote offer
   * uses its mid for another m= section (RFC 8843: mids are unique). Calls with the old
   * mid keep working (alias), and a 'transceiver-mid' event tells the caller.
   */
  private renameSection(x: Section, taken: readonly string[], to?: string): void {
    const old = x.mid;
    let mid: string;
    if (to !== undefined) mid = to;
    else {
      const used = new Set([...taken, ...this.media.keys()]);
      let n = this.nextMid;
      while (used.has(String(n))) n++;
      mid = String(n);
      this.nextMid = n + 1;
    }
    x.mid = mid;
    const st = this.media.get(old);
    if (st && x.kind !== 'application') {
      this.media.delete(old);
      this.media.set(mid, { ...st, mid });
      this.localSsrcs.set(st.localSsrc, mid);
      if (st.localRtxSsrc !== undefined) this.localSsrcs.set(st.localRtxSsrc, mid);
    }
    if (this.midAliases.size >= MAX_TRANSCEIVERS) {
      const oldest = this.midAliases.keys().next();
      if (!oldest.done) this.midAliases.delete(oldest.value);
    }
    // The key the caller knows: the transceiver's first mid.
    let key = old;
    for (const [k, v] of this.midAliases) {
      if (v !== old) continue;
      if (key === old) key = k;
      this.midAliases.set(k, mid);
    }
    this.midAliases.set(old, mid);
    if (x.kind !== 'application') this.pushEvent({ type: 'transceiver-mid', key, mid });
  }

  /**
   * The current mid of a transceiver the caller knows by an older one (see renameSection);
   * a mid some section holds now always means that section.
   */
  private resolveMid(mid: string): string {
    if (this.sections.some((s) => s.mid === mid)) return mid;
    return this.midAliases.get(mid) ?? mid;
  }

  /** W3C 4.7.3 "update the negotiation-needed flag" (simplified to the cases we create). */
  private updateNegotiationNeeded(): void {
    if (this.closedFlag) return;
    const needed = this.checkNegotiationNeeded();
    if (!needed || this.signaling !== 'stable' || this.negotiationNeededQueued) return;
    this.negotiationNeededQueued = true;
    this.pushEvent({ type: 'negotiationneeded' });
  }

  /**
   * W3C 4.7.3 [[NegotiationNeeded]]: something is left to negotiate (a section not in the
   * last exchange, a wanted data section, an RTP transceiver change). False once closed.
   * The W3C facade checks it when its queued negotiationneeded task runs.
   */
  get negotiationNeeded(): boolean {
    return !this.closedFlag && this.checkNegotiationNeeded();
  }

  private checkNegotiationNeeded(): boolean {
    const negotiated = (this.currentLocal ?? this.currentRemote)?.session;
    const mids = new Set(negotiated?.media.filter((m) => !isPortZero(m) || m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')).map((m) => sdpMid(m)) ?? []);
    const needed = this.iceRestartPending || this.sections.some((s) => !s.rejected && !mids.has(s.mid)) || (this.wantDataSection && !this.sections.some((s) => s.kind === 'application' && !s.rejected && mids.has(s.mid)))
      || this.rtpNegotiationNeeded(mids);
    return needed;
  }

  /**
   * W3C 4.7.3 "check if negotiation is needed", the RTP transceiver steps: a stopped
   * transceiver whose section is still live; a direction that differs from what our last
   * description says (offer: [[Direction]]; answer: [[Direction]] intersected with the
   * offer's, RFC 8829 5.3.1); a sending transceiver whose a=msid stream ids differ.
   */
  private rtpNegotiationNeeded(liveMids: ReadonlySet<string | undefined>): boolean {
    const local = this.currentLocal;
    const remote = this.currentRemote;
    if (!local || !remote) return false;
    return this.sections.some((s, i) => {
      if (s.kind === 'application' || !liveMids.has(s.mid)) return false;
      if (s.rejected) return true;
      const m = local.session.media[i];
      const r = remote.session.media[i];
      if (!m || !r || isRejected(m)) return false;
      const want = local.type === 'offer' ? s.direction : answerDirection(sdpDirection(r, remote.session), s.direction);
      if (sdpDirection(m, local.session) !== want) return true;
      if (s.track && directionSends(s.direction)) {
        const have = new Set(sdpMsids(m).map((x) => x.streamId));
        const wantIds = s.track.streamIds.length > 0 ? s.track.streamIds : ['-'];
        if (have.size !== wantIds.length || wantIds.some((id) => !have.has(id))) return true;
      }
      return false;
    });
  }

  /**
   * Applies the transport parts of a remote offer or answer: per transport the ICE
   * credentials of its key section and the candidates of its sections; SCTP parameters.
   * In an offer, new credentials for a transport are an ICE restart and the answerer
   * picks new ones too (RFC 8839 section 4.4.1.1.2, RFC 8445 section 9).
   */
  private applyRemoteTransport(now: number, session: SessionDescription, offer: boolean): void {
    this.ensureTransport(now, 'controlled');
    for (const a of transportAssignments(session)) {
      const t = this.transportOfMid.get(this.keyMidOf(a));
      if (!t) continue;
      const keyIndex = a.indexes.find((i) => this.sections[i]?.mid === t.mid) ?? (a.indexes[0] as number);
      const key = session.media[keyIndex] as MediaDescription;
      const creds = iceCredentials(key, session);
      if (creds) {
        if (offer && t.remoteUfrag !== undefined && t.remoteUfrag !== creds.ufrag) t.agent.restart(now);
        t.remoteUfrag = creds.ufrag;
        t.agent.setRemoteCredentials(now, creds.ufrag, creds.pwd, { lite: isIceLite(session), pacingMs: icePacing(session) });
      }
      for (const i of a.indexes) for (const c of sdpCandidates(session.media[i] as MediaDescription)) this.addRemoteCandidateToAgent(now, t, c);
      if (a.indexes.some((i) => endOfCandidates(session.media[i] as MediaDescription, session))) t.agent.endOfRemoteCandidates(now);
    }
    const app = session.media.find((m) => m.kind === 'application' && !isPortZero(m));
    const sctp = app ? remoteSctpParameters(app) : undefined;
    if (sctp) {
      this.remoteMaxMessageSize = sctp.maxMessageSize;
      this.remoteSctpPort = sctp.sctpPort;
      this.manager?.setRemoteMaxMessageSize(sctp.maxMessageSize);
    }
  }

  private addRemoteCandidateToAgent(now: number, t: PeerTransport, c: SdpCandidate): void {
    let ice;
    try {
      ice = parseIceCandidate(serializeSdpCandidate(c));
    } catch (e) {
      if (e instanceof ParseError) return; // a candidate type or transport ICE does not use
      throw e;
    }
    t.agent.addRemoteCandidate(now, ice);
  }

  /** An offer/answer exchange completed: fix the DTLS role and start DTLS and SCTP. */
  private applyAnswer(now: number, offer: SessionDescription, answer: SessionDescription, answeredBy: 'local' | 'remote'): void {
    const remote = answeredBy === 'local' ? offer : answer;
    this.applyMedia(now, offer, answer, answeredBy);
    // One DTLS association per transport (RFC 8843 section 7.1), its role from the a=setup
    // of the transport's section in the answer and its fingerprints from the remote's.
    for (const a of transportAssignments(answer)) {
      const t = this.transportOfMid.get(this.keyMidOf(a));
      if (!t || t.dtls !== undefined) continue;
      const keyIndex = a.indexes.find((i) => this.sections[i]?.mid === t.mid) ?? (a.indexes[0] as number);
      // RFC 4145 section 4: the active side connects, i.e. is the DTLS client.
      const answererIsClient = setupRole(answer.media[keyIndex] as MediaDescription, answer) === 'active';
      const role: 'client' | 'server' = (answeredBy === 'local') === answererIsClient ? 'client' : 'server';
      const fps = sdpFingerprints(remote.media[keyIndex] as MediaDescription, remote)
        .filter((f) => ['sha-1', 'sha-256', 'sha-384', 'sha-512'].includes(f.algorithm.toLowerCase()))
        .map((f) => ({ algorithm: f.algorithm.toLowerCase() as FingerprintAlgorithm, value: f.value.toUpperCase() }));
      t.dtlsRole = role;
      const dtls = new DtlsEndpoint({
        role, certificate: this.certificate, remoteFingerprints: fps, rng: this.random,
        ...(this.options.srtpProfiles !== undefined ? { srtpProfiles: this.options.srtpProfiles } : {}),
      });
      t.dtls = dtls;
      const rtt = t.agent.rttMs;
      if (rtt !== undefined) {
        t.dtlsRttMs = rtt;
        dtls.setRttEstimate(rtt);
      }
      if (role === 'client' && t.agent.writable) dtls.start(now);
      const early = t.earlyDtls;
      t.earlyDtls = [];
      for (const d of early) dtls.handleInput(now, d);
    }
    const appIndex = answer.media.findIndex((m, i) => m.kind === 'application' && !isPortZero(m) && this.sections[i]?.rejected !== true);
    const appTransport = appIndex < 0 ? undefined : this.transportOfMid.get(this.sections[appIndex]?.mid ?? '');
    if (appTransport?.dtls && this.manager === undefined) {
      this.sctpTransport = appTransport;
      // RFC 9653: SCTP here always rides in DTLS records, so we offer the zero checksum
      // (used only when the peer offers it too). transientPackets: flushManager seals each
      // polled packet (dtls.send) before it polls the next.
      const association = new SctpAssociation({ rng: this.random, localPort: 5000, remotePort: this.remoteSctpPort, maxMtu: this.sctpMaxMtu(), zeroChecksum: true, transientPackets: true });
      this.manager = new DataChannelManager(association, {
        dtlsRole: appTransport.dtlsRole as 'client' | 'server',
        remoteMaxMessageSize: this.remoteMaxMessageSize ?? 65536,
      });
      for (const e of this.channels.values()) this.startChannel(now, e);
      if (appTransport.dtls.state === 'connected') this.manager.connect(now);
    }
    this.negotiationNeededQueued = false;
    this.updateNegotiationNeeded();
  }

  /**
   * The SCTP packet size probing may reach on the selected path (RFC 8899 wants the DF
   * bit, which node:dgram cannot set, so an oversized probe would be IP-fragmented rather
   * than lost): the DTLS record limit on loopback, where nothing fragments, else 1200.
   */
  private sctpMaxMtu(): number {
    const p = this.sctpTransport?.agent.selectedPair;
    const loopback = (a: string): boolean => a === '::1' || a.startsWith('127.');
    return p && loopback(p.local.address) && loopback(p.remote.address) ? DTLS_MAX_PACKET_BYTES : DEFAULT_MTU_BYTES;
  }

  private startChannel(now: number, e: ChannelEntry): void {
    if (!this.manager || e.started) return;
    const info = this.manager.createChannel(now, e.init);
    e.started = true;
    if (e.id === null) {
      e.id = info.id;
      this.keyById.set(info.id, e.key);
      this.pushEvent({ type: 'channel-id', key: e.key, id: info.id });
    }
  }

  private channelView(e: ChannelEntry): PeerChannel {
    return {
      key: e.key, id: e.id, label: e.init.label, protocol: e.init.protocol ?? '', ordered: e.init.ordered ?? true,
      maxRetransmits: e.init.maxRetransmits ?? null, maxPacketLifeTime: e.init.maxPacketLifeTime ?? null, negotiated: e.init.negotiated ?? false,
    };
  }

  /**
   * Whether the section at `index` of our description carries transport `t`'s candidates:
   * its key section (RFC 8829 5.2.2/5.3.2: a section bundled into another omits them).
   */
  private onTransport(session: SessionDescription, index: number, t: PeerTransport): boolean {
    const m = session.media[index];
    if (!m || isPortZero(m)) return false;
    const mid = sdpMid(m) ?? this.sections[index]?.mid;
    return mid === t.mid;
  }

  private addLocalCandidateTo(session: SessionDescription, text: string, t: PeerTransport): SessionDescription {
    let c: SdpCandidate;
    try {
      c = parseSdpCandidate(text);
    } catch {
      return session;
    }
    let out = session;
    session.media.forEach((_, i) => {
      if (this.onTransport(session, i, t)) out = addCandidate(out, i, c);
    });
    return out;
  }

  private endLocalCandidates(session: SessionDescription, t: PeerTransport): SessionDescription {
    let out = session;
    session.media.forEach((_, i) => {
      if (this.onTransport(session, i, t)) out = addEndOfCandidates(out, i);
    });
    return out;
  }

  private updateLocalDescriptions(fn: (s: SessionDescription) => SessionDescription): void {
    if (this.pendingLocal) this.pendingLocal = { type: this.pendingLocal.type, session: fn(this.pendingLocal.session) };
    if (this.currentLocal) this.currentLocal = { type: this.currentLocal.type, session: fn(this.currentLocal.session) };
  }

  // ------------------------------------------------------------------ internals: transport pump

  private pushEvent(e: PeerEvent): void {
    if (this.events.length >= MAX_QUEUED_PEER_EVENTS) {
      this.stats.eventsDropped++;
      return;
    }
    this.events.push(e);
  }

  /** Drains every core until nothing moves: ICE events and data, DTLS, SCTP. */
  private pump(now: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let moved = false;
      for (const t of this.transports) if (this.pumpTransport(now, t)) moved = true;
      if (this.flushRelays(now)) moved = true;
      if (this.flushManager(now)) moved = true;
      if (this.flushMedia()) moved = true;
      if (!moved) break;
    }
    this.updateConnectionState();
  }

  /** One transport's ICE events and datagrams, and its DTLS; true when something moved. */
  private pumpTransport(now: number, t: PeerTransport): boolean {
    let moved = false;
    const agent = t.agent;
    for (let e = agent.pollEvent(); e; e = agent.pollEvent()) {
      moved = true;
      this.onIceEvent(now, t, e);
    }
    const dtls = t.dtls;
    if (dtls && (dtls.state === 'new' || dtls.state === 'handshaking')) {
      // The handshake's first timeout follows the path RTT ICE measured (flight.ts).
      const rtt = agent.rttMs;
      if (rtt !== undefined && rtt !== t.dtlsRttMs) {
        t.dtlsRttMs = rtt;
        dtls.setRttEstimate(rtt);
      }
      // RFC 8445 12.1: data may flow on a valid pair before nomination, so the DTLS
      // client starts as soon as one exists (as libwebrtc does once ICE is writable),
      // not a Ta and a round trip later when the pair is selected.
      if (agent.writable && dtls.state === 'new' && dtls.role === 'client') {
        moved = true;
        dtls.start(now);
      }
    }
    for (let x = agent.pollTransmit(); x; x = agent.pollTransmit()) {
      moved = true;
      t.pairStats.sent(now, x.from, x.to, x.data);
      if (x.relayed) {
        const from = x.from;
        const relay = this.relays.find((r) => r.relayed && r.relayed.address === from.address && r.relayed.port === from.port);
        if (relay) relay.send(now, x.to, x.data);
        else this.stats.transmitsDropped++;
      } else this.queueTransmit(x);
    }
    if (this.flushDtls(t, now)) moved = true;
    return moved;
  }

  private queueTransmit(t: Transmit): void {
    if (this.transmits.length < MAX_QUEUED_PEER_TRANSMITS) this.transmits.push(t);
    else this.stats.transmitsDropped++;
  }

  private flushRelays(now: number): boolean {
    let moved = false;
    for (const r of this.relays) {
      for (let t = r.client.pollTransmit(); t; t = r.client.pollTransmit()) {
        moved = true;
        this.queueTransmit({ from: r.base, to: t.to, data: t.data, relayed: false });
      }
      for (let e = r.pollEvent(); e; e = r.pollEvent()) {
        moved = true;
        // What the allocation gave goes to every transport, now and when one is made later.
        let result: ((at: number, agent: IceAgent) => void) | undefined;
        if (e.type === 'allocated') {
          const info = { relayed: e.relayed, server: r.config.server, ...(e.mapped ? { mapped: e.mapped } : {}) };
          result = (at, agent) => agent.addRelayedCandidate(at, r.id, info);
        } else if (e.type === 'data') {
          const relayed = r.relayed;
          const t = relayed ? pickTransport(this.transports, e.peer, e.data) : undefined;
          if (relayed && t) {
            t.pairStats.received(now, relayed, e.peer, e.data);
            t.agent.handleInput(now, { local: relayed, remote: e.peer, data: e.data });
          }
        } else if ((e.type === 'error' && e.operation === 'allocate') || (e.type === 'closed' && e.reason === 'failed' && r.relayed === undefined)) {
          const error = e.type === 'error' ? { url: r.config.url, errorCode: e.code, errorText: e.reason } : { url: r.config.url, errorCode: 701, errorText: 'TURN allocation failed' };
          result = (at, agent) => agent.addRelayedCandidate(at, r.id, undefined, error);
        }
        if (result && !this.relayResults.has(r.id)) {
          this.relayResults.set(r.id, result);
          for (const t of this.transports) if (t.agent.gatheringState !== 'new') result(now, t.agent);
        }
      }
    }
    return moved;
  }

  private flushDtls(t: PeerTransport, now?: number): boolean {
    const dtls = t.dtls;
    if (!dtls) return false;
    let moved = false;
    const sctp = t === this.sctpTransport ? this.manager : undefined;
    for (let e = dtls.pollEvent(); e; e = dtls.pollEvent()) {
      moved = true;
      if (e.type === 'connected') {
        this.keySrtp(t);
        if (sctp && now !== undefined) sctp.connect(now);
      } else if (e.type === 'data') {
        if (sctp && now !== undefined) sctp.handleInput(now, e.data);
      } else if (e.type === 'closed') {
        if (e.error !== undefined) t.dtlsFailed = true;
        t.srtp.reset();
        // RFC 8261 section 6: SCTP lives inside DTLS; without it the channels are gone.
        if (sctp && now !== undefined) sctp.association.abort(now, `DTLS closed: ${e.reason}`);
      }
    }
    for (let d = dtls.pollTransmit(); d; d = dtls.pollTransmit()) {
      moved = true;
      t.agent.send(d);
    }
    return moved;
  }

  private flushManager(now?: number): boolean {
    const m = this.manager;
    if (!m) return false;
    let moved = false;
    const dtls = this.sctpTransport?.dtls;
    // Each packet is sealed before the next is polled: the association reuses its buffer.
    for (let p = m.pollTransmit(); p; p = m.pollTransmit()) {
      moved = true;
      if (dtls?.state === 'connected') dtls.send(p);
    }
    for (let e = m.pollEvent(); e; e = m.pollEvent()) {
      moved = true;
      if (now === undefined) continue;
      switch (e.type) {
        case 'channel': {
          if (this.channels.size >= MAX_PEER_CHANNELS) break;
          const info: DataChannelInfo = e.channel;
          const entry: ChannelEntry = {
            key: this.nextChannelKey++, id: info.id, started: true, counters: newCounters(),
            init: {
              label: info.label, protocol: info.protocol, ordered: info.ordered, negotiated: info.negotiated,
              ...(info.maxRetransmits !== undefined ? { maxRetransmits: info.maxRetransmits } : {}),
              ...(info.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: info.maxPacketLifeTime } : {}),
            },
          };
          this.channels.set(entry.key, entry);
          this.keyById.set(info.id, entry.key);
          this.pushEvent({ type: 'datachannel', channel: this.channelView(entry) });
          break;
        }
        case 'open':
        case 'closing':
        case 'closed':
        case 'bufferedamountlow': {
          const key = this.keyById.get(e.id);
          if (key === undefined) break;
          this.pushEvent({ type: `channel-${e.type}`, key });
          if (e.type === 'open') this.channelsOpened++;
          if (e.type === 'closed') this.channelsClosed++;
          if (e.type === 'closed') {
            this.channels.delete(key);
            this.keyById.delete(e.id);
          }
          break;
        }
        case 'message': {
          const key = this.keyById.get(e.id);
          const entry = key === undefined ? undefined : this.channels.get(key);
          if (key === undefined || !entry) break;
          entry.counters.messagesReceived++;
          entry.counters.bytesReceived += typeof e.data === 'string' ? utf8.encode(e.data).length : e.data.length;
          this.pushEvent({ type: 'channel-message', key, data: e.data });
          break;
        }
        case 'error': {
          const key = this.keyById.get(e.id);
          if (key !== undefined) this.pushEvent({ type: 'channel-error', key, message: e.message });
          break;
        }
        default:
          break;
      }
    }
    return moved;
  }

  private onIceEvent(now: number, t: PeerTransport, e: IceEvent): void {
    switch (e.type) {
      case 'candidate': {
        const text = serializeIceCandidate(e.candidate);
        this.updateLocalDescriptions((s) => this.addLocalCandidateTo(s, text, t));
        // W3C 4.8.1: the candidate belongs to the transport's (key) section.
        const local = (this.pendingLocal ?? this.currentLocal)?.session;
        const keyIndex = local?.media.findIndex((m, i) => (sdpMid(m) ?? this.sections[i]?.mid) === t.mid) ?? -1;
        const mediaIndex = keyIndex >= 0 ? keyIndex : Math.max(0, local?.media.findIndex((m) => !isPortZero(m)) ?? 0);
        const m = local?.media[mediaIndex];
        this.pushEvent({ type: 'icecandidate', candidate: { candidate: text, sdpMid: (m && sdpMid(m)) ?? t.mid, sdpMLineIndex: mediaIndex, usernameFragment: e.ufrag } });
        break;
      }
      case 'end-of-candidates':
        break;
      case 'mdns-query':
        this.pushEvent({ type: 'mdns-query', name: e.name });
        break;
      case 'candidate-error':
        this.pushEvent({ type: 'icecandidateerror', address: e.address, port: e.port, url: e.url, errorCode: e.errorCode, errorText: e.errorText });
        break;
      case 'gathering-state':
        this.transportVersionValue++;
        if (e.state === 'complete') {
          this.updateLocalDescriptions((s) => this.endLocalCandidates(s, t));
        }
        t.iceGathering = e.state;
        this.updateIceStates();
        break;
      case 'connection-state':
        this.transportVersionValue++;
        t.iceConnection = e.state;
        this.updateIceStates();
        if ((e.state === 'connected' || e.state === 'completed') && t.dtls && t.dtls.state === 'new' && t.dtls.role === 'client') t.dtls.start(now);
        break;
      case 'selected-pair':
        this.transportVersionValue++;
        t.selectedPairChanges++;
        if (t === this.sctpTransport) this.manager?.association.setMaxMtu(now, this.sctpMaxMtu());
        if (t.dtls && t.dtls.state === 'new' && t.dtls.role === 'client') t.dtls.start(now);
        break;
      case 'data':
        this.onData(now, t, e.data);
        break;
      default:
        break;
    }
  }

  /**
   * W3C 4.3.2/4.3.3: the peer's gathering and ICE connection states over its transports;
   * the events when they change (after the last transport completes gathering, the null
   * candidate, W3C 4.4.1.6 "end-of-candidates").
   */
  private updateIceStates(): void {
    if (this.closedFlag || this.transports.length === 0) return;
    const gathering = aggregateIceGathering(this.transports.map((t) => t.iceGathering));
    if (gathering !== this.iceGathering) {
      this.iceGathering = gathering;
      this.pushEvent({ type: 'icegatheringstatechange', state: gathering });
      if (gathering === 'complete') this.pushEvent({ type: 'icecandidate', candidate: null });
    }
    const connection = aggregateIceConnection(this.transports.map((t) => t.iceConnection));
    if (connection !== this.iceConnection) {
      this.iceConnection = connection;
      this.pushEvent({ type: 'iceconnectionstatechange', state: connection });
    }
  }

  /** RFC 7983 section 7: the first byte tells DTLS from RTP/RTCP (STUN went to ICE already). */
  private onData(now: number, t: PeerTransport, data: Uint8Array): void {
    const b = data[0];
    if (b === undefined) {
      this.stats.unknownDatagramsDropped++;
      return;
    }
    if (b >= FIRST_BYTE.dtlsMin && b <= FIRST_BYTE.dtlsMax) {
      this.stats.dtlsDatagramsIn++;
      if (t.dtls) {
        if (t.dtls.state === 'new' && t.dtls.role === 'client') t.dtls.start(now);
        t.dtls.handleInput(now, data);
      } else if (t.earlyDtls.length < MAX_EARLY_DTLS_DATAGRAMS) t.earlyDtls.push(data.slice());
      else this.stats.earlyDtlsDropped++;
      return;
    }
    if (b >= FIRST_BYTE.rtpMin && b <= FIRST_BYTE.rtpMax) {
      this.onMediaDatagram(now, t, data);
      return;
    }
    this.stats.unknownDatagramsDropped++;
  }

  // ------------------------------------------------------------------ internals: media

  private rtpSection(key: string): Section {
    const mid = this.resolveMid(key);
    const s = this.sections.find((x) => x.mid === mid);
    if (!s || s.kind === 'application') throw new InvalidArgumentError(`no RTP transceiver with mid ${JSON.stringify(mid)}`);
    return s;
  }

  /** The media state of `mid`, created with fresh local SSRCs (RFC 3550 8.1: random, unique here). */
  private mediaOf(mid: string, kind: MediaKind): MediaState {
    const existing = this.media.get(mid);
    if (existing) return existing;
    const localSsrc = this.newLocalSsrc(mid);
    // RFC 4588 section 8.3: video repairs go on their own SSRC (ssrc-group FID).
    const localRtxSsrc = kind === 'video' ? this.newLocalSsrc(mid) : undefined;
    const st: MediaState = {
      mid, kind, localSsrc, localRtxSsrc, negotiated: undefined, remoteSending: false, remoteStreamIds: [], remoteTrackId: undefined,
      sender: undefined, senderPaused: false, receiver: undefined, rtpEvents: false, framesDropped: 0,
    };
    this.media.set(mid, st);
    return st;
  }

  private newLocalSsrc(mid: string): number {
    for (;;) {
      const v = randomU32(this.random);
      if (v !== 0 && !this.localSsrcs.has(v)) {
        this.localSsrcs.set(v, mid);
        return v;
      }
    }
  }

  /** Drops media state of sections a rollback removed. */
  private pruneMedia(): void {
    for (const [mid, st] of [...this.media]) {
      if (this.sections.some((s) => s.mid === mid)) continue;
      this.setRemoteSending(st, false);
      this.media.delete(mid);
      this.localSsrcs.delete(st.localSsrc);
      if (st.localRtxSsrc !== undefined) this.localSsrcs.delete(st.localRtxSsrc);
    }
  }

  /** The sender of `st` when it may send now: negotiated to send, a track set, SRTP keyed. */
  private activeSender(st: MediaState): SenderCore | undefined {
    if (this.closedFlag || !st.sender || st.senderPaused || !this.transportOfMid.get(st.mid)?.srtp.keyed) return undefined;
    const s = this.sections.find((x) => x.mid === st.mid);
    if (!s || s.rejected || s.track === null) return undefined;
    return st.sender;
  }

  /**
   * `pause`: the negotiated direction stopped sending; the sender is kept, unpolled. Else
   * (stopped transceiver, close) RFC 3550 6.6: it says BYE, its last datagrams go out, and
   * it is dropped.
   */
  private stopSender(now: number, st: MediaState, pause = false): void {
    const sender = st.sender;
    if (!sender) return;
    if (pause) {
      st.senderPaused = true;
      return;
    }
    sender.bye(now);
    const transport = this.transportOfMid.get(st.mid);
    for (let t = sender.pollTransmit(); t; t = sender.pollTransmit()) this.sendMedia(transport, t.rtcp, t.data);
    st.sender = undefined;
    st.senderPaused = false;
  }

  /**
   * W3C 4.4.1.6 "process remote tracks": the associated remote streams are the section's
   * msids while the remote sends, none otherwise ("set the associated remote streams");
   * a remote track is added when the remote starts sending or a stream was added to it,
   * and removed when the remote stops sending.
   */
  private setRemoteSending(st: MediaState, sending: boolean, m?: MediaDescription): void {
    const msid = sending && m ? remoteMsid(m) : undefined;
    const ids = sending ? (msid?.streamIds ?? (st.remoteSending ? st.remoteStreamIds : [])) : [];
    const added = ids.some((id) => !st.remoteStreamIds.includes(id));
    const changed = added || ids.length !== st.remoteStreamIds.length;
    if (changed) st.remoteStreamIds = ids;
    if (sending && (!st.remoteSending || added)) {
      st.remoteSending = true;
      st.remoteTrackId ??= msid?.trackId ?? this.newTrackId();
      this.pushEvent({ type: 'track', mid: st.mid, kind: st.kind, streamIds: st.remoteStreamIds, trackId: st.remoteTrackId });
    } else if (!sending && st.remoteSending) {
      st.remoteSending = false;
      this.pushEvent({ type: 'track-removed', mid: st.mid });
    }
  }

  /** A random UUID (RFC 9562 section 5.4) for a remote track the description does not name. */
  private newTrackId(): string {
    const b = this.random.fill(new Uint8Array(16));
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /**
   * W3C 4.4.1.6: after a remote offer or answer, each RTP section whose remote side sends
   * (a=sendrecv/sendonly, not rejected) gets a remote track; one that stopped loses it.
   * For an offer the transceiver must also want to receive (its [[Receptive]] slot).
   */
  private updateRemoteTracks(session: SessionDescription, type: 'offer' | 'answer'): void {
    this.sections.forEach((s, i) => {
      if (s.kind === 'application') return;
      const st = this.media.get(s.mid);
      if (!st) return;
      const m = session.media[i];
      const sends = m !== undefined && !s.rejected && !isRejected(m) && directionSends(sdpDirection(m, session))
        && (type !== 'offer' || directionReceives(s.direction));
      this.setRemoteSending(st, sends, m);
    });
  }

  /**
   * An exchange completed (RFC 8829 section 5.10): record what each RTP section negotiated
   * and create, update or drop its sender (we send) and receiver (we receive).
   */
  private applyMedia(now: number, offer: SessionDescription, answer: SessionDescription, answeredBy: 'local' | 'remote'): void {
    const local = answeredBy === 'local' ? answer : offer;
    const remote = answeredBy === 'local' ? offer : answer;
    this.sections.forEach((s, i) => {
      if (s.kind === 'application') return;
      const st = this.mediaOf(s.mid, s.kind);
      const n = negotiatedMedia(local, remote, i, answeredBy, s.mid);
      if (!n) return;
      st.negotiated = n;
      if (n.rejected) s.rejected = true;
      const sendCodec = n.codecs[0];
      const ext = {
        ...opt('mid', extensionId(n.extensions, ExtensionUri.mid)),
        ...opt('absSendTime', extensionId(n.extensions, ExtensionUri.absSendTime)),
        ...opt('transportCc', extensionId(n.extensions, ExtensionUri.transportCc)),
        ...opt('audioLevel', st.kind === 'audio' ? extensionId(n.extensions, ExtensionUri.audioLevel) : undefined),
      };
      const makeSender = this.mediaCores.sender;
      // The cores validate what was negotiated (a codec they cannot packetize, say); a
      // description is applied anyway, the transceiver then just does not send/receive.
      try {
        if (!s.rejected && directionSends(n.direction) && sendCodec && makeSender) {
          if (st.sender) {
            st.sender.setCodec(sendCodec, ext);
            st.senderPaused = false;
          } else {
            const rtx = sendCodec.rtxPayloadType !== undefined ? st.localRtxSsrc : undefined;
            const transport = this.transportOfMid.get(s.mid);
            st.sender = makeSender({
              ssrc: st.localSsrc, ...(rtx !== undefined ? { rtxSsrc: rtx } : {}), codec: sendCodec, cname: this.cname, mid: s.mid,
              ...(transport ? { transportSequence: transport.transportSequence } : {}),
              extensions: ext, random: this.random, rtcpReducedSize: n.rtcpReducedSize, ...opt('ntpOffsetMs', this.options.ntpOffsetMs),
            });
          }
        } else this.stopSender(now, st, !s.rejected);
      } catch (e) {
        if (!(e instanceof PureRtcError)) throw e;
        this.mediaCoreErrors++;
        st.sender = undefined;
        st.senderPaused = false;
      }
      try {
        if (!s.rejected && directionReceives(n.direction) && n.codecs.length > 0) {
          if (st.receiver) st.receiver.setCodecs(n.codecs);
          else {
            st.receiver = this.mediaCores.receiver({
              localSsrc: st.localSsrc, cname: this.cname, codecs: n.codecs, kind: st.kind, random: this.random, rtcpReducedSize: n.rtcpReducedSize,
              ...opt('ntpOffsetMs', this.options.ntpOffsetMs),
              ...(n.remoteSsrc !== undefined ? { remoteSsrc: n.remoteSsrc } : {}),
              ...(n.remoteRtxSsrc !== undefined ? { remoteRtxSsrc: n.remoteRtxSsrc } : {}),
            });
            st.receiver.setRtpEvents(st.rtpEvents);
          }
        } else st.receiver = undefined;
      } catch (e) {
        if (!(e instanceof PureRtcError)) throw e;
        this.mediaCoreErrors++;
        st.receiver = undefined;
      }
      // W3C 4.4.1.5/4.4.1.6: once answered, a remote track exists exactly when the
      // negotiated direction receives (e.g. our answer turned a receptive section sendonly).
      this.setRemoteSending(st, !s.rejected && directionReceives(n.direction), remote.media[i]);
    });
    this.configureRouter();
  }

  /** RFC 8843 9.2: the routing tables from the receiving sections. */
  private configureRouter(): void {
    const routes = [];
    const twcc = new Map<PeerTransport, { ids: Set<number>; sender: { readonly ssrc: number; readonly reducedSize: boolean } }>();
    for (const s of this.sections) {
      const st = s.kind === 'application' ? undefined : this.media.get(s.mid);
      const n = st?.negotiated;
      if (!st || !n || !st.receiver || s.rejected) continue;
      routes.push({ mid: s.mid, payloadTypes: codecPayloadTypes(n.codecs), remoteSsrcs: n.remoteSsrcs, midExtensionId: extensionId(n.extensions, ExtensionUri.mid) });
      // draft-holmer-rmcat-transport-wide-cc-extensions-01 section 4: feedback when the
      // extension and the "transport-cc" rtcp-fb are negotiated.
      const twccId = extensionId(n.extensions, ExtensionUri.transportCc);
      const t = this.transportOfMid.get(s.mid);
      if (t && twccId !== undefined && n.codecs.some((c) => c.feedback?.some((f) => f.type === 'transport-cc'))) {
        const entry = twcc.get(t) ?? { ids: new Set<number>(), sender: { ssrc: st.localSsrc, reducedSize: n.rtcpReducedSize } };
        entry.ids.add(twccId);
        twcc.set(t, entry);
      }
    }
    this.router.configure(routes);
    // Transport-wide sequence numbers are per transport (draft-holmer-...-01 section 3).
    for (const t of this.transports) {
      const entry = twcc.get(t);
      t.twccExtensionIds = entry ? [...entry.ids] : [];
      t.twccSender = entry?.sender;
    }
  }

  /** Our a=msid, a=ssrc-group and a=ssrc lines for a section we send on (RFC 8830, RFC 5576, JSEP 5.2.1). */
  private sendingAttributes(s: Section, hasRtx: boolean): { msid?: { streamId: string; trackId: string }; streams?: { ssrc: number; cname: string; rtxSsrc?: number }[]; moreMsids: Attribute[] } {
    const st = s.kind === 'application' ? undefined : this.media.get(s.mid);
    if (!st || s.rejected || s.track === null || !directionSends(s.direction)) return { moreMsids: [] };
    const streams = s.track.streamIds.length > 0 ? s.track.streamIds : ['-'];
    const trackId = s.track.trackId;
    const rtx = hasRtx ? st.localRtxSsrc : undefined;
    return {
      msid: { streamId: streams[0] as string, trackId },
      streams: [{ ssrc: st.localSsrc, cname: this.cname, ...(rtx !== undefined ? { rtxSsrc: rtx } : {}) }],
      moreMsids: streams.slice(1).map((streamId) => ({ type: 'msid', streamId, trackId })),
    };
  }

  /** Stream ids we send in, for a=msid-semantic (what Chrome lists there). */
  private sendingStreamIds(): string[] {
    const out = new Set<string>();
    for (const s of this.sections) if (!s.rejected && s.track && directionSends(s.direction)) for (const id of s.track.streamIds) out.add(id);
    return [...out];
  }

  /** Sends plaintext RTP/RTCP of a core through its transport's SRTP on the selected pair (dropped and counted before keys). */
  private sendMedia(t: PeerTransport | undefined, rtcp: boolean, data: Uint8Array): void {
    if (!t?.agent.selectedPair) {
      this.mediaNoPath++;
      return;
    }
    const protectedData = t.srtp.protect(rtcp, data);
    if (protectedData) t.agent.send(protectedData);
  }

  private flushMedia(): boolean {
    let moved = false;
    for (const t of this.transports) {
      for (let f = t.twcc.pollFeedback(); f; f = t.twcc.pollFeedback()) {
        moved = true;
        const from = t.twccSender;
        if (!from) continue;
        // RFC 5506 section 3: alone when reduced size is negotiated, else in a compound after an (empty) RR (RFC 3550 6.1).
        this.sendMedia(t, true, serializeRtcp(from.reducedSize ? [f] : [{ type: 'rr', ssrc: from.ssrc, reports: [] }, f]));
      }
    }
    for (const st of this.media.values()) {
      const sender = st.senderPaused ? undefined : st.sender;
      const transport = sender || st.receiver ? this.transportOfMid.get(st.mid) : undefined;
      if (sender) {
        for (let t = sender.pollTransmit(); t; t = sender.pollTransmit()) {
          moved = true;
          this.sendMedia(transport, t.rtcp, t.data);
        }
        for (let e = sender.pollEvent(); e; e = sender.pollEvent()) {
          moved = true;
          this.pushEvent({ type: 'keyframe-request', mid: st.mid });
        }
      }
      const receiver = st.receiver;
      if (receiver) {
        for (let t = receiver.pollTransmit(); t; t = receiver.pollTransmit()) {
          moved = true;
          this.sendMedia(transport, true, t.data);
        }
        for (let e = receiver.pollEvent(); e; e = receiver.pollEvent()) {
          moved = true;
          if (e.type === 'frame') this.pushEvent({ type: 'frame', mid: st.mid, frame: e.frame, codec: e.codec });
          else if (e.type === 'rtp') this.pushEvent({ type: 'rtp', mid: st.mid, packet: e.packet });
          else if (e.type === 'bye') this.pushEvent({ type: 'bye', mid: st.mid });
        }
      }
    }
    return moved;
  }

  private mediaTimeout(): number | undefined {
    let best: number | undefined;
    for (const st of this.media.values()) best = earliest(best, earliest(st.senderPaused ? undefined : st.sender?.pollTimeout(), st.receiver?.pollTimeout()));
    return best;
  }

  private mediaHandleTimeout(now: number): void {
    for (const st of this.media.values()) {
      const ts = st.senderPaused ? undefined : st.sender?.pollTimeout();
      if (ts !== undefined && ts <= now) st.sender?.handleTimeout(now);
      const tr = st.receiver?.pollTimeout();
      if (tr !== undefined && tr <= now) st.receiver?.handleTimeout(now);
    }
    for (const t of this.transports) {
      const tt = t.twcc.pollTimeout();
      if (tt !== undefined && tt <= now) t.twcc.handleTimeout(now, t.twccSender?.ssrc ?? 0);
    }
  }

  /** RFC 5764 4.2: the SRTP keys once DTLS is connected with a negotiated use_srtp profile. */
  private keySrtp(t: PeerTransport): void {
    const dtls = t.dtls;
    const profile = dtls?.negotiated?.srtpProfile;
    const role = t.dtlsRole;
    if (!dtls || profile === undefined || role === undefined) return;
    t.srtp.key(profile, (label, length) => dtls.exportKeyingMaterial(label, length), role);
  }

  /** A datagram with first byte 128-191 (RFC 7983 section 7): SRTP or SRTCP of transport `t`. */
  private onMediaDatagram(now: number, t: PeerTransport, data: Uint8Array): void {
    const u = t.srtp.unprotect(data);
    if (!u) {
      this.stats.rtpDatagramsDropped++;
      return;
    }
    if (u.rtcp) this.onRtcp(now, u.data);
    else this.onRtp(now, t, u.data);
  }

  private onRtp(now: number, t: PeerTransport, data: Uint8Array): void {
    let packet: RtpPacket;
    try {
      packet = parseRtp(data);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.mediaMalformed++;
      this.stats.rtpDatagramsDropped++;
      return;
    }
    for (const id of t.twccExtensionIds) {
      const ext = getRtpExtension(packet, id);
      if (ext !== undefined && ext.length >= 2) {
        t.twcc.record(now, parseTransportCc(ext), packet.ssrc);
        break;
      }
    }
    const route = this.router.route(packet);
    const receiver = route ? this.media.get(route.mid)?.receiver : undefined;
    if (!route) {
      this.stats.rtpDatagramsDropped++;
      return;
    }
    if (!receiver) {
      this.mediaNotReceiving++;
      this.stats.rtpDatagramsDropped++;
      return;
    }
    receiver.handleRtp(now, packet);
  }

  /**
   * RFC 8843 9.2 for RTCP: each packet of the compound goes to the cores whose SSRCs it
   * names: reports about our SSRCs and feedback for them to our senders (RFC 4585 6.1
   * media source SSRC), SR and BYE from a remote SSRC to its receiver.
   */
  private onRtcp(now: number, data: Uint8Array): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(data);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.mediaMalformed++;
      this.stats.rtpDatagramsDropped++;
      return;
    }
    const touched = new Set<MediaState>();
    const toSender = (ssrc: number, p: RtcpPacket, seen: Set<MediaState>): void => {
      const mid = this.localSsrcs.get(ssrc);
      const st = mid === undefined ? undefined : this.media.get(mid);
      if (!st?.sender || st.senderPaused || seen.has(st)) return;
      seen.add(st);
      touched.add(st);
      st.sender.handleRtcp(now, p);
    };
    const toReceiver = (ssrc: number, p: RtcpPacket, seen?: Set<MediaState>): void => {
      const st = this.receiverOfRemoteSsrc(ssrc);
      if (!st || seen?.has(st)) return;
      seen?.add(st);
      st.receiver?.handleRtcp(now, p);
    };
    for (const p of packets) {
      const seen = new Set<MediaState>();
      switch (p.type) {
        case 'sr':
          toReceiver(p.ssrc, p);
          for (const b of p.reports) toSender(b.ssrc, p, seen);
          break;
        case 'rr':
          for (const b of p.reports) toSender(b.ssrc, p, seen);
          break;
        case 'nack':
        case 'pli':
          toSender(p.mediaSsrc, p, seen);
          break;
        case 'fir':
          for (const e of p.entries) toSender(e.ssrc, p, seen);
          break;
        case 'remb':
          for (const ssrc of p.ssrcs) toSender(ssrc, p, seen);
          break;
        case 'bye':
          // Once per receiver: a BYE lists the media and the RTX SSRC of one sender.
          for (const ssrc of p.ssrcs) toReceiver(ssrc, p, seen);
          break;
        default:
          break;
      }
    }
    // RTT measured by a sender (RFC 3550 6.4.1 LSR/DLSR) spaces the receiver's NACKs.
    for (const st of touched) {
      const rtt = st.sender?.stats().remote?.roundTripTime;
      if (rtt !== undefined && st.receiver) st.receiver.setRtt(rtt * 1000);
    }
  }

  private receiverOfRemoteSsrc(ssrc: number): MediaState | undefined {
    const mid = this.router.midOfSsrc(ssrc);
    const byRoute = mid === undefined ? undefined : this.media.get(mid);
    if (byRoute?.receiver) return byRoute;
    for (const st of this.media.values()) if (st.receiver && (st.receiver.ssrc === ssrc || st.receiver.rtxSsrc === ssrc)) return st;
    return undefined;
  }

  /** W3C 4.3.3 RTCPeerConnectionState from the ICE and DTLS transports. */
  private updateConnectionState(): void {
    if (this.closedFlag) return;
    // One pass, no allocation: this runs after every datagram.
    let failed = false;
    let disconnected = false;
    let allNew = true;
    let allConnected = true;
    let anyConnected = false;
    let allDtlsClosed = this.transports.length > 0;
    for (const t of this.transports) {
      const ice = t.iceConnection;
      const d = t.dtlsState;
      if (d !== t.reportedDtlsState) {
        t.reportedDtlsState = d;
        this.transportVersionValue++;
      }
      if (ice === 'failed' || d === 'failed') failed = true;
      if (ice === 'disconnected') disconnected = true;
      if (!((ice === 'new' || ice === 'closed') && (d === 'new' || d === 'closed'))) allNew = false;
      if (!((ice === 'connected' || ice === 'completed' || ice === 'closed') && (d === 'connected' || d === 'closed'))) allConnected = false;
      if (d === 'connected') anyConnected = true;
      if (d !== 'closed') allDtlsClosed = false;
    }
    let s: PeerConnectionState;
    if (failed) s = 'failed';
    else if (disconnected) s = 'disconnected';
    else if (allNew) s = 'new';
    else if (allConnected && anyConnected) s = 'connected';
    else if (allDtlsClosed && this.connection === 'connected') s = 'closed';
    else s = 'connecting';
    if (s === this.connection) return;
    if (s === 'closed') return;
    this.connection = s;
    this.pushEvent({ type: 'connectionstatechange', state: s });
  }
}
