/**
 * @module node/rtc-rtp-sender
 * W3C webrtc-pc 5.2 RTCRtpSender: the track being sent, `replaceTrack()` (5.2: no
 * renegotiation; the kind must match, TypeError otherwise; InvalidStateError once the
 * transceiver is stopping; null stops sending), `getParameters()` / `setParameters()` with
 * the transaction rules (5.2 setParameters: InvalidStateError without a pending
 * getParameters() result, InvalidModificationError on a stale transactionId, a changed
 * number of encodings or a changed read-only member; RangeError on
 * scaleResolutionDownBy < 1 or maxFramerate < 0), `setStreams()` (5.2: the msid of the
 * next description), `getStats()` (8.2 with this sender as selector), and
 * `getCapabilities(kind)` (5.2.1: what we can negotiate, from src/peer/capabilities).
 *
 * Sending: frames written to the track (or forwarded from a remote track) go to the peer
 * as long as the transceiver is not stopping and `encodings[0].active` is true (5.2.1.1
 * RTCRtpEncodingParameters.active: false stops sending). One encoding only: a longer
 * `sendEncodings` is trimmed (webrtc-pc 5.1 addTransceiver step "trim to maxN", N = 1,
 * purertc has no simulcast). `maxBitrate`, `maxFramerate`, `scaleResolutionDownBy` and
 * `priority` are kept and reported; frames arrive encoded, so nothing enforces them.
 */
import { DEFAULT_CODECS, DEFAULT_HEADER_EXTENSIONS, offerHeaderExtensions } from '../peer/capabilities.js';
import type { EncodedFrame } from '../media/frame.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import type { MediaStream } from './media-stream.js';
import type { MediaStreamTrack, MediaStreamTrackKind, TrackSink } from './media-stream-track.js';
import type { RTCStatsReport } from './rtc-stats.js';
import type { RTCDtlsTransport } from './rtc-dtls-transport.js';
import type { MediaHost, MediaCodecInfo, MediaTransceiverInfo, RTCRtpTransceiver } from './rtc-rtp-transceiver.js';

/** webrtc-pc 5.2.1 RTCRtpCodec (and RTCRtpCodecParameters with payloadType). */
export interface RTCRtpCodec {
  mimeType: string;
  clockRate: number;
  channels?: number;
  sdpFmtpLine?: string;
}
export interface RTCRtpCodecParameters extends RTCRtpCodec {
  payloadType: number;
}
export interface RTCRtpHeaderExtensionParameters {
  uri: string;
  id: number;
  encrypted?: boolean;
}
export interface RTCRtpCapabilities {
  codecs: RTCRtpCodec[];
  headerExtensions: { uri: string }[];
}
export interface RTCRtcpParameters {
  cname?: string;
  reducedSize?: boolean;
}
export type RTCPriorityType = 'very-low' | 'low' | 'medium' | 'high';
export interface RTCRtpEncodingParameters {
  active?: boolean;
  /** purertc: the SSRC of this encoding (read-only; ORTC's name). */
  ssrc?: number;
  rid?: string;
  maxBitrate?: number;
  maxFramerate?: number;
  scaleResolutionDownBy?: number;
  priority?: RTCPriorityType;
  networkPriority?: RTCPriorityType;
}
export interface RTCRtpParameters {
  codecs: RTCRtpCodecParameters[];
  headerExtensions: RTCRtpHeaderExtensionParameters[];
  rtcp: RTCRtcpParameters;
}
export interface RTCRtpSendParameters extends RTCRtpParameters {
  transactionId: string;
  encodings: RTCRtpEncodingParameters[];
  degradationPreference?: string;
}

/** webrtc-pc 5.2.1: the codecs and header extensions we can negotiate for `kind`. */
export function rtpCapabilities(kind: string): RTCRtpCapabilities | null {
  if (kind !== 'audio' && kind !== 'video') return null;
  const codecs: RTCRtpCodec[] = [];
  let rtx = false;
  for (const c of DEFAULT_CODECS) {
    if (c.kind !== kind) continue;
    codecs.push({ mimeType: `${kind}/${c.name}`, clockRate: c.clockRate, ...(c.channels !== undefined ? { channels: c.channels } : {}), ...(c.fmtp !== undefined ? { sdpFmtpLine: c.fmtp } : {}) });
    if (c.rtx === true) rtx = true;
  }
  if (rtx) codecs.push({ mimeType: `${kind}/rtx`, clockRate: 90000 });
  return { codecs, headerExtensions: offerHeaderExtensions(kind, DEFAULT_HEADER_EXTENSIONS).map((e) => ({ uri: e.uri })) };
}

/** The negotiated codecs as RTCRtpCodecParameters (rtx entries after their media codec). */
export function codecParameters(kind: MediaStreamTrackKind, info: MediaTransceiverInfo | undefined): RTCRtpCodecParameters[] {
  const out: RTCRtpCodecParameters[] = [];
  for (const c of info?.codecs ?? []) {
    out.push(codecParameter(kind, c));
    if (c.rtxPayloadType !== undefined) out.push({ payloadType: c.rtxPayloadType, mimeType: `${kind}/rtx`, clockRate: c.clockRate, sdpFmtpLine: `apt=${c.payloadType}` });
  }
  return out;
}

