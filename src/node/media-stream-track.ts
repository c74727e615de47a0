/**
 * @module node/media-stream-track
 * W3C mediacapture-streams 4.3 MediaStreamTrack for Node, carrying encoded media.
 *
 * - Attributes and states (4.3.1): `id`, `kind`, `label`, `enabled`, `muted`,
 *   `readyState` ('live' | 'ended'); `stop()` ends the track without an event (4.3.1.1
 *   "stop()"), the UA ending it (the transceiver stopped, the connection closed) fires
 *   `ended` (4.3.1.2 "track ended by the User Agent"); `clone()` (4.3.1.4) shares the
 *   source; `mute`/`unmute` (4.3.1.3) for remote tracks follow webrtc-pc 4.4.1.6 / 5.3
 *   (muted at creation, unmuted on the first packet, muted when the remote stops sending
 *   or no media came for RTCConfiguration.remoteTrackMuteAfterMs, the RTP source timing out).
 * - `getSettings()`, `getConstraints()`, `applyConstraints()`, `getCapabilities()`
 *   (4.3.8): there is no capture device; settings are the ones given at construction.
 * - Node sources and sinks (purertc, werift's shape): `new MediaStreamTrack({ kind })` is
 *   a local source; `writeFrame()` feeds an encoded frame (timestamp in the codec clock)
 *   and `writeRtp()` an RTP packet to every sender the track (or a clone) is attached to.
 *   Every live track of a source also receives its frames as `frame` events
 *   (RTCEncodedFrameEvent), so a local track can be recorded too. A remote track (the
 *   receiver's, webrtc-pc 5.3) gets the frames the receiver reassembles; if it is added to
 *   another connection's sender those frames are sent on there (forwarding). `rtp` events
 *   carry received packets and are turned on only while someone listens (they cost a copy
 *   per packet). Keyframe requests from the far end of a sender arrive as
 *   `keyframerequest` events; `requestKeyframe()` on a remote track sends a PLI/FIR.
 * - A disabled track (`enabled = false`) sends nothing: encoded media cannot be blanked
 *   (the spec sends black frames or silence, 4.3.1.1 "enabled").
 */
import { randomUUID } from 'node:crypto';
import type { EncodedFrame } from '../media/frame.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { EventHandlers } from './rtc-events.js';

export type MediaStreamTrackKind = 'audio' | 'video';
export type MediaStreamTrackState = 'live' | 'ended';

/** An encoded frame as a track carries it (purertc). */
export interface RTCEncodedFrame {
  readonly data: Uint8Array;
  /** RTP timestamp in the codec clock (90 kHz video, 48 kHz Opus). */
  readonly timestamp: number;
  readonly keyframe: boolean;
  /** 'video/VP8', 'audio/opus'...: the negotiated codec for received frames, what the writer said for local ones. */
  readonly mimeType?: string;
  readonly clockRate?: number;
  readonly payloadType?: number;
}

/** What `writeFrame` accepts. */
export interface RTCEncodedFrameInit {
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly keyframe?: boolean;
  readonly mimeType?: string;
}

/** purertc: the `frame` event of a track. */
export class RTCEncodedFrameEvent extends Event {
  readonly frame: RTCEncodedFrame;
  constructor(type: string, init: { frame: RTCEncodedFrame }) {
    super(type);
    this.frame = init.frame;
  }
}

/** purertc: the `rtp` event of a track. */
export class RTCRtpPacketEvent extends Event {
  readonly packet: RtpPacket;
  constructor(type: string, init: { packet: RtpPacket }) {
    super(type);
    this.packet = init.packet;
  }
}

export interface MediaStreamTrackInit {
  readonly kind: MediaStreamTrackKind;
  readonly id?: string;
  readonly label?: string;
}

export interface MediaTrackSettings {
  deviceId?: string;
  groupId?: string;
  width?: number;
  height?: number;
  frameRate?: number;
  sampleRate?: number;
  channelCount?: number;
}

export type MediaTrackConstraints = Record<string, unknown>;

