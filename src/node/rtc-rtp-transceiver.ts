/**
 * @module node/rtc-rtp-transceiver
 * W3C webrtc-pc 5.4 RTCRtpTransceiver: one m= section's sender and receiver. `mid` is
 * null until a description carrying it is applied (5.4 "mid"); `direction` (5.4.1) is
 * the wish that the next offer/answer carries (setting it updates the negotiation-needed
 * flag, 4.7.3); `currentDirection` the negotiated one from our side (null before, 'stopped'
 * once stopped); `stop()` (5.4 "stop the RTCRtpTransceiver": stops sending and receiving,
 * ends the receiver's track, rejects the section in the next offer);
 * `setCodecPreferences()` (5.4.1: each codec must be in the receiver's capabilities,
 * InvalidModificationError otherwise, and not only RTX/RED/FEC; empty resets; the peer
 * orders and filters the codecs of the next offer or answer by it).
 *
 * The facade's transceivers talk to the sans-IO peer through `MediaHost`, which the
 * RTCPeerConnection implements (keys are the peer's transceiver keys, its mids).
 */
import type { EncodedFrame } from '../media/frame.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpCodec, RTCRtpEncodingParameters } from './rtc-rtp-sender.js';
import { RTCRtpSender } from './rtc-rtp-sender.js';
import type { MediaStreamTrack, MediaStreamTrackKind } from './media-stream-track.js';
import type { RTCStatsReport } from './rtc-stats.js';
import type { RTCDtlsTransport } from './rtc-dtls-transport.js';
import type { RtpCodec } from '../media/codecs.js';
import type { TransceiverInfo } from '../peer/media-transceiver.js';

export type RTCRtpTransceiverDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | 'stopped';

/** One negotiated codec as the peer reports it. */
export type MediaCodecInfo = RtpCodec;

/** What the peer reports about one transceiver. */
export type MediaTransceiverInfo = TransceiverInfo;