export function codecParameter(kind: MediaStreamTrackKind, c: MediaCodecInfo): RTCRtpCodecParameters {
  return {
    payloadType: c.payloadType, mimeType: `${kind}/${c.name}`, clockRate: c.clockRate,
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(c.fmtp !== undefined && c.fmtp !== '' ? { sdpFmtpLine: c.fmtp } : {}),
  };
}

/** Checks and copies `sendEncodings` (webrtc-pc 5.1 addTransceiver steps 7-9). */
export function checkSendEncodings(kind: MediaStreamTrackKind, encodings: readonly RTCRtpEncodingParameters[] | undefined): RTCRtpEncodingParameters[] {
  const list = encodings ?? [];
  if (!Array.isArray(list)) throw new TypeError('sendEncodings must be an array');
  const rids = new Set<string>();
  for (const e of list) {
    if (e.rid !== undefined) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(e.rid)) throw new TypeError(`invalid rid ${e.rid}`);
      if (rids.has(e.rid)) throw new TypeError(`duplicate rid ${e.rid}`);
      rids.add(e.rid);
    }
    if (list.length > 1 && e.rid === undefined) throw new TypeError('several encodings need a rid each');
    checkEncodingRanges(kind, e);
  }
  const first = list[0] ?? {};
  return [normalizeEncoding(kind, first)];
}

function checkEncodingRanges(kind: MediaStreamTrackKind, e: RTCRtpEncodingParameters): void {
  if (kind === 'video' && e.scaleResolutionDownBy !== undefined && !(e.scaleResolutionDownBy >= 1)) throw new RangeError('scaleResolutionDownBy must be at least 1');
  if (e.maxFramerate !== undefined && !(e.maxFramerate >= 0)) throw new RangeError('maxFramerate must not be negative');
  if (e.maxBitrate !== undefined && !(e.maxBitrate >= 0)) throw new RangeError('maxBitrate must not be negative');
}

function normalizeEncoding(kind: MediaStreamTrackKind, e: RTCRtpEncodingParameters): RTCRtpEncodingParameters {
  return {
    active: e.active ?? true,
    ...(e.rid !== undefined ? { rid: e.rid } : {}),
    ...(e.maxBitrate !== undefined ? { maxBitrate: e.maxBitrate } : {}),
    ...(e.maxFramerate !== undefined ? { maxFramerate: e.maxFramerate } : {}),
    ...(kind === 'video' ? { scaleResolutionDownBy: e.scaleResolutionDownBy ?? 1 } : {}),
    priority: e.priority ?? 'low',
    networkPriority: e.networkPriority ?? 'low',
  };
}

let transactionCounter = 0;

export class RTCRtpSender implements TrackSink {
  readonly #host: MediaHost;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #kind: MediaStreamTrackKind;
  #track: MediaStreamTrack | null = null;
  #streamIds: string[];
  #encodings: RTCRtpEncodingParameters[];
  #last: { transactionId: string; params: RTCRtpSendParameters } | null = null;
  #stopped = false;
  /** purertc: frames and packets not sent (inactive encoding, stopped or unnegotiated transceiver). */
  framesDropped = 0;

  /** @internal */
  constructor(host: MediaHost, transceiver: RTCRtpTransceiver, kind: MediaStreamTrackKind, track: MediaStreamTrack | null, streamIds: readonly string[], encodings?: readonly RTCRtpEncodingParameters[]) {
    this.#host = host;
    this.#transceiver = transceiver;
    this.#kind = kind;
    this.#streamIds = [...streamIds];
    this.#encodings = checkSendEncodings(kind, encodings);
    if (track) this._attach(track);
  }

  static getCapabilities(kind: string): RTCRtpCapabilities | null {
    return rtpCapabilities(kind);
  }

  get track(): MediaStreamTrack | null {
    return this.#track;
  }
  /** W3C 5.2 transport: the RTCDtlsTransport RTP and RTCP go over; null until a description set it. */
  get transport(): RTCDtlsTransport | null {
    return this.#host.transport(this.#transceiver);
  }
  /** W3C 7 RTCDTMFSender: not implemented (null as for video senders). */
  get dtmf(): null {
    return null;
  }
  /** purertc: the stream ids announced with the track (a=msid). */
  get streamIds(): readonly string[] {
    return this.#streamIds;
  }

