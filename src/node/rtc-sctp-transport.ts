/**
 * @module node/rtc-sctp-transport
 * W3C webrtc-pc 6.1: RTCSctpTransport, the read-only view of the SCTP association that
 * carries the data channels (RFC 8261 over DTLS; RFC 8841 section 6 max-message-size).
 */
import type { RTCDtlsTransport } from './rtc-dtls-transport.js';

export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** What the transport reads from its peer connection (internal). */
export interface SctpTransportSource {
  maxMessageSize(): number;
  state(): RTCSctpTransportState;
  maxChannels(): number | null;
  transport(): RTCDtlsTransport | null;
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
  /** W3C 6.1.1: the DTLS transport the SCTP packets go over (null only if the peer has none). */
  get transport(): RTCDtlsTransport | null {
    return this.#source.transport();
  }
  /** Streams negotiated in INIT/INIT ACK (RFC 9260 5.1.1), null before the association is up. */
  get maxChannels(): number | null {
    return this.#source.maxChannels();
  }
}