/** @internal What transceivers, senders and receivers ask of their RTCPeerConnection. */
export interface MediaHost {
  isClosed(): boolean;
  sendFrame(t: RTCRtpTransceiver, frame: EncodedFrame): void;
  sendRtp(t: RTCRtpTransceiver, packet: RtpPacket): void;
  /** The track and streams the sender announces (msid), null for none. */
  setSendTrack(t: RTCRtpTransceiver, track: { readonly trackId: string; readonly streamIds: readonly string[] } | null): void;
  setDirection(t: RTCRtpTransceiver, direction: Exclude<RTCRtpTransceiverDirection, 'stopped'>): void;
  stop(t: RTCRtpTransceiver): void;
  requestKeyframe(t: RTCRtpTransceiver): void;
  setRtpEvents(t: RTCRtpTransceiver, on: boolean): void;
  info(t: RTCRtpTransceiver): MediaTransceiverInfo | undefined;
  /** RFC 5506 reduced-size RTCP negotiated (a=rtcp-rsize in the answer of the last exchange). */
  rtcpReducedSize(t: RTCRtpTransceiver): boolean;
  /** W3C 5.2/5.3 transport: the RTCDtlsTransport the transceiver's mid uses, null before a description set it. */
  transport(t: RTCRtpTransceiver): RTCDtlsTransport | null;
  /** The remote SSRC the receiver hears (for synchronization sources). */
  remoteSsrc(t: RTCRtpTransceiver): number | undefined;
  setCodecPreferences(t: RTCRtpTransceiver, codecs: readonly RTCRtpCodec[]): void;
  getStats(selector: RTCRtpSender | RTCRtpReceiver): Promise<RTCStatsReport>;
  /** The wall clock (ms since the Unix epoch) for RTCRtpSynchronizationSource.timestamp. */
  wallClock(): number;
  /** A remote track is muted after this long without media (0: never). */
  readonly muteAfterMs: number;
}

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The directions with a send part (W3C 5.1 addTrack reuse rule "never been used to send"). */
export function directionSends(d: string | null | undefined): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export class RTCRtpTransceiver {
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
  /** @internal The peer's key for it: its current mid once the peer has the transceiver. */
  _key: string | undefined;
  /** @internal The key the peer first gave it (what its 'transceiver-mid' events name). */
  _firstKey: string | undefined;
  /** @internal Created for a remote offer's section (not by addTrack/addTransceiver). */
  readonly _fromRemote: boolean;
  /** @internal W3C [[CurrentDirection]] has been sendrecv or sendonly at some point. */
  _hasSent = false;
  readonly #kind: MediaStreamTrackKind;
  readonly #host: MediaHost;
  #direction: Exclude<RTCRtpTransceiverDirection, 'stopped'>;
  #mid: string | null = null;
  #stopping = false;
  #stopped = false;
  #currentDirection: RTCRtpTransceiverDirection | null = null;
  #codecPreferences: RTCRtpCodec[] = [];

  /** @internal */
  constructor(host: MediaHost, init: { kind: MediaStreamTrackKind; direction: Exclude<RTCRtpTransceiverDirection, 'stopped'>; track: MediaStreamTrack | null; streamIds: readonly string[]; fromRemote: boolean; key?: string; sendEncodings?: readonly RTCRtpEncodingParameters[] }) {
    this.#host = host;
    this.#kind = init.kind;
    this.#direction = init.direction;
    this._fromRemote = init.fromRemote;
    this._key = init.key;
    this._firstKey = init.key;
    this.sender = new RTCRtpSender(host, this, init.kind, init.track, init.streamIds, init.sendEncodings);
    this.receiver = new RTCRtpReceiver(host, this, init.kind);
  }

  /** @internal The peer created it under `key`. */
  _bind(key: string): void {
    this._key = key;
    this._firstKey ??= key;
  }

  /** purertc: the media kind ('audio' | 'video'). */
  get kind(): MediaStreamTrackKind {
    return this.#kind;
  }
  get mid(): string | null {
    return this.#mid;
  }
  /** W3C 5.4: 'stopped' from stop() on ("stop sending and receiving" sets [[Direction]]). */
  get direction(): RTCRtpTransceiverDirection {
    return this.#stopping ? 'stopped' : this.#direction;
  }
  set direction(d: RTCRtpTransceiverDirection) {
    if (!DIRECTIONS.includes(d)) throw new TypeError(`invalid direction ${String(d)}`);
    if (this.#host.isClosed()) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    if (this.#stopping) throw new DOMException('the transceiver is stopping', 'InvalidStateError');
    const next = d as Exclude<RTCRtpTransceiverDirection, 'stopped'>;
    if (next === this.#direction) return;
    this.#direction = next;
    this.#host.setDirection(this, next);
  }
  /** W3C 5.4: the negotiated direction; 'stopped' once the stop was negotiated (or the connection closed). */
  get currentDirection(): RTCRtpTransceiverDirection | null {
    return this.#stopped ? 'stopped' : this.#currentDirection;
  }
  /** purertc: W3C [[Stopping]] (stop() was called, not yet negotiated). */
  get stopping(): boolean {
    return this.#stopping;
  }
  /** purertc: W3C [[Stopped]]. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** W3C 5.4 stop(): stops sending and receiving now; the section is rejected in the next offer. */
  stop(): void {
    if (this.#host.isClosed()) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    if (this.#stopping) return;
    this.#stopping = true;
    this.#host.stop(this);
    this.receiver._stop(false);
    this.sender._stop();
  }

  /** W3C 5.4.1 setCodecPreferences (handed to the peer for the next offer/answer). */
  setCodecPreferences(codecs: readonly RTCRtpCodec[]): void {
    if (!Array.isArray(codecs)) throw new TypeError('setCodecPreferences needs an array');
    if (codecs.length === 0) {
      this.#codecPreferences = [];
      this.#host.setCodecPreferences(this, []);
      return;
    }
    const caps = RTCRtpReceiver.getCapabilities(this.#kind)?.codecs ?? [];
    const same = (a: RTCRtpCodec, b: RTCRtpCodec): boolean =>
      a.mimeType.toLowerCase() === b.mimeType.toLowerCase() && a.clockRate === b.clockRate && (a.channels ?? 1) === (b.channels ?? 1) && (a.sdpFmtpLine ?? '') === (b.sdpFmtpLine ?? '');
    for (const c of codecs) {
      if (c === null || typeof c !== 'object' || typeof c.mimeType !== 'string') throw new TypeError('a codec needs a mimeType');
      if (!caps.some((k) => same(k, c))) throw new DOMException(`codec ${c.mimeType} is not in RTCRtpReceiver.getCapabilities('${this.#kind}')`, 'InvalidModificationError');
    }
    const media = codecs.filter((c) => !/\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType));
    if (media.length === 0) throw new DOMException('only resiliency codecs (rtx, red, fec) given', 'InvalidModificationError');
    this.#codecPreferences = codecs.map((c) => ({ ...c }));
    this.#host.setCodecPreferences(this, this.#codecPreferences);
  }

  /** purertc: the preferences given to setCodecPreferences (empty: the default order). */
  get codecPreferences(): readonly RTCRtpCodec[] {
    return this.#codecPreferences;
  }

  /** @internal After a description was applied: mid and the negotiated direction. */
  _sync(mid: string | null, currentDirection: string | null, stopped: boolean): void {
    if (mid !== null) this.#mid = mid;
    if (currentDirection !== null && DIRECTIONS.includes(currentDirection)) {
      this.#currentDirection = currentDirection as RTCRtpTransceiverDirection;
      if (directionSends(currentDirection)) this._hasSent = true;
    }
    if (stopped && !this.#stopped) this._markStopped(false);
  }

  /**
   * @internal W3C [[Stopped]]: negotiated away (the remote rejected the section: the
   * receiver's track fires `ended` unless we stopped it ourselves) or the connection closed.
   */
  _markStopped(closing: boolean): void {
    const byRemote = !this.#stopping && !closing;
    this.#stopping = true;
    this.#stopped = true;
    this.receiver._stop(byRemote);
    this.sender._stop();
  }

  /** @internal Rollback of the offer that created our direction wish (W3C 4.4.1.5 rollback). */
  _setDirectionQuietly(d: Exclude<RTCRtpTransceiverDirection, 'stopped'>): void {
    this.#direction = d;
  }
}