/** @internal A sender a track is attached to (implemented by RTCRtpSender). */
export interface TrackSink {
  _sendFrame(frame: EncodedFrame): void;
  _sendRtp(packet: RtpPacket): void;
}

/** @internal The receiver side of a remote source (implemented by RTCRtpReceiver). */
export interface RemoteSourceHost {
  requestKeyframe(): void;
  setRtpEvents(on: boolean): void;
}

/**
 * @internal What clones share (mediacapture 4.3.1.4: a clone has the same source): the
 * tracks fed by it, and for a remote source the receiver behind it.
 */
export class TrackSource {
  readonly kind: MediaStreamTrackKind;
  readonly remote: RemoteSourceHost | undefined;
  readonly tracks = new Set<MediaStreamTrack>();
  #rtpListening = false;
  constructor(kind: MediaStreamTrackKind, remote?: RemoteSourceHost) {
    this.kind = kind;
    this.remote = remote;
  }

  /** A frame from the writer or the receiver: events on each live track, then its senders. */
  deliverFrame(frame: RTCEncodedFrame): void {
    for (const t of [...this.tracks]) t._frame(frame);
  }

  /** A packet: events on each track; written (not received) packets also go to senders. */
  deliverRtp(packet: RtpPacket, written: boolean): void {
    for (const t of [...this.tracks]) t._rtp(packet, written);
  }

  /** A sender's far end wants a keyframe: `keyframerequest` on each live track; a remote source asks its own sender (forwarding). */
  keyframeRequested(): void {
    this.remote?.requestKeyframe();
    for (const t of [...this.tracks]) if (t.readyState === 'live') t.dispatchEvent(new Event('keyframerequest'));
  }

  /** Re-evaluates whether any live track listens to `rtp` (receivers make those events only then). */
  updateRtpListening(): void {
    let on = false;
    for (const t of this.tracks) if (t.readyState === 'live' && t._rtpListeners > 0) on = true;
    if (on === this.#rtpListening) return;
    this.#rtpListening = on;
    this.remote?.setRtpEvents(on);
  }
}

type Listener = EventListenerOrEventListenerObject;

const capturing = (options: EventListenerOptions | boolean | undefined): boolean => (typeof options === 'boolean' ? options : (options?.capture ?? false));

export class MediaStreamTrack extends EventTarget {
  readonly id: string;
  readonly kind: MediaStreamTrackKind;
  readonly label: string;
  #enabled = true;
  #muted: boolean;
  #state: MediaStreamTrackState = 'live';
  #constraints: MediaTrackConstraints = {};
  /** @internal */
  readonly _source: TrackSource;
  /** @internal Senders this track is attached to. */
  readonly _sinks = new Set<TrackSink>();
  /** @internal How many `rtp` listeners are registered. */
  _rtpListeners = 0;
  readonly #on = new EventHandlers(this);

  /** `source` is internal (receivers and clone() share one); applications pass only `init`. */
  constructor(init: MediaStreamTrackInit, source?: TrackSource) {
    super();
    if (init === null || typeof init !== 'object' || (init.kind !== 'audio' && init.kind !== 'video')) throw new TypeError("MediaStreamTrack needs { kind: 'audio' | 'video' }");
    this.kind = init.kind;
    this.id = init.id ?? randomUUID();
    this.label = init.label ?? '';
    this._source = source ?? new TrackSource(init.kind);
    if (this._source.kind !== this.kind) throw new TypeError('source kind mismatch');
    this.#muted = this._source.remote !== undefined;
    this._source.tracks.add(this);
  }

  get enabled(): boolean {
    return this.#enabled;
  }
  set enabled(v: boolean) {
    this.#enabled = Boolean(v);
  }
  get muted(): boolean {
    return this.#muted;
  }
  get readyState(): MediaStreamTrackState {
    return this.#state;
  }
  /** purertc: true for a receiver's track (and its clones). */
  get remote(): boolean {
    return this._source.remote !== undefined;
  }
  /** mediacapture 4.3.1 contentHint. */
  contentHint = '';

