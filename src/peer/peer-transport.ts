/**
 * @module peer/peer-transport
 * One transport of a peer connection: an ICE agent (RFC 8445) with its DTLS association
 * (RFC 6347 / RFC 9147, role from a=setup per RFC 8842 section 5), the SRTP session keyed
 * from it (RFC 5764 section 4.2) and its transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01: sequence numbers are per transport).
 *
 * With BUNDLE (RFC 8843) every section shares one; without it (a remote that does not
 * bundle, RFC 8843 section 7.4; "balanced" and "max-compat", RFC 8829 section 4.1.1) each
 * section or group has its own, with its own ICE credentials (RFC 8843 section 10: "each
 * m= section MUST contain unique ICE properties" in an initial BUNDLE offer). Transports
 * of one peer share its TURN allocations, and its sockets unless each was given bases of
 * its own (`transportBases: 'own'`, what the facade does); `pickTransport` tells their
 * datagrams apart.
 */
import type { DtlsEndpoint } from '../dtls/endpoint.js';
import type { IceAgent, IceConnectionState, IceGatheringState } from '../ice/agent.js';
import type { TransportAddress } from '../ice/stun-binding.js';
import { stunUsernameUfrag } from './socket-demux.js';
import { MediaSrtpSession } from './media-srtp.js';
import { TwccFeedbackGenerator } from './media-twcc.js';
import { TransportSequenceCounter } from '../media/rtp-stream-sender.js';
import { PairStatsTracker } from './pair-stats.js';

export type DtlsTransportState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

export class PeerTransport {
  /** Stable while the transport lives (W3C stats id `T<id>`). */
  readonly id: string;
  /** The mid whose section carries this transport's ICE credentials and candidates. */
  mid: string;
  readonly agent: IceAgent;
  /** Per-pair datagram and STUN counters for getStats (W3C webrtc-stats 7.18). */
  readonly pairStats = new PairStatsTracker();
  /** How many times ICE selected a (new) pair (RTCTransportStats.selectedCandidatePairChanges). */
  selectedPairChanges = 0;
  dtls: DtlsEndpoint | undefined;
  dtlsRole: 'client' | 'server' | undefined;
  dtlsFailed = false;
  /** DTLS datagrams that came before the answer fixed the role (bounded by the peer). */
  earlyDtls: Uint8Array[] = [];
  /** The ICE RTT last given to the DTLS endpoint (its first retransmission timeout). */
  dtlsRttMs: number | undefined;
  readonly srtp = new MediaSrtpSession();
  readonly twcc = new TwccFeedbackGenerator();
  /** Transport-wide sequence numbers of what we send (one counter per transport, draft-holmer-...-01 section 2). */
  readonly transportSequence = new TransportSequenceCounter();
  /** Negotiated ids of the transport-wide sequence number extension on this transport's receiving sections. */
  twccExtensionIds: number[] = [];
  /** SSRC our TWCC feedback is sent from, and whether reduced-size RTCP is negotiated for it. */
  twccSender: { readonly ssrc: number; readonly reducedSize: boolean } | undefined;
  /** The remote ufrag last applied (a new one in a remote offer is an ICE restart, RFC 8839 4.4.1.1.2). */
  remoteUfrag: string | undefined;
  iceGathering: IceGatheringState = 'new';
  iceConnection: IceConnectionState = 'new';
  /** Host bases of its own (`transportBases: 'own'`), undefined when it uses the peer's. */
  ownBases: TransportAddress[] | undefined;
  /** Gathering was asked for before its own bases were bound. */
  gatherWhenBases = false;
  /** The DTLS state the peer last reported (a change moves its transportVersion). */
  reportedDtlsState: DtlsTransportState = 'new';

  constructor(id: string, mid: string, agent: IceAgent) {
    this.id = id;
    this.mid = mid;
    this.agent = agent;
  }

  get dtlsState(): DtlsTransportState {
    if (this.dtlsFailed) return 'failed';
    const d = this.dtls?.state;
    return d === undefined || d === 'new' ? 'new' : d === 'handshaking' ? 'connecting' : d;
  }
}

/**
 * The transport a datagram from `remote` belongs to, when several share a socket: a STUN
 * request by the local ufrag its USERNAME names (RFC 8445 section 7.2.2), a STUN response
 * by its transaction (RFC 8489 section 6.3.3), anything else by the transport that has
 * the sender as a remote candidate (learned from its checks, RFC 8445 section 7.3.1.3),
 * else the first. With `local` (a host base the datagram arrived on): a base of a
 * transport's own means that transport; a shared base, one of those using shared bases.
 */
export function pickTransport(
  all: readonly PeerTransport[],
  remote: { readonly address: string; readonly port: number },
  data: Uint8Array,
  local?: { readonly address: string; readonly port: number },
): PeerTransport | undefined {
  let transports = all;
  if (transports.length <= 1) return transports[0];
  if (local !== undefined && transports.some((t) => t.ownBases !== undefined)) {
    for (const t of transports) if (t.ownBases?.some((b) => b.port === local.port && b.address === local.address)) return t;
    const shared = transports.filter((t) => t.ownBases === undefined);
    if (shared.length === 1) return shared[0];
    if (shared.length > 1) transports = shared;
  }
  const first = data[0];
  if (first !== undefined && first < 4) {
    const ufrag = stunUsernameUfrag(data);
    if (ufrag !== undefined) {
      for (const t of transports) if (t.agent.localUfrags.includes(ufrag)) return t;
    }
    for (const t of transports) if (t.agent.ownsTransaction(data)) return t;
  }
  for (const t of transports) {
    const p = t.agent.sendingPair;
    if (p && p.remote.port === remote.port && p.remote.address === remote.address) return t;
  }
  for (const t of transports) {
    if (t.agent.remoteCandidates.some((c) => c.port === remote.port && c.address === remote.address)) return t;
  }
  return transports[0];
}

/** The agent states W3C webrtc-pc 4.3.3 aggregates (RTCIceConnectionState). */
export function aggregateIceConnection(states: readonly IceConnectionState[]): IceConnectionState {
  const all = (ok: readonly IceConnectionState[]): boolean => states.every((x) => ok.includes(x));
  if (states.includes('failed')) return 'failed';
  if (states.includes('disconnected')) return 'disconnected';
  if (all(['new', 'closed'])) return 'new';
  if (states.includes('new') || states.includes('checking')) return 'checking';
  if (all(['completed', 'closed'])) return 'completed';
  return 'connected';
}

/** W3C webrtc-pc 4.3.2 RTCIceGatheringState over the transports. */
export function aggregateIceGathering(states: readonly IceGatheringState[]): IceGatheringState {
  if (states.includes('gathering')) return 'gathering';
  if (states.length > 0 && states.every((x) => x === 'complete')) return 'complete';
  return 'new';
}
