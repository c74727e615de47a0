/**
 * @module node/rtc-dtls-transport
 * W3C webrtc-pc 5.5: RTCDtlsTransport, the read-only view of the DTLS transport (RFC 6347
 * / RFC 9147 over ICE, RFC 8842) that carries SRTP keys (RFC 5764) and SCTP (RFC 8261):
 * its state (5.5.1 RTCDtlsTransportState), the remote certificate chain
 * (getRemoteCertificates, DER) and its RTCIceTransport, with statechange events and an
 * error event (RTCError 'dtls-failure') when it fails.
 */
import { EventHandlers, RTCError, RTCErrorEvent } from './rtc-events.js';
import { RTCIceTransport } from './rtc-ice-transport.js';
import type { TransportSource } from './rtc-ice-transport.js';

export type RTCDtlsTransportState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

export class RTCDtlsTransport extends EventTarget {
  readonly #source: TransportSource;
  readonly #on = new EventHandlers(this);
  readonly #ice: RTCIceTransport;
  #state: RTCDtlsTransportState = 'new';
  #certificates: readonly Uint8Array[] = [];

  /** @internal Created by RTCPeerConnection once a description set up the transport. */
  constructor(source: TransportSource) {
    super();
    this.#source = source;
    this.#ice = new RTCIceTransport(source);
    this.#read();
  }

  get iceTransport(): RTCIceTransport {
    return this.#ice;
  }
  get state(): RTCDtlsTransportState {
    return this.#state;
  }
  /** W3C 5.5.1: the remote certificates (DER, leaf first) once DTLS connected; new buffers each call. */
  getRemoteCertificates(): ArrayBuffer[] {
    return this.#certificates.map((c) => c.slice().buffer);
  }

  get onstatechange(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('statechange'); }
  set onstatechange(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('statechange', f); }
  get onerror(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('error'); }
  set onerror(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('error', f); }

  /** Adopts the peer's DTLS state; true when it changed. */
  #read(): boolean {
    if (this.#state === 'closed') return false;
    const info = this.#source.info();
    if (!info) return false;
    if (info.remoteCertificates.length > 0) this.#certificates = info.remoteCertificates;
    if (info.dtlsState === this.#state) return false;
    this.#state = info.dtlsState;
    return true;
  }

  /** @internal The id of the peer transport this object shows now (undefined once none). */
  _id(): string | undefined {
    return this.#source.info()?.id;
  }

  /** @internal The ICE transport's part of `_update`, with the state the peer's event names (see RTCIceTransport._update). */
  _updateIce(fire = true, seen: Parameters<RTCIceTransport['_update']>[1] = {}): void {
    this.#ice._update(fire, seen);
  }

  /**
   * @internal Fires what changed: the ICE transport's events first (an ICE change is what
   * moves DTLS), then statechange (W3C 5.5 "update the DTLS transport state"). `fire`
   * false only adopts the state (W3C close() changes states without events).
   */
  _update(fire = true): void {
    this._updateIce(fire);
    if (!this.#read() || !fire) return;
    // W3C 5.5 (DTLS transport error): the error event, then statechange.
    if (this.#state === 'failed') this.dispatchEvent(new RTCErrorEvent('error', { error: new RTCError({ errorDetail: 'dtls-failure' }, 'the DTLS handshake failed') }));
    this.dispatchEvent(new Event('statechange'));
  }
}
