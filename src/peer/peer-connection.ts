/**
 * @module peer/peer-connection
 * The sans-IO peer connection: JSEP (RFC 8829) signaling over one ICE agent (RFC 8445,
 * trickle RFC 8838), one DTLS association (RFC 6347, roles from a=setup per RFC 8842
 * section 5 and RFC 4145 section 4, fingerprints per RFC 8122 section 5), one SCTP
 * association for data channels (RFC 8261, RFC 8831, RFC 8832), all m= sections in one
 * BUNDLE group (RFC 8843, max-bundle per RFC 8829 section 4.1.1) with rtcp-mux (RFC 8035).
 *
 * - Signaling states and transitions: RFC 8829 section 3.2 (the state diagram) and
 *   W3C webrtc-pc 4.3.1 "set the RTCSessionDescription", with rollback (RFC 8829
 *   section 4.1.10.2).
 * - Offers (RFC 8829 section 5.2.1) and answers (section 5.3.1): codecs intersected with
 *   ours (`negotiateCodecs`), extmap ids from the offer (RFC 8285 section 7), directions
 *   by RFC 3264 section 6.1. RTP does not flow yet, so we answer recvonly/inactive.
 * - Datagrams on the selected pair are told apart by their first byte (RFC 7983
 *   section 7): 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP (counted and dropped for now).
 * - States: W3C webrtc-pc 4.3.2-4.3.3 (RTCIceGatheringState, RTCIceConnectionState,
 *   RTCPeerConnectionState aggregated over ICE and DTLS).
 *
 * No I/O: time comes in as `now`, bytes go out through `pollTransmit`.
 */
import { InvalidArgumentError, InvalidStateError, ParseError, ProtocolError } from '../common/errors.js';
import { type RandomSource, secureRandom } from '../common/random.js';
import type { Certificate, Fingerprint as CertFingerprint, FingerprintAlgorithm } from '../crypto/x509.js';
import { certificateFingerprint } from '../crypto/x509.js';
import { DataChannelManager } from '../datachannel/manager.js';
import type { DataChannelInfo, DataChannelInit } from '../datachannel/manager.js';
import { DtlsEndpoint } from '../dtls/endpoint.js';
import { IceAgent } from '../ice/agent.js';
import type { IceConnectionState, IceEvent, IceGatheringState, IceRole, SelectedPair, Transmit } from '../ice/agent.js';
import { parseCandidate as parseIceCandidate, serializeCandidate as serializeIceCandidate } from '../ice/candidate.js';
import type { Candidate as IceCandidate } from '../ice/candidate.js';
import type { TransportAddress } from '../ice/stun-binding.js';
import { SctpAssociation } from '../sctp/association.js';
import {
  addCandidate, addEndOfCandidates, answerBundleGroups, answerDirection, answerSetup, buildDataChannelMedia, buildRejectedMedia,
  buildRtpMedia, buildSession, candidates as sdpCandidates, codecs as sdpCodecs, direction as sdpDirection, endOfCandidates,
  fingerprints as sdpFingerprints, iceCredentials, isIceLite, isPortZero, mediaIndexForCandidate, mid as sdpMid, negotiateCodecs,
  negotiateHeaderExtensions, parseCandidate as parseSdpCandidate, parseSdp, remoteSctpParameters, serializeCandidate as serializeSdpCandidate,
  serializeSdp, setupRole, verifyDescription,
} from '../sdp/index.js';
import type { Candidate as SdpCandidate, CodecCapability, Direction, MediaDescription, SessionDescription, TransportAttributes } from '../sdp/index.js';
import { Relay } from './relay.js';
import type { TurnServerConfig } from './relay.js';
import { PairStatsTracker } from './pair-stats.js';
import type { PairCounters, TransportTotals } from './pair-stats.js';
import { DEFAULT_CODECS, DEFAULT_HEADER_EXTENSIONS, offerCodecs, offerHeaderExtensions } from './capabilities.js';

export type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'have-local-pranswer' | 'have-remote-pranswer' | 'closed';
export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type SdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
export type MediaKind = 'audio' | 'video';

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
  | { readonly type: 'channel-error'; readonly key: number; readonly message: string };

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
  readonly mid: string;
  readonly kind: MediaKind | 'application';
  /** Our wish for RTP sections (W3C RTCRtpTransceiverDirection). */
  direction: Direction;
  /** Set when the section was rejected (port 0) or stopped. */
  rejected: boolean;
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

const FIRST_BYTE = { stunMax: 3, dtlsMin: 20, dtlsMax: 63, rtpMin: 128, rtpMax: 191 } as const;

