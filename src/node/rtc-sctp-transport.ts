/**
 * @module node/rtc-sctp-transport
 * W3C webrtc-pc 6.1: RTCSctpTransport, the read-only view of the SCTP association that
 * carries the data channels (RFC 8261 over DTLS; RFC 8841 section 6 max-message-size).
 */
export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** What the transport reads from its peer connection (internal). */
export interface SctpTransportSource {
  maxMessageSize(): number;
  state(): RTCSctpTransportState;
  maxChannels(): number | null;
}

export class RTCSctpTransport extends EventTarget {
  readonly #source: SctpTransportSource;
  /** @internal Created by RTCPeerConnection once a data m= section is negotiated. */
  constructor(source: SctpTransportSource) {
    super();
    this.#source = source;
  }
  /** The largest message `RTCDataChannel.send` accepts (W3C "update the data max message size"). */
  get maxMessageSize(): number {
    return this.#source.maxMessageSize();
  }
  get state(): RTCSctpTransportState {
    return this.#source.state();
  }
  /** Streams negotiated in INIT/INIT ACK (RFC 9260 5.1.1), null before the association is up. */
  get maxChannels(): number | null {
    return this.#source.maxChannels();
  }
}