  get onended(): ((ev: Event) => unknown) | null { return this.#on.get('ended'); }
  set onended(f: ((ev: Event) => unknown) | null) { this.#on.set('ended', f); }
  get onmute(): ((ev: Event) => unknown) | null { return this.#on.get('mute'); }
  set onmute(f: ((ev: Event) => unknown) | null) { this.#on.set('mute', f); }
  get onunmute(): ((ev: Event) => unknown) | null { return this.#on.get('unmute'); }
  set onunmute(f: ((ev: Event) => unknown) | null) { this.#on.set('unmute', f); }
  get onframe(): ((ev: RTCEncodedFrameEvent) => unknown) | null { return this.#on.get<RTCEncodedFrameEvent>('frame'); }
  set onframe(f: ((ev: RTCEncodedFrameEvent) => unknown) | null) { this.#on.set<RTCEncodedFrameEvent>('frame', f); }
  get onrtp(): ((ev: RTCRtpPacketEvent) => unknown) | null { return this.#on.get<RTCRtpPacketEvent>('rtp'); }
  set onrtp(f: ((ev: RTCRtpPacketEvent) => unknown) | null) { this.#on.set<RTCRtpPacketEvent>('rtp', f); }
  get onkeyframerequest(): ((ev: Event) => unknown) | null { return this.#on.get('keyframerequest'); }
  set onkeyframerequest(f: ((ev: Event) => unknown) | null) { this.#on.set('keyframerequest', f); }

  override addEventListener(type: string, listener: Listener | null, options?: AddEventListenerOptions | boolean): void {
    super.addEventListener(type, listener, options);
    if (type !== 'rtp' || listener === null) return;
    const o = typeof options === 'object' ? options : undefined;
    if (o?.signal?.aborted === true) return;
    const token = this.#countRtpListener(listener, capturing(options), true);
    if (token === undefined) return;
    // EventTarget drops `once` listeners after their first event and `signal` ones on abort,
    // without calling removeEventListener: follow it (unless the registration changed since).
    const forget = (): void => {
      if (this.#rtpKeys.get(listener)?.get(capturing(options) ? 'capture' : 'bubble') === token) this.#countRtpListener(listener, capturing(options), false);
    };
    if (o?.once === true) super.addEventListener('rtp', forget, { once: true, capture: capturing(options) });
    o?.signal?.addEventListener('abort', forget, { once: true });
  }

  override removeEventListener(type: string, listener: Listener | null, options?: EventListenerOptions | boolean): void {
    super.removeEventListener(type, listener, options);
    if (type === 'rtp' && listener !== null) this.#countRtpListener(listener, capturing(options), false);
  }

  /**
   * Counts distinct (listener, capture) registrations as EventTarget does; returns the
   * registration's token when one was added.
   */
  #countRtpListener(listener: Listener, capture: boolean, add: boolean): number | undefined {
    const key = capture ? 'capture' : 'bubble';
    let regs = this.#rtpKeys.get(listener);
    let token: number | undefined;
    if (add) {
      if (regs?.has(key)) return undefined;
      if (!regs) this.#rtpKeys.set(listener, (regs = new Map()));
      token = ++this.#rtpTokens;
      regs.set(key, token);
    } else {
      if (!regs?.delete(key)) return undefined;
      if (regs.size === 0) this.#rtpKeys.delete(listener);
    }
    let n = 0;
    for (const r of this.#rtpKeys.values()) n += r.size;
    this._rtpListeners = n;
    this._source.updateRtpListening();
    return token;
  }
  readonly #rtpKeys = new Map<Listener, Map<string, number>>();
  #rtpTokens = 0;

  /** mediacapture 4.3.1.1: ends the track; no `ended` event. */
  stop(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this._source.tracks.delete(this);
    this._source.updateRtpListening();
  }

  /** mediacapture 4.3.1.4: a new track (new id) on the same source. */
  clone(): MediaStreamTrack {
    const t = new MediaStreamTrack({ kind: this.kind, label: this.label }, this._source);
    t.#enabled = this.#enabled;
    t.#muted = this.#muted;
    t.#constraints = { ...this.#constraints };
    t.contentHint = this.contentHint;
    if (this.#state === 'ended') t.stop();
    return t;
  }

  getSettings(): MediaTrackSettings {
    return { deviceId: this._source.remote ? 'remote' : 'purertc', groupId: '', ...(this.kind === 'audio' ? { sampleRate: 48_000, channelCount: 2 } : {}) };
  }
  getCapabilities(): Record<string, unknown> {
    return {};
  }
  getConstraints(): MediaTrackConstraints {
    return { ...this.#constraints };
  }
  /** mediacapture 4.3.8: constraints are kept (there is no device to reconfigure). */
  applyConstraints(constraints: MediaTrackConstraints = {}): Promise<void> {
    this.#constraints = { ...constraints };
    return Promise.resolve();
  }

  /**
   * purertc: feeds one encoded frame to the track's source (this track and its clones):
   * sent through every sender they are attached to, and seen as `frame` events.
   */
  writeFrame(frame: RTCEncodedFrameInit): void {
    if (this.#state === 'ended') throw new DOMException('the track has ended', 'InvalidStateError');
    if (frame === null || typeof frame !== 'object' || !(frame.data instanceof Uint8Array)) throw new TypeError('writeFrame needs { data: Uint8Array, timestamp }');
    if (!Number.isFinite(frame.timestamp)) throw new TypeError('writeFrame: timestamp must be a number (codec clock units)');
    this._source.deliverFrame({
      data: frame.data, timestamp: frame.timestamp >>> 0, keyframe: frame.keyframe ?? (this.kind === 'audio'),
      ...(frame.mimeType !== undefined ? { mimeType: frame.mimeType } : {}),
    });
  }

  /** purertc (werift's name): forwards an RTP packet (or its bytes) through every sender of the source. */
  writeRtp(packet: RtpPacket | Uint8Array): void {
    if (this.#state === 'ended') throw new DOMException('the track has ended', 'InvalidStateError');
    const p = packet instanceof Uint8Array ? parseRtp(packet) : packet;
    this._source.deliverRtp(p, true);
  }

  /** purertc: asks the remote sender for a keyframe (PLI/FIR); on a local track fires `keyframerequest`. */
  requestKeyframe(): void {
    if (this.#state === 'ended') return;
    if (this._source.remote) this._source.remote.requestKeyframe();
    else this._source.keyframeRequested();
  }

  /** @internal */
  _frame(frame: RTCEncodedFrame): void {
    if (this.#state === 'ended') return;
    if (this.#muted && this._source.remote) this._setMuted(false);
    this.dispatchEvent(new RTCEncodedFrameEvent('frame', { frame }));
    if (!this.#enabled) return;
    const f: EncodedFrame = { data: frame.data, timestamp: frame.timestamp, keyframe: frame.keyframe };
    for (const s of this._sinks) s._sendFrame(f);
  }

  /** @internal */
  _rtp(packet: RtpPacket, written: boolean): void {
    if (this.#state === 'ended') return;
    if (this.#muted && this._source.remote && !written) this._setMuted(false);
    if (this._rtpListeners > 0) this.dispatchEvent(new RTCRtpPacketEvent('rtp', { packet }));
    if (!written || !this.#enabled) return;
    for (const s of this._sinks) s._sendRtp(packet);
  }

  /** @internal mediacapture 4.3.1.3 "set a track's muted state". */
  _setMuted(muted: boolean): void {
    if (this.#state === 'ended' || this.#muted === muted) return;
    this.#muted = muted;
    this.dispatchEvent(new Event(muted ? 'mute' : 'unmute'));
  }

  /**
   * @internal The UA ends the track. With `fire`, mediacapture 4.3.1.2 "track ended by the
   * User Agent" (the remote stopped the transceiver); without, webrtc-pc 5.4 "stop sending
   * and receiving" run by our own stop() or close(), which sets readyState only (w3c/webrtc-pc#841).
   */
  _end(fire: boolean): void {
    if (this.#state === 'ended') return;
    this.stop();
    if (fire) this.dispatchEvent(new Event('ended'));
  }
}
