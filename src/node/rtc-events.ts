/**
 * @module node/rtc-events
 * The event classes of W3C webrtc-pc: RTCPeerConnectionIceEvent (4.8.2),
 * RTCPeerConnectionIceErrorEvent (4.8.3), RTCDataChannelEvent (6.3), RTCError and
 * RTCErrorEvent (11.1-11.2), and the `on<event>` attribute helper (HTML event handler
 * IDL attributes) the facade classes share.
 */
import type { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCDataChannel } from './rtc-data-channel.js';

export class RTCPeerConnectionIceEvent extends Event {
  readonly candidate: RTCIceCandidate | null;
  readonly url: string | null;
  constructor(type: string, init: { candidate?: RTCIceCandidate | null; url?: string | null } = {}) {
    super(type);
    this.candidate = init.candidate ?? null;
    this.url = init.url ?? null;
  }
}

export class RTCPeerConnectionIceErrorEvent extends Event {
  readonly address: string | null;
  readonly port: number | null;
  readonly url: string;
  readonly errorCode: number;
  readonly errorText: string;
  constructor(type: string, init: { address?: string | null; port?: number | null; url?: string; errorCode: number; errorText?: string }) {
    super(type);
    this.address = init.address ?? null;
    this.port = init.port ?? null;
    this.url = init.url ?? '';
    this.errorCode = init.errorCode;
    this.errorText = init.errorText ?? '';
  }
}

export class RTCDataChannelEvent extends Event {
  readonly channel: RTCDataChannel;
  constructor(type: string, init: { channel: RTCDataChannel }) {
    super(type);
    this.channel = init.channel;
  }
}

export type RTCErrorDetailType =
  | 'data-channel-failure'
  | 'dtls-failure'
  | 'fingerprint-failure'
  | 'sctp-failure'
  | 'sdp-syntax-error'
  | 'hardware-encoder-not-available'
  | 'hardware-encoder-error';

/** W3C webrtc-pc 11.1: a DOMException named OperationError with a detail. */
export class RTCError extends DOMException {
  readonly errorDetail: RTCErrorDetailType;
  readonly sdpLineNumber: number | null;
  readonly sctpCauseCode: number | null;
  readonly receivedAlert: number | null;
  readonly sentAlert: number | null;
  readonly httpRequestStatusCode: number | null;
  constructor(init: { errorDetail: RTCErrorDetailType; sdpLineNumber?: number; sctpCauseCode?: number; receivedAlert?: number; sentAlert?: number }, message = '') {
    super(message, 'OperationError');
    this.errorDetail = init.errorDetail;
    this.sdpLineNumber = init.sdpLineNumber ?? null;
    this.sctpCauseCode = init.sctpCauseCode ?? null;
    this.receivedAlert = init.receivedAlert ?? null;
    this.sentAlert = init.sentAlert ?? null;
    this.httpRequestStatusCode = null;
  }
}

export class RTCErrorEvent extends Event {
  readonly error: RTCError;
  constructor(type: string, init: { error: RTCError }) {
    super(type);
    this.error = init.error;
  }
}

type Handler = ((ev: Event) => unknown) | null;

/**
 * Holds the `on<event>` attributes of one EventTarget: setting one replaces the previous
 * listener for that event (HTML "event handler IDL attributes").
 */
export class EventHandlers {
  private readonly target: EventTarget;
  private readonly handlers = new Map<string, { fn: Handler; listener: (ev: Event) => void }>();
  constructor(target: EventTarget) {
    this.target = target;
  }
  get<E extends Event>(type: string): ((ev: E) => unknown) | null {
    return (this.handlers.get(type)?.fn ?? null) as ((ev: E) => unknown) | null;
  }
  set<E extends Event>(type: string, value: ((ev: E) => unknown) | null): void {
    const fn = value as Handler;
    const old = this.handlers.get(type);
    if (old) this.target.removeEventListener(type, old.listener);
    this.handlers.delete(type);
    if (typeof fn !== 'function') return;
    const listener = (ev: Event): void => {
      fn.call(this.target, ev);
    };
    this.handlers.set(type, { fn, listener });
    this.target.addEventListener(type, listener);
  }
}
