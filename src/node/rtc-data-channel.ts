/**
 * @module node/rtc-data-channel
 * W3C webrtc-pc 6.2: RTCDataChannel over the sans-IO peer (src/peer), which carries it
 * on SCTP streams with DCEP (RFC 8831, RFC 8832). Messages are strings or ArrayBuffers
 * (`binaryType` 'arraybuffer'); Blob is not supported (its bytes are only available
 * asynchronously).
 */
import { EventHandlers, RTCError, RTCErrorEvent } from './rtc-events.js';

export type RTCDataChannelState = 'connecting' | 'open' | 'closing' | 'closed';
export type BinaryType = 'arraybuffer' | 'blob';

export interface RTCDataChannelInit {
  ordered?: boolean;
  maxPacketLifeTime?: number;
  maxRetransmits?: number;
  protocol?: string;
  negotiated?: boolean;
  id?: number;
}

/** What the channel needs from its peer connection (internal). */
export interface DataChannelHost {
  send(key: number, data: string | Uint8Array): void;
  close(key: number): void;
  bufferedAmount(key: number): number;
  setLowThreshold(key: number, bytes: number): void;
  maxMessageSize(): number;
}

export interface DataChannelParams {
  readonly key: number;
  readonly label: string;
  readonly id: number | null;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly negotiated: boolean;
}

const encoder = new TextEncoder();

export class RTCDataChannel extends EventTarget {
  readonly label: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  readonly protocol: string;
  readonly negotiated: boolean;
  readonly priority = 'low';
  #id: number | null;
  #state: RTCDataChannelState = 'connecting';
  #binaryType: BinaryType = 'arraybuffer';
  #threshold = 0;
  #closedBytes = 0;
  #openFired = false;
  #key: number;
  readonly #host: DataChannelHost;
  readonly #on = new EventHandlers(this);

  /** @internal Created by RTCPeerConnection. */
  constructor(host: DataChannelHost, p: DataChannelParams) {
    super();
    this.#host = host;
    this.#key = p.key;
    this.label = p.label;
    this.#id = p.id;
    this.protocol = p.protocol;
    this.ordered = p.ordered;
    this.maxRetransmits = p.maxRetransmits;
    this.maxPacketLifeTime = p.maxPacketLifeTime;
    this.negotiated = p.negotiated;
  }

  get id(): number | null {
    return this.#id;
  }
  get readyState(): RTCDataChannelState {
    return this.#state;
  }
  get bufferedAmount(): number {
    return this.#state === 'closed' ? this.#closedBytes : this.#host.bufferedAmount(this.#key);
  }
  get bufferedAmountLowThreshold(): number {
    return this.#threshold;
  }
  set bufferedAmountLowThreshold(v: number) {
    this.#threshold = Math.max(0, Math.trunc(Number(v)) >>> 0);
    this.#host.setLowThreshold(this.#key, this.#threshold);
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(v: BinaryType) {
    if (v !== 'arraybuffer' && v !== 'blob') throw new DOMException(`binaryType ${String(v)}`, 'SyntaxError');
    this.#binaryType = v;
  }

  get onopen(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('open'); }
  set onopen(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('open', f); }
  get onmessage(): ((ev: MessageEvent) => unknown) | null { return this.#on.get<MessageEvent>('message'); }
  set onmessage(f: ((ev: MessageEvent) => unknown) | null) { this.#on.set<MessageEvent>('message', f); }
  get onclose(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('close'); }
  set onclose(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('close', f); }
  get onclosing(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('closing'); }
  set onclosing(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('closing', f); }
  get onerror(): ((ev: RTCErrorEvent) => unknown) | null { return this.#on.get<RTCErrorEvent>('error'); }
  set onerror(f: ((ev: RTCErrorEvent) => unknown) | null) { this.#on.set<RTCErrorEvent>('error', f); }
  get onbufferedamountlow(): ((ev: Event) => unknown) | null { return this.#on.get<Event>('bufferedamountlow'); }
  set onbufferedamountlow(f: ((ev: Event) => unknown) | null) { this.#on.set<Event>('bufferedamountlow', f); }

  /** W3C 6.2 send(): TypeError when larger than the peer's max-message-size. */
  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.#state !== 'open') throw new DOMException(`RTCDataChannel.send in readyState ${this.#state}`, 'InvalidStateError');
    let payload: string | Uint8Array;
    let size: number;
    if (typeof data === 'string') {
      payload = data;
      size = encoder.encode(data).length;
    } else if (data instanceof ArrayBuffer) {
      payload = new Uint8Array(data.slice(0));
      size = data.byteLength;
    } else if (ArrayBuffer.isView(data)) {
      payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      size = data.byteLength;
    } else {
      throw new TypeError('RTCDataChannel.send takes a string, an ArrayBuffer or an ArrayBufferView (Blob is not supported)');
    }
    if (size > this.#host.maxMessageSize()) throw new TypeError(`message of ${size} bytes exceeds maxMessageSize ${this.#host.maxMessageSize()}`);
    this.#host.send(this.#key, payload);
  }

  close(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#host.close(this.#key);
  }

  /** @internal */
  _bind(key: number): void {
    this.#key = key;
  }
  /** @internal */
  _setId(id: number): void {
    this.#id = id;
  }
  /** @internal W3C 6.2 "announce the data channel": open before the datachannel event. */
  _announced(): void {
    if (this.#state === 'connecting') this.#state = 'open';
  }
  /** @internal */
  _open(): void {
    if (this.#state === 'connecting') this.#state = 'open';
    if (this.#state !== 'open' || this.#openFired) return;
    this.#openFired = true;
    this.dispatchEvent(new Event('open'));
  }
  /** @internal */
  _message(data: string | Uint8Array): void {
    if (this.#state !== 'open' && this.#state !== 'closing') return;
    let value: string | ArrayBuffer | Blob;
    if (typeof data === 'string') value = data;
    else {
      // A reassembled message owns its whole buffer (the stack keeps no view of it): hand
      // it over; a view into a larger buffer (a packet) is copied out.
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      const ab = whole ? data.buffer : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
      value = this.#binaryType === 'blob' ? new Blob([ab]) : ab;
    }
    this.dispatchEvent(new MessageEvent('message', { data: value }));
  }
  /** @internal */
  _closing(): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#state = 'closing';
    this.dispatchEvent(new Event('closing'));
  }
  /** @internal */
  _closed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.dispatchEvent(new Event('close'));
  }
  /** @internal W3C 4.4.1.3 close(): the channel is closed without a close event. */
  _closedByPeerConnection(): void {
    this.#state = 'closed';
  }
  /** @internal */
  _error(message: string): void {
    this.dispatchEvent(new RTCErrorEvent('error', { error: new RTCError({ errorDetail: 'data-channel-failure' }, message) }));
  }
}
