/**
 * @module node/rtc-ice-transport
 * W3C webrtc-pc 5.6: RTCIceTransport, the read-only view of the ICE transport (RFC 8445)
 * that RTP and data channels run over: its role (RFC 8445 section 6.1.1), transport state
 * (5.6.4 RTCIceTransportState), gatherer state (5.6.3 RTCIceGathererState) and selected
 * candidate pair (5.6.1 getSelectedCandidatePair, RFC 8445 section 8.1.1), with
 * statechange, gatheringstatechange and selectedcandidatepairchange events.
 */
import type { PeerTransportInfo } from '../peer/peer-connection.js';
import type { Candidate } from '../ice/candidate.js';
import { serializeCandidate } from '../ice/candidate.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCIceComponent } from './rtc-ice-candidate.js';
import { EventHandlers } from './rtc-events.js';

export type RTCIceTransportState = 'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';
export type RTCIceGathererState = 'new' | 'gathering' | 'complete';
export type RTCIceRole = 'unknown' | 'controlling' | 'controlled';

/** W3C 5.6.2 RTCIceCandidatePair. */
export interface RTCIceCandidatePair {
  readonly local: RTCIceCandidate;
  readonly remote: RTCIceCandidate;
}

/** What the transport reads from its peer connection (internal). */
export interface TransportSource {
  /** The peer's view of this transport now; undefined once it no longer exists. */
  info(): PeerTransportInfo | undefined;
}

/** An ICE candidate of the selected pair as the W3C object (its sdpMid: the transport's first section). */
function toRtcCandidate(c: Candidate, mid: string): RTCIceCandidate {
  return new RTCIceCandidate({ candidate: serializeCandidate(c), sdpMid: mid, sdpMLineIndex: 0 });
}

export class RTCIceTransport extends EventTarget {
  readonly #source: TransportSource;
  readonly #on = new EventHandlers(this);
  #state: RTCIceTransportState = 'new';
  #gathering: RTCIceGathererState = 'new';
  #role: RTCIceRole = 'unknown';
  #pairKey: string | undefined;
  #pair: RTCIceCandidatePair | null = null;

  /** @internal Created by RTCPeerConnection with the transport's RTCDtlsTransport. */
  constructor(source: TransportSource) {
    super();
    this.#source = source;
    this._update(false);
  }

  get role(): RTCIceRole {
    return this.#role;
  }
  /** RTCP is multiplexed (RFC 5761, required by RFC 8829 section 5.1.1): always 'rtp'. */
  get component(): RTCIceComponent {
    return 'rtp';
  }
  get state(): RTCIceTransportState {
    return this.#state;
  }
  get gatheringState(): RTCIceGathererState {
    return this.#gathering;
  }
  /** W3C 5.6.1: the selected pair, null while none is selected (or once closed). */
  getSelectedCandidatePair(): RTCIceCandidatePair | null {
    return this.#pair;
  }

  get onstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('statechange'); }
  set onstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('statechange', f); }
  get ongatheringstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('gatheringstatechange'); }
  set ongatheringstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('gatheringstatechange', f); }
  get onselectedcandidatepairchange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('selectedcandidatepairchange'); }
  set onselectedcandidatepairchange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('selectedcandidatepairchange', f); }

  /**
   * @internal Reads the peer's state and fires what changed: gatheringstatechange (5.6.3),
   * selectedcandidatepairchange (5.6.1), statechange (5.6.4), in that order. `fire` false
   * only adopts the state (at creation, at close). `seen` is a state the peer passed through
   * (its state events), so that a change and its reversal within one drain both fire.
   */
  _update(fire = true, seen: { readonly gathering?: RTCIceGathererState; readonly state?: RTCIceTransportState } = {}): void {
    if (this.#state === 'closed') return;
    const info = this.#source.info();
    if (!info) return;
    this.#role = info.iceRole ?? 'unknown';
    const gathering = seen.gathering ?? info.iceGatheringState;
    const state = seen.state ?? info.iceState;
    const pair = state === 'closed' ? undefined : info.selectedPair;
    const pairKey = pair ? `${serializeCandidate(pair.local)}|${serializeCandidate(pair.remote)}` : undefined;
    const events: string[] = [];
    if (gathering !== this.#gathering) {
      this.#gathering = gathering;
      events.push('gatheringstatechange');
    }
    if (pairKey !== this.#pairKey) {
      this.#pairKey = pairKey;
      this.#pair = pair ? { local: toRtcCandidate(pair.local, info.mid), remote: toRtcCandidate(pair.remote, info.mid) } : null;
      // W3C 5.6.1: the event is for a newly selected pair, not for losing it at close.
      if (pair) events.push('selectedcandidatepairchange');
    }
    if (state !== this.#state) {
      this.#state = state;
      events.push('statechange');
    }
    if (fire) for (const e of events) this.dispatchEvent(new Event(e));
  }
}