/** The ICE credentials of the first live m= section (the BUNDLE transport). */
function firstCredentials(session: SessionDescription): { ufrag: string; pwd: string } | undefined {
  const m = session.media.find((x) => !isPortZero(x));
  return m ? iceCredentials(m, session) : undefined;
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
  readonly stats: PeerStats = { dtlsDatagramsIn: 0, rtpDatagramsDropped: 0, unknownDatagramsDropped: 0, earlyDtlsDropped: 0, eventsDropped: 0, transmitsDropped: 0 };

  private agent: IceAgent | undefined;
  /** Per-pair datagram and STUN counters for getStats (W3C webrtc-stats 7.18). */
  private readonly pairStats = new PairStatsTracker();
  /** How many times ICE selected a (new) pair (RTCTransportStats.selectedCandidatePairChanges). */
  private selectedPairChanges = 0;
  private hostBases: TransportAddress[] = [];
  private dtls: DtlsEndpoint | undefined;
  private dtlsRoleValue: 'client' | 'server' | undefined;
  private dtlsFailed = false;
  private earlyDtls: Uint8Array[] = [];
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
  private channelsOpened = 0;
  private channelsClosed = 0;

  constructor(options: PeerConnectionOptions) {
    this.options = options;
    this.random = options.random ?? secureRandom;
    this.certificate = options.certificate;
    this.localFingerprint = certificateFingerprint(options.certificate.der, 'sha-256');
    this.codecCaps = options.codecs ?? DEFAULT_CODECS;
    this.extUris = options.headerExtensions ?? DEFAULT_HEADER_EXTENSIONS;
    this.localMaxMessageSize = options.maxMessageSize ?? DEFAULT_LOCAL_MAX_MESSAGE_SIZE;
    // RFC 8829 section 5.2.1: a 64-bit random session id below 2^63.
    const b = this.random.fill(new Uint8Array(8));
    b[0] = (b[0] as number) & 0x3f;
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    this.sessionId = v.toString();
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
  get dtlsRole(): 'client' | 'server' | undefined {
    return this.dtlsRoleValue;
  }
  get iceRole(): IceRole | undefined {
    return this.agent?.role;
  }
  get fingerprint(): CertFingerprint {
    return this.localFingerprint;
  }
  /** Our current ICE username fragment (undefined before the ICE agent exists). */
  get localIceUfrag(): string | undefined {
    return this.agent?.localUfrag;
  }
  get selectedPair(): SelectedPair | undefined {
    return this.agent?.selectedPair;
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
    let best: number | undefined;
    for (const t of [this.agent?.pollTimeout(), this.dtls?.pollTimeout(), this.manager?.pollTimeout(), ...this.relays.map((r) => r.client.pollTimeout())]) {
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    return best;
  }

  // ------------------------------------------------------------------ inputs

  /** The bases the caller bound (one UDP socket each); host candidates come from them. */
  addHostBases(now: number, bases: readonly TransportAddress[]): void {
    for (const b of bases) if (!this.hostBases.some((h) => h.address === b.address && h.port === b.port)) this.hostBases.push(b);
    if (this.agent) {
      if (!this.relayOnly) this.agent.addHostBases(now, bases);
      this.pump(now);
    }
  }

  /** A datagram that arrived on one of our bases. */
  handleInput(now: number, dgram: { readonly local: TransportAddress; readonly remote: TransportAddress; readonly data: Uint8Array }): void {
    if (this.closedFlag || !this.agent) return;
    const relay = this.relays.find((r) => r.owns(dgram.local, dgram.remote, dgram.data));
    if (relay) relay.client.handleInput(now, dgram.data);
    else {
      this.pairStats.received(now, dgram.local, dgram.remote, dgram.data);
      this.agent.handleInput(now, dgram);
    }
    this.pump(now);
  }

  handleTimeout(now: number): void {
    if (this.closedFlag) return;
    const due = (t: number | undefined): boolean => t !== undefined && t <= now;
    if (this.agent && due(this.agent.pollTimeout())) this.agent.handleTimeout(now);
    if (this.dtls && due(this.dtls.pollTimeout())) this.dtls.handleTimeout(now);
    if (this.manager && due(this.manager.pollTimeout())) this.manager.handleTimeout(now);
    for (const r of this.relays) if (due(r.client.pollTimeout())) r.client.handleTimeout(now);
    this.pump(now);
  }

  // ------------------------------------------------------------------ JSEP

  /** Adds an RTP m= section to the next offer (W3C addTransceiver); returns its mid. */
  addTransceiver(now: number, kind: MediaKind, direction: Direction = 'recvonly'): string {
    this.checkOpen();
    if (this.sections.length >= MAX_TRANSCEIVERS) throw new InvalidStateError(`at most ${MAX_TRANSCEIVERS} transceivers`);
    const mid = this.allocateMid();
    this.sections.push({ mid, kind, direction, rejected: false });
    this.updateNegotiationNeeded();
    return mid;
  }

  /** RFC 8829 section 5.2: an offer with every section we have plus a data section when wanted. */
  createOffer(now: number, options: { readonly iceRestart?: boolean } = {}): SessionDescriptionInit {
    this.checkOpen();
    // RFC 8829 section 3.2: an offer is made from stable (or replaces our pending offer).
    if (this.signaling !== 'stable' && this.signaling !== 'have-local-offer') throw new InvalidStateError(`createOffer in signaling state ${this.signaling}`);
    const agent = this.ensureAgent(now, 'controlling');
    if (options.iceRestart === true) {
      agent.restart(now);
      this.pump(now);
    }
    if (this.wantDataSection && !this.sections.some((s) => s.kind === 'application')) {
      this.sections.push({ mid: this.allocateMid(), kind: 'application', direction: 'sendrecv', rejected: false });
    }
    const setup = this.offerSetup();
    const transport = this.transportAttributes(setup);
    const media: MediaDescription[] = [];
    const previous = (this.currentRemote ?? this.currentLocal)?.session;
    for (const s of this.sections) {
      if (s.rejected) {
        const prev = previous?.media.find((m) => sdpMid(m) === s.mid);
        const placeholder: MediaDescription = s.kind === 'application'
          ? buildDataChannelMedia({ mid: s.mid })
          : buildRtpMedia({ kind: s.kind, mid: s.mid, direction: 'inactive', codecs: offerCodecs(s.kind, this.codecCaps).slice(0, 1) });
        media.push(buildRejectedMedia(prev ?? placeholder));
        continue;
      }
      media.push(this.buildSection(s, transport, undefined) as MediaDescription);
    }
    const live = this.sections.filter((s) => !s.rejected).map((s) => s.mid);
    const session = buildSession({ sessionId: this.sessionId, sessionVersion: this.sessionVersion++, media, bundleGroups: live.length > 0 ? [live] : [] });
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
    this.ensureAgent(now, 'controlled');
    const offeredSetup = offer.media.map((m) => setupRole(m, offer)).find((r) => r !== undefined);
    // Keep the DTLS role chosen in the first answer across renegotiation (RFC 8842 section 5.5).
    const setup: 'active' | 'passive' = this.dtlsRoleValue !== undefined ? (this.dtlsRoleValue === 'client' ? 'active' : 'passive') : answerSetup(offeredSetup);
    const transport = this.transportAttributes(setup);
    const accepted = new Set<string>();
    const media: MediaDescription[] = [];
    offer.media.forEach((m, i) => {
      const s = this.sections[i];
      if (s === undefined || s.rejected || isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')) {
        media.push(buildRejectedMedia(m));
        return;
      }
      const built = this.buildSection(s, transport, m);
      if (built === undefined) {
        media.push(buildRejectedMedia(m));
        return;
      }
      accepted.add(s.mid);
      media.push(built);
    });
    const bundle = answerBundleGroups(offer, accepted);
    const session = buildSession({ sessionId: this.sessionId, sessionVersion: this.sessionVersion++, media, bundleGroups: bundle.groups });
    const sdp = serializeSdp(session);
    this.lastAnswer = sdp;
    return { type: 'answer', sdp };
  }

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
    const agent = this.ensureAgent(now, type === 'offer' ? 'controlling' : 'controlled');
    let withCandidates = session;
    for (const c of agent.localCandidates) withCandidates = this.addLocalCandidateTo(withCandidates, serializeIceCandidate(c));
    if (this.iceGathering === 'complete' && agent.localCandidates.length > 0) withCandidates = this.endLocalCandidates(withCandidates);
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
      const existing = this.sections.length;
      if (session.media.length < existing) throw new InvalidArgumentError('an offer must keep every m= section of the previous one (RFC 8829 section 5.2.2)');
      this.ensureAgent(now, 'controlled');
      // Match sections by position (RFC 8829 section 5.10): new ones become transceivers.
      const next = this.sections.map((s) => ({ ...s }));
      session.media.forEach((m, i) => {
        const value = sdpMid(m) ?? String(i);
        const kind = m.kind === 'audio' || m.kind === 'video' ? m.kind : 'application';
        if (i < next.length) {
          const s = next[i] as Section;
          if (isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')) s.rejected = true;
          return;
        }
        next.push({ mid: value, kind, direction: kind === 'application' ? 'sendrecv' : 'recvonly', rejected: kind === 'application' && m.kind !== 'application' });
      });
      this.sections = next;
      // RFC 8839 section 4.4.1.1.2 / RFC 8445 section 9: an offer with new credentials is
      // an ICE restart, and the answerer picks new credentials too.
      const previous = this.currentRemote?.session;
      const before = previous ? firstCredentials(previous) : undefined;
      const after = firstCredentials(session);
      if (before && after && before.ufrag !== after.ufrag) this.ensureAgent(now, 'controlled').restart(now);
      this.pendingRemote = { type, session };
      this.applyRemoteTransport(now, session);
      this.setSignaling('have-remote-offer');
    } else if (type === 'pranswer') {
      this.pendingRemote = { type, session };
      this.applyRemoteTransport(now, session);
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
      this.applyRemoteTransport(now, session);
      this.applyAnswer(now, (this.currentLocal as Description).session, session, 'remote');
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
    const agent = this.agent as IceAgent;
    if (text === '') {
      agent.endOfRemoteCandidates(now);
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
    this.addRemoteCandidateToAgent(now, parsed);
    this.pump(now);
  }

  /** The answer to an `mdns-query` event: an IP address, or undefined when it did not resolve. */
  resolveMdns(now: number, name: string, address: string | undefined): void {
    if (this.closedFlag || !this.agent) return;
    this.agent.resolveMdns(now, name, address);
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

  /** What getStats reports: the ICE, DTLS and channel counters of this peer. */
  statsSnapshot(): {
    readonly ice: IceAgent['stats'] | undefined;
    readonly selectedPair: SelectedPair | undefined;
    readonly localCandidates: readonly IceCandidate[];
    readonly remoteCandidates: readonly IceCandidate[];
    readonly dtlsState: 'new' | 'connecting' | 'connected' | 'closed' | 'failed';
    readonly dtlsRole: 'client' | 'server' | undefined;
    readonly iceRole: IceRole | undefined;
    readonly channels: readonly (PeerChannel & { readonly counters: ChannelCounters; readonly state: string })[];
    readonly dataChannelsOpened: number;
    readonly dataChannelsClosed: number;
    /** Every pair of the checklist with its W3C counters (undefined before any datagram). */
    readonly pairs: readonly PairSnapshot[];
    readonly transportTotals: Readonly<TransportTotals>;
    readonly selectedPairChanges: number;
    readonly localUfrag: string | undefined;
    /** What DTLS negotiated, once connected. */
    readonly dtls: { readonly version: string; readonly cipherSuite: string; readonly srtpProfile: string | undefined; readonly peerCertificate: Uint8Array; readonly peerFingerprint: CertFingerprint } | undefined;
    readonly localCertificate: Uint8Array;
    readonly localFingerprint: CertFingerprint;
  } {
    const d = this.dtls?.state;
    const dtlsState = this.dtlsFailed ? 'failed' : d === undefined || d === 'new' ? 'new' : d === 'handshaking' ? 'connecting' : d;
    return {
      ice: this.agent?.stats,
      selectedPair: this.agent?.selectedPair,
      localCandidates: this.agent?.localCandidates ?? [],
      remoteCandidates: this.agent?.remoteCandidates ?? [],
      dtlsState,
      dtlsRole: this.dtlsRoleValue,
      iceRole: this.agent?.role,
      channels: [...this.channels.values()].map((e) => ({
        ...this.channelView(e), counters: { ...e.counters },
        state: (e.id !== null && this.manager?.getChannel(e.id)?.readyState) || 'connecting',
      })),
      dataChannelsOpened: this.channelsOpened,
      dataChannelsClosed: this.channelsClosed,
      pairs: this.pairSnapshots(),
      transportTotals: { ...this.pairStats.totals },
      selectedPairChanges: this.selectedPairChanges,
      localUfrag: this.agent?.localUfrag,
      dtls: this.dtls?.negotiated,
      localCertificate: this.certificate.der,
      localFingerprint: this.localFingerprint,
    };
  }

  /** The checklist (and the selected pair, even when a restart replaced the checklist) with counters. */
  private pairSnapshots(): PairSnapshot[] {
    const agent = this.agent;
    if (!agent) return [];
    const selected = agent.selectedPair;
    const same = (a: IceCandidate, b: IceCandidate): boolean => a.address === b.address && a.port === b.port && a.type === b.type && a.foundation === b.foundation;
    const out: PairSnapshot[] = agent.checklist.map((p) => ({
      local: p.local, remote: p.remote, state: p.state, nominated: p.nominated,
      selected: selected !== undefined && same(selected.local, p.local) && same(selected.remote, p.remote),
      counters: this.pairStats.get(candidateBase(p.local), p.remote),
    }));
    if (selected && !out.some((p) => p.selected)) {
      out.push({ local: selected.local, remote: selected.remote, state: 'succeeded', nominated: true, selected: true, counters: this.pairStats.get(candidateBase(selected.local), selected.remote) });
    }
    return out;
  }

  /** W3C close(): everything stops, no events after the state change. */
  close(now: number): void {
    if (this.closedFlag) return;
    if (this.manager && this.manager.association.state === 'established') this.manager.association.abort(now, 'peer connection closed');
    this.flushManager();
    this.dtls?.close();
    this.flushDtls();
    // What close() queued (SCTP ABORT, DTLS close_notify) still goes out (W3C 4.4.1.3 close).
    const agent = this.agent;
    if (agent) for (let t = agent.pollTransmit(); t; t = agent.pollTransmit()) if (this.transmits.length < MAX_QUEUED_PEER_TRANSMITS) this.transmits.push(t);
    agent?.close();
    // RFC 8656 section 7.2: release the allocations (Refresh with lifetime 0).
    for (const r of this.relays) {
      r.client.close(now);
      for (let t = r.client.pollTransmit(); t; t = r.client.pollTransmit()) this.queueTransmit({ from: r.base, to: t.to, data: t.data, relayed: false });
    }
    this.closedFlag = true;
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

  private ensureAgent(now: number, role: IceRole): IceAgent {
    if (this.agent) return this.agent;
    this.agent = new IceAgent({
      role, random: this.random, includeLoopback: this.options.includeLoopback ?? false,
      ...(this.options.stunServers ? { stunServers: this.options.stunServers } : {}),
      ...(this.options.iceTaMs !== undefined ? { taMs: this.options.iceTaMs } : {}),
    });
    if (!this.relayOnly) this.agent.addHostBases(now, this.hostBases);
    return this.agent;
  }

  private get relayOnly(): boolean {
    return this.options.iceTransportPolicy === 'relay';
  }

  private startGathering(now: number): void {
    const agent = this.agent as IceAgent;
    if (agent.gatheringState !== 'new') return;
    // RFC 8445 5.1.1.2: one allocation per TURN server, from a base of the server's family.
    for (const [i, config] of (this.options.turnServers ?? []).entries()) {
      if (this.relays.length >= MAX_RELAYS) break;
      const v6 = config.server.address.includes(':');
      const base = this.hostBases.find((b) => b.address.includes(':') === v6);
      if (!base) continue;
      const relay = new Relay(`turn${i}`, config, base, this.options.random);
      this.relays.push(relay);
      agent.beginRelayGathering(relay.id);
      relay.client.allocate(now);
    }
    agent.gather(now);
  }

  private offerSetup(): 'actpass' | 'active' | 'passive' {
    // RFC 8842 section 5.5: a subsequent offer keeps the established role.
    if (this.dtlsRoleValue === undefined) return 'actpass';
    return this.dtlsRoleValue === 'client' ? 'active' : 'passive';
  }

  private transportAttributes(setup: 'actpass' | 'active' | 'passive'): TransportAttributes {
    const agent = this.agent as IceAgent;
    return { ufrag: agent.localUfrag, pwd: agent.localPassword, fingerprints: [this.localFingerprint], setup };
  }

  /** Our m= section for `s`; with `offered`, the answer to it (undefined: reject). */
  private buildSection(s: Section, transport: TransportAttributes, offered: MediaDescription | undefined): MediaDescription | undefined {
    if (s.kind === 'application') {
      if (offered && remoteSctpParameters(offered) === undefined) return undefined;
      return buildDataChannelMedia({ mid: s.mid, transport, maxMessageSize: this.localMaxMessageSize, ...(offered ? { protocol: offered.protocol } : {}) });
    }
    if (!offered) {
      return buildRtpMedia({
        kind: s.kind, mid: s.mid, direction: s.direction, transport, codecs: offerCodecs(s.kind, this.codecCaps),
        extensions: offerHeaderExtensions(s.kind, this.extUris),
      });
    }
    if (!/RTP\//.test(offered.protocol)) return undefined;
    const negotiated = negotiateCodecs(offered, this.codecCaps);
    if (negotiated.length === 0) return undefined;
    const dir = answerDirection(sdpDirection(offered), s.direction);
    const pending = this.pendingRemote?.session;
    return buildRtpMedia({
      kind: s.kind, mid: s.mid, direction: dir, transport,
      codecs: negotiated.map((c) => ({
        payloadType: c.payloadType, name: c.name, clockRate: c.clockRate, fmtp: c.fmtp, feedback: c.feedback,
        ...(c.channels !== undefined ? { channels: c.channels } : {}),
        ...(c.rtxPayloadType !== undefined ? { rtxPayloadType: c.rtxPayloadType } : {}),
      })),
      extensions: negotiateHeaderExtensions(offered, this.extUris, pending),
      protocol: offered.protocol,
      rtcpRsize: offered.attributes.some((a) => a.type === 'rtcp-rsize'),
    });
  }

  private rollback(now: number): void {
    this.pendingLocal = undefined;
    this.pendingRemote = undefined;
    this.sections = this.stableSections.map((s) => ({ ...s }));
    this.setSignaling('stable');
    // W3C 4.4.1.5: back in stable, negotiation is still needed for what the rollback undid.
    this.negotiationNeededQueued = false;
    this.updateNegotiationNeeded();
    this.pump(now);
  }

  private setSignaling(s: SignalingState): void {
    if (s === 'stable') this.stableSections = this.sections.map((x) => ({ ...x }));
    if (this.signaling === s) return;
    this.signaling = s;
    this.pushEvent({ type: 'signalingstatechange', state: s });
  }

  /** W3C 4.7.3 "update the negotiation-needed flag" (simplified to the cases we create). */
  private updateNegotiationNeeded(): void {
    if (this.closedFlag) return;
    const negotiated = (this.currentLocal ?? this.currentRemote)?.session;
    const mids = new Set(negotiated?.media.filter((m) => !isPortZero(m) || m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only')).map((m) => sdpMid(m)) ?? []);
    const needed = this.sections.some((s) => !s.rejected && !mids.has(s.mid)) || (this.wantDataSection && !this.sections.some((s) => s.kind === 'application' && !s.rejected && mids.has(s.mid)));
    if (!needed || this.signaling !== 'stable' || this.negotiationNeededQueued) return;
    this.negotiationNeededQueued = true;
    this.pushEvent({ type: 'negotiationneeded' });
  }

  /** Applies the transport parts of a remote offer or answer: ICE credentials and candidates, SCTP. */
  private applyRemoteTransport(now: number, session: SessionDescription): void {
    const agent = this.ensureAgent(now, 'controlled');
    const first = session.media.find((m) => !isPortZero(m));
    if (!first) return;
    const creds = iceCredentials(first, session);
    if (creds) agent.setRemoteCredentials(now, creds.ufrag, creds.pwd, { lite: isIceLite(session) });
    for (const m of session.media) for (const c of sdpCandidates(m)) this.addRemoteCandidateToAgent(now, c);
    if (session.media.some((m) => !isPortZero(m) && endOfCandidates(m, session))) agent.endOfRemoteCandidates(now);
    const app = session.media.find((m) => m.kind === 'application' && !isPortZero(m));
    const sctp = app ? remoteSctpParameters(app) : undefined;
    if (sctp) {
      this.remoteMaxMessageSize = sctp.maxMessageSize;
      this.remoteSctpPort = sctp.sctpPort;
      this.manager?.setRemoteMaxMessageSize(sctp.maxMessageSize);
    }
  }

  private addRemoteCandidateToAgent(now: number, c: SdpCandidate): void {
    let ice;
    try {
      ice = parseIceCandidate(serializeSdpCandidate(c));
    } catch (e) {
      if (e instanceof ParseError) return; // a candidate type or transport ICE does not use
      throw e;
    }
    this.agent?.addRemoteCandidate(now, ice);
  }

  /** An offer/answer exchange completed: fix the DTLS role and start DTLS and SCTP. */
  private applyAnswer(now: number, offer: SessionDescription, answer: SessionDescription, answeredBy: 'local' | 'remote'): void {
    const remote = answeredBy === 'local' ? offer : answer;
    const firstAnswer = answer.media.find((m) => !isPortZero(m));
    if (!firstAnswer) return;
    const answerSetupRole = setupRole(firstAnswer, answer);
    // RFC 4145 section 4: the active side connects, i.e. is the DTLS client.
    const answererIsClient = answerSetupRole === 'active';
    const role: 'client' | 'server' = (answeredBy === 'local') === answererIsClient ? 'client' : 'server';
    const remoteFirst = remote.media.find((m) => !isPortZero(m)) as MediaDescription;
    const fps = sdpFingerprints(remoteFirst, remote)
      .filter((f) => ['sha-1', 'sha-256', 'sha-384', 'sha-512'].includes(f.algorithm.toLowerCase()))
      .map((f) => ({ algorithm: f.algorithm.toLowerCase() as FingerprintAlgorithm, value: f.value.toUpperCase() }));
    if (this.dtls === undefined) {
      this.dtlsRoleValue = role;
      this.dtls = new DtlsEndpoint({ role, certificate: this.certificate, remoteFingerprints: fps, rng: this.random });
      if (role === 'client' && this.agent?.selectedPair) this.dtls.start(now);
      const early = this.earlyDtls;
      this.earlyDtls = [];
      for (const d of early) this.dtls.handleInput(now, d);
    }
    const hasData = answer.media.some((m) => m.kind === 'application' && !isPortZero(m));
    if (hasData && this.manager === undefined) {
      const association = new SctpAssociation({ rng: this.random, localPort: 5000, remotePort: this.remoteSctpPort });
      this.manager = new DataChannelManager(association, {
        dtlsRole: this.dtlsRoleValue as 'client' | 'server',
        remoteMaxMessageSize: this.remoteMaxMessageSize ?? 65536,
      });
      for (const e of this.channels.values()) this.startChannel(now, e);
      if (this.dtls.state === 'connected') this.manager.connect(now);
    }
    this.negotiationNeededQueued = false;
    this.updateNegotiationNeeded();
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

  private addLocalCandidateTo(session: SessionDescription, text: string): SessionDescription {
    let c: SdpCandidate;
    try {
      c = parseSdpCandidate(text);
    } catch {
      return session;
    }
    let out = session;
    session.media.forEach((m, i) => {
      if (!isPortZero(m)) out = addCandidate(out, i, c);
    });
    return out;
  }

  private endLocalCandidates(session: SessionDescription): SessionDescription {
    let out = session;
    session.media.forEach((m, i) => {
      if (!isPortZero(m)) out = addEndOfCandidates(out, i);
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
      const agent = this.agent;
      if (agent) {
        for (let e = agent.pollEvent(); e; e = agent.pollEvent()) {
          moved = true;
          this.onIceEvent(now, e);
        }
        for (let t = agent.pollTransmit(); t; t = agent.pollTransmit()) {
          moved = true;
          this.pairStats.sent(now, t.from, t.to, t.data);
          if (t.relayed) {
            const relay = this.relays.find((r) => r.relayed && r.relayed.address === t.from.address && r.relayed.port === t.from.port);
            if (relay) relay.send(now, t.to, t.data);
            else this.stats.transmitsDropped++;
          } else this.queueTransmit(t);
        }
      }
      if (this.flushRelays(now)) moved = true;
      if (this.flushDtls(now)) moved = true;
      if (this.flushManager(now)) moved = true;
      if (!moved) break;
    }
    this.updateConnectionState();
  }

  private queueTransmit(t: Transmit): void {
    if (this.transmits.length < MAX_QUEUED_PEER_TRANSMITS) this.transmits.push(t);
    else this.stats.transmitsDropped++;
  }

  private flushRelays(now: number): boolean {
    let moved = false;
    const agent = this.agent;
    for (const r of this.relays) {
      for (let t = r.client.pollTransmit(); t; t = r.client.pollTransmit()) {
        moved = true;
        this.queueTransmit({ from: r.base, to: t.to, data: t.data, relayed: false });
      }
      for (let e = r.pollEvent(); e; e = r.pollEvent()) {
        moved = true;
        if (!agent) continue;
        if (e.type === 'allocated') {
          agent.addRelayedCandidate(now, r.id, { relayed: e.relayed, server: r.config.server, ...(e.mapped ? { mapped: e.mapped } : {}) });
        } else if (e.type === 'data') {
          const relayed = r.relayed;
          if (relayed) {
            this.pairStats.received(now, relayed, e.peer, e.data);
            agent.handleInput(now, { local: relayed, remote: e.peer, data: e.data });
          }
        } else if (e.type === 'error' && e.operation === 'allocate') {
          agent.addRelayedCandidate(now, r.id, undefined, { url: r.config.url, errorCode: e.code, errorText: e.reason });
        } else if (e.type === 'closed' && e.reason === 'failed' && r.relayed === undefined) {
          agent.addRelayedCandidate(now, r.id, undefined, { url: r.config.url, errorCode: 701, errorText: 'TURN allocation failed' });
        }
      }
    }
    return moved;
  }

  private flushDtls(now?: number): boolean {
    const dtls = this.dtls;
    if (!dtls) return false;
    let moved = false;
    for (let e = dtls.pollEvent(); e; e = dtls.pollEvent()) {
      moved = true;
      if (e.type === 'connected') {
        if (this.manager && now !== undefined) this.manager.connect(now);
      } else if (e.type === 'data') {
        if (this.manager && now !== undefined) this.manager.handleInput(now, e.data);
      } else if (e.type === 'closed') {
        if (e.error !== undefined) this.dtlsFailed = true;
        // RFC 8261 section 6: SCTP lives inside DTLS; without it the channels are gone.
        if (this.manager && now !== undefined) this.manager.association.abort(now, `DTLS closed: ${e.reason}`);
      }
    }
    for (let d = dtls.pollTransmit(); d; d = dtls.pollTransmit()) {
      moved = true;
      this.agent?.send(d);
    }
    return moved;
  }

  private flushManager(now?: number): boolean {
    const m = this.manager;
    if (!m) return false;
    let moved = false;
    for (let p = m.pollTransmit(); p; p = m.pollTransmit()) {
      moved = true;
      if (this.dtls?.state === 'connected') this.dtls.send(p);
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

  private onIceEvent(now: number, e: IceEvent): void {
    switch (e.type) {
      case 'candidate': {
        const text = serializeIceCandidate(e.candidate);
        this.updateLocalDescriptions((s) => this.addLocalCandidateTo(s, text));
        const local = (this.pendingLocal ?? this.currentLocal)?.session;
        const first = local?.media.findIndex((m) => !isPortZero(m)) ?? 0;
        const mediaIndex = Math.max(0, first);
        const m = local?.media[mediaIndex];
        this.pushEvent({ type: 'icecandidate', candidate: { candidate: text, sdpMid: (m && sdpMid(m)) ?? '0', sdpMLineIndex: mediaIndex, usernameFragment: e.ufrag } });
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
        if (e.state === 'complete') {
          this.updateLocalDescriptions((s) => this.endLocalCandidates(s));
        }
        this.iceGathering = e.state;
        this.pushEvent({ type: 'icegatheringstatechange', state: e.state });
        if (e.state === 'complete') this.pushEvent({ type: 'icecandidate', candidate: null });
        break;
      case 'connection-state':
        this.iceConnection = e.state;
        this.pushEvent({ type: 'iceconnectionstatechange', state: e.state });
        if ((e.state === 'connected' || e.state === 'completed') && this.dtls && this.dtls.state === 'new' && this.dtls.role === 'client') this.dtls.start(now);
        break;
      case 'selected-pair':
        this.selectedPairChanges++;
        if (this.dtls && this.dtls.state === 'new' && this.dtls.role === 'client') this.dtls.start(now);
        break;
      case 'data':
        this.onData(now, e.data);
        break;
      default:
        break;
    }
  }

  /** RFC 7983 section 7: the first byte tells DTLS from RTP/RTCP (STUN went to ICE already). */
  private onData(now: number, data: Uint8Array): void {
    const b = data[0];
    if (b === undefined) {
      this.stats.unknownDatagramsDropped++;
      return;
    }
    if (b >= FIRST_BYTE.dtlsMin && b <= FIRST_BYTE.dtlsMax) {
      this.stats.dtlsDatagramsIn++;
      if (this.dtls) {
        if (this.dtls.state === 'new' && this.dtls.role === 'client') this.dtls.start(now);
        this.dtls.handleInput(now, data);
      } else if (this.earlyDtls.length < MAX_EARLY_DTLS_DATAGRAMS) this.earlyDtls.push(data.slice());
      else this.stats.earlyDtlsDropped++;
      return;
    }
    if (b >= FIRST_BYTE.rtpMin && b <= FIRST_BYTE.rtpMax) {
      this.stats.rtpDatagramsDropped++;
      return;
    }
    this.stats.unknownDatagramsDropped++;
  }

  /** W3C 4.3.3 RTCPeerConnectionState from the ICE and DTLS transports. */
  private updateConnectionState(): void {
    if (this.closedFlag) return;
    const ice = this.iceConnection;
    const dtls = this.dtls?.state ?? 'new';
    let s: PeerConnectionState;
    if (ice === 'failed' || this.dtlsFailed) s = 'failed';
    else if (ice === 'disconnected') s = 'disconnected';
    else if ((ice === 'new' || ice === 'closed') && (dtls === 'new' || dtls === 'closed')) s = 'new';
    else if ((ice === 'connected' || ice === 'completed') && dtls === 'connected') s = 'connected';
    else if (dtls === 'closed' && this.connection === 'connected') s = 'closed';
    else s = 'connecting';
    if (s === this.connection) return;
    if (s === 'closed') return;
    this.connection = s;
    this.pushEvent({ type: 'connectionstatechange', state: s });
  }
}
