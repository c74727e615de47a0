/**
 * @module node/rtc-rtp-receiver
 * W3C webrtc-pc 5.3 RTCRtpReceiver: its track (created with the transceiver, muted and
 * live; mediacapture 4.3 via webrtc-pc 5.3 "create an RTCRtpReceiver"), `transport`,
 * `getParameters()` (5.3: the negotiated codecs and header extensions),
 * `getSynchronizationSources()` / `getContributingSources()` (5.3.1: the SSRCs and CSRCs
 * of packets received in the last 10 s, most recent first, with `timestamp` (wall clock,
 * ms since the epoch), `source` and `rtpTimestamp`), `getStats()` (8.2 with this receiver
 * as selector), `getCapabilities(kind)` and `jitterBufferTarget` (5.3: null or 0-4000 ms,
 * RangeError otherwise; kept as a hint, the jitter buffer is the peer's).
 *
 * Frames come from the peer's 'frame' events; the SSRC of the source is the one the
 * receiver learned. CSRCs, the SSRC per packet and `audioLevel` (RFC 6464 ssrc-audio-level,
 * when negotiated) are seen only while `rtp` events are on (someone listens to the track's
 * `rtp` events). An RTCP BYE from the remote sender (RFC 3550 section 6.6) mutes the track
 * at once; otherwise it is muted after `remoteTrackMuteAfterMs` without media.
 */
import type { EncodedFrame } from '../media/frame.js';
import { getRtpExtension } from '../rtp/rtp-packet.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { MediaStreamTrack, TrackSource } from './media-stream-track.js';
import type { MediaStreamTrackKind } from './media-stream-track.js';
import type { MediaStream } from './media-stream.js';
import type { RTCStatsReport } from './rtc-stats.js';
import type { RTCDtlsTransport } from './rtc-dtls-transport.js';
import { codecParameter, codecParameters, rtpCapabilities } from './rtc-rtp-sender.js';
import type { RTCRtpCapabilities, RTCRtpParameters } from './rtc-rtp-sender.js';
import type { MediaCodecInfo, MediaHost, RTCRtpTransceiver } from './rtc-rtp-transceiver.js';

/** RFC 6464: the client-to-mixer audio level header extension. */
const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
/** webrtc-pc 5.3.1: sources are reported for packets of the last 10 seconds. */
export const SOURCE_REPORT_WINDOW_MS = 10_000;
/** Bound on remembered contributing sources (an RTP packet has at most 15 CSRCs, RFC 3550 5.1). */
export const MAX_CONTRIBUTING_SOURCES = 64;
/** webrtc-pc 5.3 jitterBufferTarget: at most 4000 ms. */
export const MAX_JITTER_BUFFER_TARGET_MS = 4000;

export interface RTCRtpContributingSource {
  timestamp: number;
  source: number;
  rtpTimestamp: number;
  audioLevel?: number;
}
export type RTCRtpSynchronizationSource = RTCRtpContributingSource;

export interface RTCRtpReceiveParameters extends RTCRtpParameters {}

interface SourceEntry {
  timestamp: number;
  rtpTimestamp: number;
  audioLevel?: number;
}

export class RTCRtpReceiver {
  readonly track: MediaStreamTrack;
  readonly #host: MediaHost;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #kind: MediaStreamTrackKind;
  #jitterBufferTarget: number | null = null;
  /** The last frame's arrival, for the synchronization source when rtp events are off. */
  #lastFrame: SourceEntry | undefined;
  readonly #ssrcs = new Map<number, SourceEntry>();
  readonly #csrcs = new Map<number, SourceEntry>();
  /** @internal W3C [[AssociatedRemoteMediaStreams]]. */
  _streams: MediaStream[] = [];
  /** @internal The remote description currently sends on this receiver's section. */
  _receiving = false;
  /** Wall-clock time of the last media, and the timer that mutes the track after a silence. */
  #lastMediaAt = 0;
  #muteTimer: ReturnType<typeof setTimeout> | undefined;

  /** @internal */
  constructor(host: MediaHost, transceiver: RTCRtpTransceiver, kind: MediaStreamTrackKind) {
    this.#host = host;
    this.#transceiver = transceiver;
    this.#kind = kind;
    const source = new TrackSource(kind, {
      requestKeyframe: () => host.requestKeyframe(transceiver),
      setRtpEvents: (on) => host.setRtpEvents(transceiver, on),
    });
    this.track = new MediaStreamTrack({ kind, label: `remote ${kind}` }, source);
  }

  static getCapabilities(kind: string): RTCRtpCapabilities | null {
    return rtpCapabilities(kind);
  }

  /** W3C 5.3 transport: the RTCDtlsTransport media arrives over; null until a description set it. */
  get transport(): RTCDtlsTransport | null {
    return this.#host.transport(this.#transceiver);
  }

  get jitterBufferTarget(): number | null {
    return this.#jitterBufferTarget;
  }
  set jitterBufferTarget(ms: number | null) {
    if (ms !== null && !(Number.isFinite(ms) && ms >= 0 && ms <= MAX_JITTER_BUFFER_TARGET_MS)) throw new RangeError(`jitterBufferTarget must be null or 0-${MAX_JITTER_BUFFER_TARGET_MS} ms`);
    this.#jitterBufferTarget = ms;
  }