  /** W3C 5.2 replaceTrack: swaps the source without renegotiation. */
  replaceTrack(withTrack: MediaStreamTrack | null): Promise<void> {
    try {
      if (this.#host.isClosed()) throw new DOMException('the peer connection is closed', 'InvalidStateError');
      if (withTrack !== null && withTrack.kind !== this.#kind) throw new TypeError(`cannot replace a ${this.#kind} track with a ${withTrack.kind} track`);
      if (this.#transceiver.stopping) throw new DOMException('the transceiver is stopping', 'InvalidStateError');
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve().then(() => {
      if (this.#transceiver.stopping) throw new DOMException('the transceiver is stopping', 'InvalidStateError');
      this._attach(withTrack);
      // The new source starts with a keyframe so the far decoder can switch to it.
      withTrack?._source.keyframeRequested();
    });
  }

  /** W3C 5.2 setStreams: the stream ids of the next description (negotiation needed). */
  setStreams(...streams: MediaStream[]): void {
    if (this.#host.isClosed()) throw new DOMException('the peer connection is closed', 'InvalidStateError');
    const ids: string[] = [];
    for (const s of streams) if (!ids.includes(s.id)) ids.push(s.id);
    this.#streamIds = ids;
    if (this.#track) this.#host.setSendTrack(this.#transceiver, { trackId: this.#track.id, streamIds: ids });
  }

  getParameters(): RTCRtpSendParameters {
    const info = this.#host.info(this.#transceiver);
    const transactionId = `${++transactionCounter}`;
    const params: RTCRtpSendParameters = {
      transactionId,
      encodings: this.#encodings.map((e, i) => ({ ...e, ...(i === 0 && info?.localSsrc !== undefined ? { ssrc: info.localSsrc } : {}) })),
      codecs: codecParameters(this.#kind, info),
      headerExtensions: (info?.headerExtensions ?? []).map((h) => ({ uri: h.uri, id: h.id, encrypted: false })),
      rtcp: { cname: info?.cname ?? '', reducedSize: this.#host.rtcpReducedSize(this.#transceiver) },
      ...(this.#kind === 'video' ? { degradationPreference: 'balanced' } : {}),
    };
    this.#last = { transactionId, params: structuredClone(params) };
    // W3C 5.2 getParameters: [[LastReturnedParameters]] is cleared by a queued task.
    setImmediate(() => {
      if (this.#last?.transactionId === transactionId) this.#last = null;
    });
    return params;
  }

  setParameters(parameters: RTCRtpSendParameters, _options?: unknown): Promise<void> {
    try {
      if (this.#host.isClosed()) throw new DOMException('the peer connection is closed', 'InvalidStateError');
      if (this.#transceiver.stopping) throw new DOMException('the transceiver is stopping', 'InvalidStateError');
      if (parameters === null || typeof parameters !== 'object') throw new TypeError('setParameters needs parameters');
      const last = this.#last;
      if (last === null) throw new DOMException('call getParameters() first (in the same task)', 'InvalidStateError');
      if (parameters.transactionId !== last.transactionId) throw new DOMException('stale transactionId', 'InvalidModificationError');
      const encodings = parameters.encodings;
      if (!Array.isArray(encodings) || encodings.length !== last.params.encodings.length) throw new DOMException('the number of encodings cannot change', 'InvalidModificationError');
      const readOnly = (p: RTCRtpSendParameters): string => JSON.stringify([p.codecs, p.headerExtensions, p.rtcp, p.encodings.map((e) => e.rid ?? null)]);
      const ssrcChanged = encodings.some((e, i) => e.ssrc !== undefined && e.ssrc !== last.params.encodings[i]?.ssrc);
      if (readOnly(parameters) !== readOnly(last.params) || ssrcChanged) throw new DOMException('codecs, headerExtensions, rtcp, rid and ssrc are read-only', 'InvalidModificationError');
      for (const e of encodings) checkEncodingRanges(this.#kind, e);
      this.#encodings = encodings.map((e) => normalizeEncoding(this.#kind, e));
      this.#last = null;
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve();
  }

  getStats(): Promise<RTCStatsReport> {
    return this.#host.getStats(this);
  }

  /** @internal Sets the track (addTrack/removeTrack/replaceTrack). */
  _attach(track: MediaStreamTrack | null): void {
    if (this.#track === track) return;
    this.#track?._sinks.delete(this);
    this.#track = track;
    if (!this.#stopped) track?._sinks.add(this);
  }

  /** @internal addTrack's stream ids. */
  _setStreamIds(ids: readonly string[]): void {
    this.#streamIds = [...ids];
  }

  /** @internal The transceiver stopped: nothing more is sent (the track keeps no reference to us). */
  _stop(): void {
    this.#stopped = true;
    this.#track?._sinks.delete(this);
  }

  /** @internal The first encoding's `active` (false: nothing is sent). */
  get _active(): boolean {
    return this.#encodings[0]?.active ?? true;
  }

  /** @internal TrackSink */
  _sendFrame(frame: EncodedFrame): void {
    if (this.#stopped || !this._active || this.#host.isClosed()) {
      this.framesDropped++;
      return;
    }
    this.#host.sendFrame(this.#transceiver, frame);
  }

  /** @internal TrackSink */
  _sendRtp(packet: RtpPacket): void {
    if (this.#stopped || !this._active || this.#host.isClosed()) {
      this.framesDropped++;
      return;
    }
    this.#host.sendRtp(this.#transceiver, packet);
  }
}
