/**
 * @module media/rtp-stream-receiver
 * The receiving half of one RTP stream (one transceiver's remote track), sans-IO.
 *
 * - Media and RTX packets (RFC 4588 section 4: the RTX payload is the original sequence
 *   number then the original payload; section 8.3: its own SSRC, recognised here by the
 *   negotiated RTX payload type, apt=); recovered packets count as retransmitted.
 * - Reception statistics for report blocks (RFC 3550 6.4.1, appendix A.1 sequence
 *   validity, A.3 expected/lost and fraction lost, A.8 interarrival jitter) through
 *   `RtpReceiveStatistics`; LSR is the middle 32 bits of the last SR's NTP timestamp and
 *   DLSR the delay since it in 1/65536 s.
 * - Receiver reports: RR + SDES(CNAME) compound packets (RFC 3550 6.1, 6.4.2, 6.5.1) at
 *   the RTCP interval (about 1 s for video, 5 s for audio, as Chrome does), each interval
 *   randomized to 0.5-1.5 times (RFC 3550 6.3.1), the first one after half an interval
 *   (6.3.1's initial interval).
 * - Video: a `JitterBuffer` with the codec's payload format orders packets and emits whole
 *   frames; its requests become generic NACK (RFC 4585 6.2.1) and PLI (RFC 4585 6.3.1),
 *   or FIR (RFC 5104 4.3.1, with the sequence number of 4.3.1.2 incremented per new
 *   request) when only "ccm fir" is negotiated, each only when its a=rtcp-fb allows it
 *   (RFC 4585 4.2). A payload type switch between negotiated codecs starts a new buffer.
 * - Audio: one packet is one frame; a small reorder window, then sequence order; late
 *   packets are dropped and counted. No NACK for audio (Chrome offers none for Opus).
 * - Feedback goes out alone when reduced-size RTCP is negotiated (RFC 5506 section 3,
 *   RFC 5761), otherwise in a compound packet RR + SDES + feedback (RFC 4585 3.1).
 * - Optionally (a=rtcp-xr:rcvr-rtt=all, RFC 3611 5.1) a Receiver Reference Time block
 *   (RFC 3611 4.4) rides with each report; the sender's DLRR block (4.5) answering it gives
 *   the remote-outbound round-trip time (now - LRR - DLRR, as RFC 3550 6.4.1 does for SR).
 * - The remote SSRC is fixed by a=ssrc or learned from the first packet with an accepted
 *   payload type; a different SSRC later (the peer demuxes by MID, RFC 8843) is a sender
 *   restart: statistics and buffers start again.
 *
 * Everything remote input can grow is bounded by the named constants below; remote input
 * never makes a method throw.
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { secureRandom, randomU32 } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { rtxDecode } from '../rtp/rtx.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import { rtpPacketBytes } from '../rtp/rtp-packet.js';
import { serializeRtcp } from '../rtp/rtcp.js';
import type { RtcpPacket } from '../rtp/rtcp.js';
import { SdesItemType } from '../rtp/rtcp-sdes.js';
import { RtpReceiveStatistics } from '../rtp/receive-stats.js';
import { compactNtp, ntpFromUnixMs, ntpToUnixMs, roundTripTimeMs } from '../rtp/ntp.js';
import { JitterBuffer, JITTER_RESET_DISTANCE } from './jitter-buffer.js';
import { joinBytes } from './frame.js';
import type { EncodedFrame, PayloadFormat } from './frame.js';
import { codecFeedback, payloadFormatFor } from './codecs.js';
import type { RtpCodec } from './codecs.js';

/** RFC 3550 6.2 leaves the interval to the profile; Chrome reports about every second for video. */
export const RECEIVER_RTCP_VIDEO_INTERVAL_MS = 1000;
/** Chrome's audio report interval (libwebrtc kDefaultAudioReportInterval). */
export const RECEIVER_RTCP_AUDIO_INTERVAL_MS = 5000;
/** RFC 3550 6.3.1: the first report goes out after half the interval ("initial" halving). */
export const RECEIVER_RTCP_INITIAL_FRACTION = 0.5;
/** RFC 3550 6.3.1: each interval is the computed one times a random factor in [0.5, 1.5). */
export const RECEIVER_RTCP_RANDOM_MIN = 0.5;
export const RECEIVER_RTCP_RANDOM_SPAN = 1;
/** Sequence numbers per generic NACK packet: 250 FCI entries at most, about 1 KB (RFC 4585 6.2.1 puts no cap; the path MTU does). */
export const RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET = 250;
/** Audio: packets held while waiting for a missing one before skipping it. */
export const RECEIVER_AUDIO_REORDER_PACKETS = 3;
/** Audio: how long a gap may hold back the packets after it. */
export const RECEIVER_AUDIO_REORDER_MS = 60;
/** Sequence numbers remembered to deliver each packet once (duplicates, RTX after a late original). */
export const RECEIVER_SEEN_WINDOW_PACKETS = 1024;
/** Bound on undrained events (frames, rtp packets); the oldest are dropped beyond it. */
export const RECEIVER_MAX_PENDING_EVENTS = 4096;
/** Bound on undrained RTCP datagrams; the oldest are dropped beyond it. */
export const RECEIVER_MAX_PENDING_TRANSMITS = 256;
/** SSRCs replaced by a sender restart whose late packets are ignored (no flapping back). */
export const RECEIVER_MAX_RETIRED_SSRCS = 8;
/** Payload formats that repair or wrap media rather than carry it (RFC 4588 rtx, RFC 2198 red, RFC 5109 ulpfec, RFC 8627 flexfec): not frames of their own. */
const REPAIR_CODEC_NAMES: ReadonlySet<string> = new Set(['rtx', 'red', 'ulpfec', 'flexfec', 'flexfec-03']);
/** RFC 3550 6.5: an SDES item holds at most 255 octets. */
const SDES_MAX_BYTES = 255;