  getParameters(): RTCRtpReceiveParameters {
    const info = this.#host.info(this.#transceiver);
    return {
      codecs: codecParameters(this.#kind, info),
      headerExtensions: (info?.headerExtensions ?? []).map((h) => ({ uri: h.uri, id: h.id, encrypted: false })),
      rtcp: { reducedSize: this.#host.rtcpReducedSize(this.#transceiver) },
    };
  }

  getSynchronizationSources(): RTCRtpSynchronizationSource[] {
    const entries = new Map(this.#ssrcs);
    const ssrc = this.#host.remoteSsrc(this.#transceiver);
    const last = this.#lastFrame;
    const seen = ssrc === undefined ? undefined : entries.get(ssrc);
    if (ssrc !== undefined && last && (seen?.timestamp ?? -Infinity) < last.timestamp) {
      entries.set(ssrc, { ...last, ...(seen?.audioLevel !== undefined ? { audioLevel: seen.audioLevel } : {}) });
    }
    return this.#report(entries);
  }

  getContributingSources(): RTCRtpContributingSource[] {
    return this.#report(this.#csrcs);
  }

  #report(m: ReadonlyMap<number, SourceEntry>): RTCRtpContributingSource[] {
    const since = this.#host.wallClock() - SOURCE_REPORT_WINDOW_MS;
    return [...m]
      .filter(([, e]) => e.timestamp >= since)
      .sort((a, b) => b[1].timestamp - a[1].timestamp)
      .map(([source, e]) => ({ timestamp: e.timestamp, source, rtpTimestamp: e.rtpTimestamp, ...(e.audioLevel !== undefined ? { audioLevel: e.audioLevel } : {}) }));
  }

  /**
   * RFC 6464 3: the ssrc-audio-level extension's level is -dBov in 7 bits; webrtc-pc
   * 5.3.1 audioLevel is linear, 10^(-level/20) (1.0 at 0 dBov, 0 for 127).
   */
  #audioLevel(packet: RtpPacket): number | undefined {
    if (this.#kind !== 'audio') return undefined;
    const id = this.#host.info(this.#transceiver)?.headerExtensions.find((h) => h.uri === AUDIO_LEVEL_URI)?.id;
    const data = id === undefined ? undefined : getRtpExtension(packet, id);
    if (data === undefined || data.length < 1) return undefined;
    const level = (data[0] as number) & 0x7f;
    return level === 127 ? 0 : 10 ** (-level / 20);
  }

  getStats(): Promise<RTCStatsReport> {
    return this.#host.getStats(this);
  }

  /**
   * webrtc-pc 5.3 ("mediastreamtrack-network-use"): the track is muted when its source
   * goes away, an RTCP BYE or a timeout. One timer while media flows, re-armed from the last
   * media; RFC 3550 6.3.5 times a sender out after two RTCP intervals (5 s minimum, 6.2),
   * hence the 10 s default (RTCConfiguration.remoteTrackMuteAfterMs).
   */
  #mediaArrived(): void {
    this.#lastMediaAt = this.#host.wallClock();
    const after = this.#host.muteAfterMs;
    if (this.#muteTimer !== undefined || !(after > 0) || this.track._source.tracks.size === 0) return;
    const check = (): void => {
      const idle = this.#host.wallClock() - this.#lastMediaAt;
      if (idle < after) {
        this.#muteTimer = setTimeout(check, after - idle);
        this.#muteTimer.unref?.();
        return;
      }
      this.#muteTimer = undefined;
      for (const t of [...this.track._source.tracks]) t._setMuted(true);
    };
    this.#muteTimer = setTimeout(check, after);
    this.#muteTimer.unref?.();
  }

  /** @internal A whole frame from the peer. */
  _onFrame(frame: EncodedFrame, codec: MediaCodecInfo | undefined): void {
    this.#mediaArrived();
    this.#lastFrame = { timestamp: this.#host.wallClock(), rtpTimestamp: frame.timestamp };
    const p = codec ? codecParameter(this.#kind, codec) : undefined;
    this.track._source.deliverFrame({
      data: frame.data, timestamp: frame.timestamp, keyframe: frame.keyframe,
      ...(p ? { mimeType: p.mimeType, clockRate: p.clockRate, payloadType: p.payloadType } : {}),
    });
  }

  /** @internal One received packet (while rtp events are on). */
  _onRtp(packet: RtpPacket): void {
    this.#mediaArrived();
    const e: SourceEntry = { timestamp: this.#host.wallClock(), rtpTimestamp: packet.timestamp };
    const level = this.#audioLevel(packet);
    if (level !== undefined) e.audioLevel = level;
    remember(this.#ssrcs, packet.ssrc, e);
    for (const c of packet.csrcs) remember(this.#csrcs, c, e);
    this.track._source.deliverRtp(packet, false);
  }

  /**
   * @internal The remote sender said RTCP BYE (RFC 3550 section 6.6): the track is muted at
   * once (webrtc-pc 5.3, mediacapture 4.3.1.3 "set a track's muted state"); media that
   * arrives later unmutes it again.
   */
  _onBye(): void {
    if (this.#muteTimer !== undefined) clearTimeout(this.#muteTimer);
    this.#muteTimer = undefined;
    for (const t of [...this.track._source.tracks]) t._setMuted(true);
  }

  /** @internal The transceiver stopped or the connection closed: the track (and its clones) end; `ended` fires only when the remote stopped it. */
  _stop(fire: boolean): void {
    if (this.#muteTimer !== undefined) clearTimeout(this.#muteTimer);
    this.#muteTimer = undefined;
    this.track._end(fire);
    for (const t of [...this.track._source.tracks]) t._end(fire);
  }
}

function remember(m: Map<number, SourceEntry>, source: number, e: SourceEntry): void {
  m.delete(source);
  m.set(source, e);
  if (m.size > MAX_CONTRIBUTING_SOURCES) {
    const oldest = m.keys().next().value;
    if (oldest !== undefined) m.delete(oldest);
  }
}