export interface RtpStreamReceiverOptions {
  /** Sender SSRC of our RTCP (RR, NACK, PLI). */
  readonly localSsrc: number;
  readonly cname: string;
  /** Payload types we accept; `rtxPayloadType` marks their RTX (apt=). */
  readonly codecs: readonly RtpCodec[];
  /** From a=ssrc; learned from the first packet otherwise. */
  readonly remoteSsrc?: number;
  /** From a=ssrc-group:FID; learned from the first RTX packet otherwise. */
  readonly remoteRtxSsrc?: number;
  readonly rtcpReducedSize?: boolean;
  /** Wall clock (Unix ms) minus `now`. */
  readonly ntpOffsetMs?: number;
  /** Media kind; by default video when a codec has a video payload format or a 90 kHz clock. */
  readonly kind?: 'audio' | 'video';
  /** RTCP report interval (default 1 s video, 5 s audio). */
  readonly rtcpIntervalMs?: number;
  /** Randomizes the report interval (RFC 3550 6.3.1); default the platform CSPRNG. */
  readonly random?: RandomSource;
  /** Video: how long a missing packet may block frames before a keyframe is requested (JitterBuffer default 1 s). */
  readonly giveUpMs?: number;
  /** Initial round-trip estimate for NACK spacing. */
  readonly rttMs?: number;
  /** Video: wait this long after a gap before NACKing it, so reordered packets are not asked for (JitterBuffer default 0). */
  readonly reorderToleranceMs?: number;
  /** Send an XR Receiver Reference Time block with each report (negotiated by a=rtcp-xr:rcvr-rtt=all, RFC 3611 4.4, 5.1). */
  readonly rtcpXrRrtr?: boolean;
}

export type RtpStreamReceiverEvent =
  | { readonly type: 'rtp'; readonly packet: RtpPacket }
  | { readonly type: 'frame'; readonly frame: EncodedFrame; readonly codec: RtpCodec }
  | { readonly type: 'ssrc'; readonly ssrc: number }
  | { readonly type: 'bye' };

export interface RtpStreamReceiverRemoteStats {
  packetsSent: number;
  bytesSent: number;
  /** Unix ms of the last SR's NTP timestamp. */
  remoteTimestamp: number;
  reportsSent: number;
  roundTripTime?: number;
  totalRoundTripTime: number;
  roundTripTimeMeasurements: number;
}

export interface RtpStreamReceiverStats {
  ssrc?: number;
  packetsReceived: number;
  /** Payload bytes (W3C: headers and padding excluded). */
  bytesReceived: number;
  /** RTP header and padding bytes. */
  headerBytesReceived: number;
  /** RFC 3550 A.3 cumulative lost. */
  packetsLost: number;
  /** Seconds (A.8 jitter over the clock rate). */
  jitter: number;
  /** Late packets not played out (W3C: duplicates are not counted here). */
  packetsDiscarded: number;
  /** Duplicates of packets already received. */
  packetsDuplicated: number;
  /** Packets with a payload type not negotiated, from a retired SSRC, or RTX that could not be used. */
  packetsIgnored: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
  framesReceived: number;
  keyFramesReceived: number;
  framesDropped: number;
  retransmittedPacketsReceived: number;
  retransmittedBytesReceived: number;
  lastPacketReceivedAt?: number;
  codecPayloadType?: number;
  /** Events dropped because the caller did not drain them. */
  eventsDropped: number;
  /** RTCP datagrams dropped because the caller did not drain them. */
  transmitsDropped: number;
  remote?: RtpStreamReceiverRemoteStats;
}

interface CodecEntry {
  readonly codec: RtpCodec;
  readonly format: PayloadFormat | undefined;
  readonly video: boolean;
  readonly nack: boolean;
  readonly pli: boolean;
  readonly fir: boolean;
}

/** Which of the last RECEIVER_SEEN_WINDOW_PACKETS sequence numbers arrived, on the extended (RFC 3550 A.1) scale. */
class SeenWindow {
  highest: number | undefined;
  private readonly bits = new Uint8Array(RECEIVER_SEEN_WINDOW_PACKETS);

  /** Extended value of `seq` nearest the highest so far. */
  extend(seq: number): number {
    if (this.highest === undefined) return seq & 0xffff;
    const diff = (((seq & 0xffff) - (this.highest & 0xffff) + 0x18000) & 0xffff) - 0x8000;
    return this.highest + diff;
  }

  /**
   * Marks `ext`: 'new' (first time, and whether it is the newest so far), 'duplicate',
   * 'old' (behind the window) or 'restart' (so far behind it is a new sequence space; the
   * window then starts over at `ext`).
   */
  mark(ext: number): 'new' | 'newest' | 'duplicate' | 'old' | 'restart' {
    const h = this.highest;
    if (h === undefined || ext < h - JITTER_RESET_DISTANCE) {
      const restart = h !== undefined;
      this.bits.fill(0);
      this.highest = ext;
      this.bits[ext % RECEIVER_SEEN_WINDOW_PACKETS] = 1;
      return restart ? 'restart' : 'newest';
    }
    if (ext > h) {
      if (ext - h >= RECEIVER_SEEN_WINDOW_PACKETS) this.bits.fill(0);
      else for (let s = h + 1; s < ext; s++) this.bits[s % RECEIVER_SEEN_WINDOW_PACKETS] = 0;
      this.highest = ext;
      this.bits[ext % RECEIVER_SEEN_WINDOW_PACKETS] = 1;
      return 'newest';
    }
    if (ext <= h - RECEIVER_SEEN_WINDOW_PACKETS) return 'old';
    const i = ext % RECEIVER_SEEN_WINDOW_PACKETS;
    if (this.bits[i] === 1) return 'duplicate';
    this.bits[i] = 1;
    return 'new';
  }

  reset(): void {
    this.highest = undefined;
    this.bits.fill(0);
  }
}

export class RtpStreamReceiver {
  readonly localSsrc: number;
  readonly cname: string;
  readonly kind: 'audio' | 'video';
  private codecs = new Map<number, CodecEntry>();
  /** RTX payload type -> the media codec it repairs. */
  private rtxCodecs = new Map<number, CodecEntry>();
  private remoteSsrc: number | undefined;
  private remoteRtxSsrc: number | undefined;
  private readonly retiredSsrcs: number[] = [];
  private readonly reducedSize: boolean;
  private readonly intervalMs: number;
  private readonly random: RandomSource;
  private readonly giveUpMs: number | undefined;
  private readonly reorderToleranceMs: number | undefined;
  private readonly ntpOffsetMs: number;
  private readonly xrRrtr: boolean;
  private rttMs: number | undefined;
  private rtpEvents = false;
  private frameEvents = true;
  private readonly events: RtpStreamReceiverEvent[] = [];
  private readonly transmits: Uint8Array[] = [];
  private nextReportAt: number | undefined;
  private rtpStats: RtpReceiveStatistics | undefined;
  private lastSr: { readonly ntp: bigint; readonly at: number } | undefined;
  private readonly seen = new SeenWindow();
  private jitterBuffer: JitterBuffer | undefined;
  private jitterCodec: CodecEntry | undefined;
  /** framesDropped of jitter buffers already replaced. */
  private framesDroppedBefore = 0;
  private audioNext: number | undefined;
  private readonly audioHeld = new Map<number, { readonly packet: RtpPacket; readonly at: number; readonly codec: CodecEntry }>();
  private firSequence = 0;
  private byeReceived = false;
  private readonly s: RtpStreamReceiverStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    headerBytesReceived: 0,
    packetsLost: 0,
    jitter: 0,
    packetsDiscarded: 0,
    packetsDuplicated: 0,
    packetsIgnored: 0,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
    framesReceived: 0,
    keyFramesReceived: 0,
    framesDropped: 0,
    retransmittedPacketsReceived: 0,
    retransmittedBytesReceived: 0,
    eventsDropped: 0,
    transmitsDropped: 0,
  };
  private remote: RtpStreamReceiverRemoteStats | undefined;

  constructor(o: RtpStreamReceiverOptions) {
    if (new TextEncoder().encode(o.cname).length > SDES_MAX_BYTES) throw new InvalidArgumentError('CNAME longer than 255 bytes (RFC 3550 6.5)');
    this.localSsrc = o.localSsrc >>> 0;
    this.cname = o.cname;
    this.remoteSsrc = o.remoteSsrc === undefined ? undefined : o.remoteSsrc >>> 0;
    this.remoteRtxSsrc = o.remoteRtxSsrc === undefined ? undefined : o.remoteRtxSsrc >>> 0;
    this.reducedSize = o.rtcpReducedSize ?? false;
    this.random = o.random ?? secureRandom;
    this.giveUpMs = o.giveUpMs;
    this.reorderToleranceMs = o.reorderToleranceMs;
    this.ntpOffsetMs = o.ntpOffsetMs ?? 0;
    this.xrRrtr = o.rtcpXrRrtr ?? false;
    this.rttMs = o.rttMs;
    this.setCodecs(o.codecs);
    this.kind = o.kind ?? ([...this.codecs.values()].some((c) => c.video) ? 'video' : 'audio');
    this.intervalMs = o.rtcpIntervalMs ?? (this.kind === 'video' ? RECEIVER_RTCP_VIDEO_INTERVAL_MS : RECEIVER_RTCP_AUDIO_INTERVAL_MS);
    if (!(this.intervalMs > 0)) throw new InvalidArgumentError('rtcpIntervalMs must be positive');
  }

  /** The remote media SSRC, once known. */
  get ssrc(): number | undefined {
    return this.remoteSsrc;
  }

  /** The remote RTX SSRC, once known. */
  get rtxSsrc(): number | undefined {
    return this.remoteRtxSsrc;
  }

  /** Packets held for reordering (jitter buffer and audio window); bounded by JITTER_DEFAULT_MAX_PACKETS + RECEIVER_AUDIO_REORDER_PACKETS. */
  get heldPackets(): number {
    return (this.jitterBuffer?.size ?? 0) + this.audioHeld.size;
  }

  /** Renegotiation: the payload types accepted from now on. A buffer whose codec went away is dropped. */
  setCodecs(codecs: readonly RtpCodec[]): void {
    const map = new Map<number, CodecEntry>();
    const rtx = new Map<number, CodecEntry>();
    for (const codec of codecs) {
      if (REPAIR_CODEC_NAMES.has(codec.name.toLowerCase())) continue; // RTX comes as rtxPayloadType; FEC is not supported
      const format = payloadFormatFor(codec);
      const fb = codecFeedback(codec);
      const entry: CodecEntry = { codec, format, video: format !== undefined || codec.clockRate === 90_000, nack: fb.nack, pli: fb.pli, fir: fb.fir };
      map.set(codec.payloadType, entry);
      if (codec.rtxPayloadType !== undefined) rtx.set(codec.rtxPayloadType, entry);
    }
    this.codecs = map;
    this.rtxCodecs = rtx;
    const current = this.jitterCodec;
    if (current !== undefined) {
      const next = map.get(current.codec.payloadType);
      if (next === undefined || next.codec.name.toLowerCase() !== current.codec.name.toLowerCase()) this.dropJitterBuffer();
      else this.jitterCodec = next; // same codec: keep the buffer, take the new feedback and RTX settings
    }
  }

  setRtpEvents(on: boolean): void {
    this.rtpEvents = on;
  }

  setFrameEvents(on: boolean): void {
    this.frameEvents = on;
  }

  /** The round-trip estimate spaces NACK retries. */
  setRtt(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    this.rttMs = ms;
    this.jitterBuffer?.setRtt(ms);
  }

  /** A media or RTX packet (told apart by payload type). */
  handleRtp(now: number, packet: RtpPacket): void {
    const repaired = this.rtxCodecs.get(packet.payloadType);
    if (repaired !== undefined && !this.codecs.has(packet.payloadType)) {
      this.handleRtx(now, packet, repaired);
      return;
    }
    const entry = this.codecs.get(packet.payloadType);
    if (entry === undefined || (this.remoteRtxSsrc !== undefined && packet.ssrc === this.remoteRtxSsrc && packet.ssrc !== this.remoteSsrc)) {
      this.s.packetsIgnored++;
      return;
    }
    if (!this.acceptSsrc(now, packet.ssrc, entry)) {
      this.s.packetsIgnored++;
      return;
    }
    this.handleMedia(now, packet, entry, false, rtpPacketBytes(packet) - packet.payload.length);
  }

  /** RTCP from the remote sender: SR (LSR/DLSR, remote-outbound stats) and BYE. */
  handleRtcp(now: number, packet: RtcpPacket): void {
    if (packet.type === 'sr') {
      if (this.remoteSsrc === undefined || packet.ssrc >>> 0 !== this.remoteSsrc) return;
      this.lastSr = { ntp: packet.ntpTimestamp, at: now };
      this.rtpStats?.handleSenderReport(now, packet.ntpTimestamp);
      const r = this.remote ?? { packetsSent: 0, bytesSent: 0, remoteTimestamp: 0, reportsSent: 0, totalRoundTripTime: 0, roundTripTimeMeasurements: 0 };
      r.packetsSent = packet.packetCount;
      r.bytesSent = packet.octetCount;
      r.remoteTimestamp = ntpToUnixMs(packet.ntpTimestamp);
      r.reportsSent++;
      this.remote = r;
    } else if (packet.type === 'xr') {
      if (this.remoteSsrc === undefined || packet.ssrc >>> 0 !== this.remoteSsrc) return;
      for (const b of packet.blocks) {
        if (b.type !== 'dlrr') continue;
        for (const sub of b.subBlocks) {
          if (sub.ssrc >>> 0 !== this.localSsrc) continue;
          // RFC 3611 4.5: the round trip is our arrival time - LRR - DLRR, in compact NTP
          const rttMs = roundTripTimeMs(compactNtp(ntpFromUnixMs(now + this.ntpOffsetMs)), sub.lastRr, sub.delaySinceLastRr);
          const r = this.remote;
          if (rttMs === undefined || r === undefined) continue;
          r.roundTripTime = rttMs / 1000;
          r.totalRoundTripTime += rttMs / 1000;
          r.roundTripTimeMeasurements++;
          this.setRtt(rttMs); // our own measurement spaces NACK retries too
        }
      }
    } else if (packet.type === 'bye') {
      if (this.remoteSsrc !== undefined && packet.ssrcs.some((x) => x >>> 0 === this.remoteSsrc)) {
        this.byeReceived = true; // RFC 3550 6.3.7: the source left; no more report blocks about it
        this.pushEvent({ type: 'bye' });
      }
    }
  }

  /** Ask the sender for a keyframe: PLI, or FIR when only "ccm fir" is negotiated. */
  requestKeyframe(now: number): void {
    this.sendKeyframeRequest(this.jitterCodec ?? this.firstVideoCodec());
  }

  pollTransmit(): { readonly rtcp: true; readonly data: Uint8Array } | undefined {
    const data = this.transmits.shift();
    return data === undefined ? undefined : { rtcp: true, data };
  }

  pollEvent(): RtpStreamReceiverEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    let t = this.nextReportAt;
    const jb = this.jitterBuffer?.pollTimeout();
    if (jb !== undefined && (t === undefined || jb < t)) t = jb;
    const audio = this.audioDeadline();
    if (audio !== undefined && (t === undefined || audio < t)) t = audio;
    return t;
  }

  handleTimeout(now: number): void {
    const jb = this.jitterBuffer;
    if (jb !== undefined) {
      jb.handleTimeout(now);
      this.drainJitterBuffer();
    }
    this.drainAudio(now);
    if (this.nextReportAt !== undefined && now >= this.nextReportAt) {
      this.queueReport(now);
      this.nextReportAt = now + this.randomizedInterval(1);
    }
  }

  stats(): RtpStreamReceiverStats {
    const st = this.rtpStats;
    const out: RtpStreamReceiverStats = {
      ...this.s,
      packetsLost: st !== undefined && st.valid ? st.cumulativeLost : 0,
      jitter: st !== undefined ? st.jitter / st.clockRateHz : 0,
      framesDropped: this.framesDroppedBefore + (this.jitterBuffer?.stats.framesDropped ?? 0),
    };
    if (this.remoteSsrc !== undefined) out.ssrc = this.remoteSsrc;
    if (this.remote !== undefined) out.remote = { ...this.remote };
    return out;
  }

  // --- receive path

  private handleRtx(now: number, packet: RtpPacket, entry: CodecEntry): void {
    const media = this.remoteSsrc;
    if (media === undefined || packet.ssrc >>> 0 === media) {
      this.s.packetsIgnored++;
      return;
    }
    if (this.remoteRtxSsrc !== packet.ssrc >>> 0) {
      if (this.retiredSsrcs.includes(packet.ssrc >>> 0)) {
        this.s.packetsIgnored++;
        return;
      }
      this.remoteRtxSsrc = packet.ssrc >>> 0; // learned, or the sender restarted its RTX stream
    }
    if (packet.payload.length === 0) return; // padding-only bandwidth probe (RFC 4588 9.1 leaves RTX padding to the sender)
    let original: RtpPacket;
    try {
      original = rtxDecode(packet, { payloadType: entry.codec.payloadType, ssrc: media });
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.s.packetsIgnored++;
      return;
    }
    this.handleMedia(now, original, entry, true, rtpPacketBytes(packet) - original.payload.length);
  }

  /** Fixes or replaces the remote SSRC; false for late packets of a replaced sender. */
  private acceptSsrc(now: number, ssrc: number, entry: CodecEntry): boolean {
    const s = ssrc >>> 0;
    if (this.remoteSsrc === s) {
      if (this.rtpStats === undefined) this.startStats(now, entry);
      return true;
    }
    if (this.retiredSsrcs.includes(s)) return false;
    if (this.remoteSsrc !== undefined) {
      this.retiredSsrcs.push(this.remoteSsrc);
      if (this.retiredSsrcs.length > RECEIVER_MAX_RETIRED_SSRCS) this.retiredSsrcs.shift();
      if (this.remoteRtxSsrc !== undefined) {
        this.retiredSsrcs.push(this.remoteRtxSsrc);
        if (this.retiredSsrcs.length > RECEIVER_MAX_RETIRED_SSRCS) this.retiredSsrcs.shift();
        this.remoteRtxSsrc = undefined;
      }
      this.lastSr = undefined;
    }
    this.remoteSsrc = s;
    this.rtpStats = undefined;
    this.seen.reset();
    this.dropJitterBuffer();
    this.audioHeld.clear();
    this.audioNext = undefined;
    this.startStats(now, entry);
    this.pushEvent({ type: 'ssrc', ssrc: s });
    return true;
  }

  private startStats(now: number, entry: CodecEntry): void {
    this.rtpStats = new RtpReceiveStatistics({ ssrc: this.remoteSsrc ?? 0, clockRateHz: entry.codec.clockRate > 0 ? entry.codec.clockRate : 90_000, minSequential: 0 });
    if (this.lastSr !== undefined) this.rtpStats.handleSenderReport(this.lastSr.at, this.lastSr.ntp);
    this.nextReportAt ??= now + this.randomizedInterval(RECEIVER_RTCP_INITIAL_FRACTION);
  }

  private handleMedia(now: number, packet: RtpPacket, entry: CodecEntry, recovered: boolean, headerBytes: number): void {
    const ext = this.seen.extend(packet.sequenceNumber);
    const mark = this.seen.mark(ext);
    if (mark === 'restart') {
      // the sender restarted its sequence space on the same SSRC
      this.rtpStats = undefined;
      this.startStats(now, entry);
      this.audioHeld.clear();
      this.audioNext = undefined;
    }
    if (mark === 'duplicate') {
      this.s.packetsDuplicated++;
      if (!recovered) this.rtpStats?.handlePacket(now, packet); // RFC 3550 A.3 counts duplicates as received
      return;
    }
    if (entry.codec.clockRate !== this.rtpStats?.clockRateHz && entry.codec.clockRate > 0) {
      this.rtpStats = undefined; // a codec with another clock: jitter is measured in its units
      this.startStats(now, entry);
    }
    this.rtpStats?.handlePacket(now, packet);
    this.byeReceived = false;
    this.s.packetsReceived++;
    this.s.bytesReceived += packet.payload.length;
    this.s.headerBytesReceived += headerBytes;
    this.s.lastPacketReceivedAt = now;
    this.s.codecPayloadType = entry.codec.payloadType;
    if (recovered) {
      this.s.retransmittedPacketsReceived++;
      this.s.retransmittedBytesReceived += packet.payload.length;
    }
    if (this.rtpEvents && mark !== 'old' && packet.payload.length > 0) this.pushEvent({ type: 'rtp', packet });
    if (entry.video) this.handleVideo(now, packet, entry, mark === 'newest' || mark === 'restart');
    else this.handleAudio(now, packet, ext, entry, mark === 'old');
  }

  private handleVideo(now: number, packet: RtpPacket, entry: CodecEntry, newest: boolean): void {
    if (this.jitterBuffer === undefined || this.jitterCodec?.codec.payloadType !== entry.codec.payloadType) {
      if (this.jitterBuffer !== undefined && !newest) {
        this.s.packetsDiscarded++; // a late packet of the codec we switched away from
        return;
      }
      this.dropJitterBuffer();
      this.jitterBuffer = new JitterBuffer({
        ...(entry.format !== undefined ? { format: entry.format } : {}),
        ...(this.rttMs !== undefined ? { rttMs: this.rttMs } : {}),
        ...(this.giveUpMs !== undefined ? { giveUpMs: this.giveUpMs } : {}),
        ...(this.reorderToleranceMs !== undefined ? { reorderToleranceMs: this.reorderToleranceMs } : {}),
        nack: entry.nack,
      });
      this.jitterCodec = entry;
    }
    const jb = this.jitterBuffer;
    const late = jb.stats.late;
    jb.handleInput(now, packet);
    this.s.packetsDiscarded += jb.stats.late - late;
    this.drainJitterBuffer();
  }

  private dropJitterBuffer(): void {
    if (this.jitterBuffer !== undefined) this.framesDroppedBefore += this.jitterBuffer.stats.framesDropped;
    this.jitterBuffer = undefined;
    this.jitterCodec = undefined;
  }

  private drainJitterBuffer(): void {
    const jb = this.jitterBuffer;
    const entry = this.jitterCodec;
    if (jb === undefined || entry === undefined) return;
    for (let e = jb.pollEvent(); e !== undefined; e = jb.pollEvent()) {
      if (e.type === 'frame') {
        const data = e.data ?? joinBytes(e.packets.map((p) => p.payload));
        const keyframe = e.keyframe ?? false;
        this.s.framesReceived++;
        if (keyframe) this.s.keyFramesReceived++;
        if (this.frameEvents) this.pushEvent({ type: 'frame', frame: { data, timestamp: e.timestamp, keyframe }, codec: entry.codec });
      } else if (e.type === 'nack') {
        if (entry.nack) this.sendNack(e.sequenceNumbers);
      } else {
        this.sendKeyframeRequest(entry);
      }
    }
  }

  private handleAudio(now: number, packet: RtpPacket, ext: number, entry: CodecEntry, old: boolean): void {
    this.audioNext ??= ext;
    if (old || ext < this.audioNext) {
      this.s.packetsDiscarded++;
      return;
    }
    this.audioHeld.set(ext, { packet, at: now, codec: entry });
    this.drainAudio(now);
  }

  private drainAudio(now: number): void {
    for (;;) {
      const next = this.audioNext;
      if (next === undefined || this.audioHeld.size === 0) return;
      const held = this.audioHeld.get(next);
      if (held !== undefined) {
        this.audioHeld.delete(next);
        this.audioNext = next + 1;
        if (held.packet.payload.length === 0) continue; // a padding-only probe (Chrome sends them on audio too): no frame
        this.s.framesReceived++; // W3C keyFramesReceived is for video only
        if (this.frameEvents) this.pushEvent({ type: 'frame', frame: { data: held.packet.payload, timestamp: held.packet.timestamp, keyframe: true }, codec: held.codec.codec });
        continue;
      }
      // a gap at the head: skip it once the window is full or the oldest held packet waited long enough
      let first: number | undefined;
      let oldestAt = Infinity;
      for (const [k, v] of this.audioHeld) {
        if (first === undefined || k < first) first = k;
        if (v.at < oldestAt) oldestAt = v.at;
      }
      if (first === undefined) return;
      if (this.audioHeld.size < RECEIVER_AUDIO_REORDER_PACKETS && now < oldestAt + RECEIVER_AUDIO_REORDER_MS) return;
      this.audioNext = first;
    }
  }

  private audioDeadline(): number | undefined {
    if (this.audioHeld.size === 0) return undefined;
    let oldestAt = Infinity;
    for (const v of this.audioHeld.values()) if (v.at < oldestAt) oldestAt = v.at;
    return oldestAt + RECEIVER_AUDIO_REORDER_MS;
  }

  // --- RTCP out

  private firstVideoCodec(): CodecEntry | undefined {
    for (const c of this.codecs.values()) if (c.video) return c;
    return undefined;
  }

  private sendNack(sequenceNumbers: readonly number[]): void {
    const media = this.remoteSsrc;
    if (media === undefined) return;
    for (let i = 0; i < sequenceNumbers.length; i += RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET) {
      const lost = sequenceNumbers.slice(i, i + RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET);
      this.s.nackCount++;
      this.queueFeedback({ type: 'nack', senderSsrc: this.localSsrc, mediaSsrc: media, lost });
    }
  }

  private sendKeyframeRequest(entry: CodecEntry | undefined): void {
    const media = this.remoteSsrc;
    if (media === undefined || entry === undefined) return;
    if (entry.pli) {
      this.s.pliCount++;
      this.queueFeedback({ type: 'pli', senderSsrc: this.localSsrc, mediaSsrc: media });
    } else if (entry.fir) {
      // RFC 5104 4.3.1.2: a new request increments the sequence number (mod 256); media SSRC field 0
      this.firSequence = (this.firSequence + 1) & 0xff;
      this.s.firCount++;
      this.queueFeedback({ type: 'fir', senderSsrc: this.localSsrc, mediaSsrc: 0, entries: [{ ssrc: media, sequenceNumber: this.firSequence }] });
    }
  }

  private sdes(): RtcpPacket {
    return { type: 'sdes', chunks: [{ ssrc: this.localSsrc, items: [{ type: SdesItemType.Cname, text: this.cname }] }] };
  }

  private queueFeedback(fb: RtcpPacket): void {
    // RFC 5506 3: reduced-size feedback goes alone; otherwise RFC 4585 3.1 compound RR + SDES + FB
    this.queueTransmit(serializeRtcp(this.reducedSize ? [fb] : [{ type: 'rr', ssrc: this.localSsrc, reports: [] }, this.sdes(), fb]));
  }

  private queueReport(now: number): void {
    const block = this.byeReceived ? undefined : this.rtpStats?.reportBlock(now);
    const packets: RtcpPacket[] = [{ type: 'rr', ssrc: this.localSsrc, reports: block === undefined ? [] : [block] }, this.sdes()];
    if (this.xrRrtr) packets.push({ type: 'xr', ssrc: this.localSsrc, blocks: [{ type: 'rrtr', ntpTimestamp: ntpFromUnixMs(now + this.ntpOffsetMs) }] });
    this.queueTransmit(serializeRtcp(packets));
  }

  private queueTransmit(data: Uint8Array): void {
    if (this.transmits.length >= RECEIVER_MAX_PENDING_TRANSMITS) {
      this.transmits.shift();
      this.s.transmitsDropped++;
    }
    this.transmits.push(data);
  }

  private pushEvent(e: RtpStreamReceiverEvent): void {
    if (this.events.length >= RECEIVER_MAX_PENDING_EVENTS) {
      this.events.shift();
      this.s.eventsDropped++;
    }
    this.events.push(e);
  }

  private randomizedInterval(fraction: number): number {
    const r = randomU32(this.random) / 0x1_0000_0000;
    return this.intervalMs * fraction * (RECEIVER_RTCP_RANDOM_MIN + RECEIVER_RTCP_RANDOM_SPAN * r);
  }
}
