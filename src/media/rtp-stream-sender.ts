/**
 * @module media/rtp-stream-sender
 * One outgoing RTP stream (one SSRC, plus its RTX SSRC), sans-IO:
 * - frames are packetized with the codec's payload format; the marker is set on the last
 *   packet of a video frame (RFC 3550 5.1, RFC 7741 4.1, RFC 6184 5.1) and, for audio, on
 *   the first packet of the stream (RFC 7587 4.2 / RFC 3551 4.1: the first packet of a
 *   talkspurt); the first sequence number and the timestamp offset are random (RFC 3550
 *   5.1); header extensions (RFC 8285) carry the negotiated ids: mid on every packet
 *   (RFC 8843 15; libwebrtc stops once acknowledged, sending it always is allowed),
 *   abs-send-time from `now`, a transport-wide sequence number (one counter per sender
 *   by default; pass one shared `TransportSequenceCounter` to every sender of a bundled
 *   transport, as the numbers must be unique per transport) and, for audio, the RFC 6464
 *   audio level 127 with V=0 (no level measured);
 * - a bounded `RtpPacketHistory` answers generic NACKs (RFC 4585 6.2.1) with RTX packets
 *   (RFC 4588 4, 8.3: own SSRC, payload type and sequence space; OSN first) when an RTX
 *   stream exists, else with the original packet again; one sequence number is
 *   retransmitted at most once per round-trip time (NACK storms cost one copy per RTT);
 * - PLI (RFC 4585 6.3.1) and FIR (RFC 5104 4.3.1; a repeated command sequence number is
 *   the same request, 4.3.1.2) become 'keyframe-request' events;
 * - SR + SDES CNAME compound packets (RFC 3550 6.4.1, 6.5.1, 6.1: always compound, the
 *   reduced-size option of RFC 5506 concerns feedback) on the RTCP interval (6.2, 6.3:
 *   1 s for video and 5 s for audio as libwebrtc uses, times a random factor in
 *   [0.5, 1.5), the first one after half an interval); the SR's RTP timestamp is the
 *   media clock at the SR's NTP time, extrapolated from the last packet sent; BYE
 *   (6.6) in a final SR + SDES + BYE compound;
 * - report blocks naming our SSRC give the remote-inbound stats: fraction lost,
 *   cumulative lost, jitter in seconds, and the round-trip time
 *   A - LSR - DLSR (RFC 3550 6.4.1) when LSR is not 0;
 * - with `pacing`, video packets leave at SENDER_PACING_FACTOR x the recent media rate
 *   (RFC 8083 6.1: no bursts; libwebrtc's paced sender does the same): a keyframe is
 *   spread over tens of ms. The SR counts and abs-send-time are taken when a packet is
 *   built, a few ms before a paced packet leaves; retransmissions are never held.
 * - forwarded RTP (an SFU) is rewritten to our SSRC, payload type, sequence space and
 *   timestamp offset, its payload and marker kept.
 *
 * `pollTransmit` hands out plaintext RTP/RTCP. The RTP bytes are also what the history
 * keeps for retransmission (the payload is a view into them, so nothing is copied per
 * packet): protect them into another buffer, never in place.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { secureRandom, randomU32 } from '../common/random.js';
import type { RandomSource } from '../common/random.js';
import { writeRtp, rtpPacketBytes, rtpExtensions } from '../rtp/rtp-packet.js';
import type { RtpPacket, RtpExtensionElement, RtpHeaderExtension } from '../rtp/rtp-packet.js';
import { serializeSdesExtension, serializeAudioLevel } from '../rtp/extensions.js';
import { serializeRtcp } from '../rtp/rtcp.js';
import type { RtcpPacket } from '../rtp/rtcp.js';
import type { RtcpReportBlock } from '../rtp/rtcp-report.js';
import type { RtcpNack } from '../rtp/rtcp-nack.js';
import type { RtcpFir } from '../rtp/rtcp-psfb.js';
import { SdesItemType, RTCP_SDES_ITEM_MAX_BYTES } from '../rtp/rtcp-sdes.js';
import { RtpPacketHistory, RTP_HISTORY_DEFAULT_PACKETS } from '../rtp/nack.js';
import { rtxEncode } from '../rtp/rtx.js';
import { ntpFromUnixMs, compactNtp, roundTripTimeMs } from '../rtp/ntp.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './frame.js';
import type { EncodedFrame, Packetizer } from './frame.js';
import { isVideoCodec, packetizerFor } from './codecs.js';
import type { RtpCodec } from './codecs.js';

/** RFC 3550 6.2 leaves the interval to the profile; libwebrtc reports every second for video. */
export const SENDER_RTCP_VIDEO_INTERVAL_MS = 1000;
/** libwebrtc's audio report interval (kDefaultAudioReportInterval). */
export const SENDER_RTCP_AUDIO_INTERVAL_MS = 5000;
/** RFC 3550 6.3.1: the first report waits half an interval ("initial" halving). */
export const SENDER_RTCP_INITIAL_FRACTION = 0.5;
/** RFC 3550 6.3.1: each interval is the computed one times a random factor in [0.5, 1.5). */
export const SENDER_RTCP_RANDOM_MIN = 0.5;
export const SENDER_RTCP_RANDOM_SPAN = 1;
/**
 * Undrained datagrams held at most; the oldest are dropped (and counted) beyond it. A
 * 16 MB frame is 14k packets, real frames are a few hundred; NACK answers add at most the
 * history size. The caller drains after every call, so this only bites a stalled caller.
 */
export const SENDER_MAX_PENDING_TRANSMITS = 4096;
/** Undrained keyframe requests held; more are redundant (one keyframe answers them all). */
export const SENDER_MAX_PENDING_EVENTS = 16;
/** Requesting SSRCs whose last FIR sequence number is remembered (RFC 5104 4.3.1.2). */
export const SENDER_MAX_FIR_SOURCES = 32;
/** Retransmission spacing of one sequence number before any round-trip time is measured. */
export const RETRANSMIT_DEFAULT_INTERVAL_MS = 100;
/** Bounds of the per-sequence-number retransmission spacing (the measured RTT, clamped). */
export const RETRANSMIT_MIN_INTERVAL_MS = 5;
export const RETRANSMIT_MAX_INTERVAL_MS = 1000;
/**
 * Video pacing (libwebrtc's pacer does the same): a frame's packets leave no faster than
 * SENDER_PACING_FACTOR times the stream's bitrate over the last SENDER_PACING_WINDOW_MS,
 * and never slower than SENDER_PACING_MIN_BPS, so a keyframe does not hit the path as one
 * burst of dozens of packets.
 */
export const SENDER_PACING_FACTOR = 2.5;
export const SENDER_PACING_MIN_BPS = 2_000_000;
export const SENDER_PACING_WINDOW_MS = 1000;
/** Frames remembered for the pacing rate (60 fps over the window, with room). */
export const SENDER_PACING_MAX_FRAMES = 128;
/** Hard bound on the RTX history (RTP_HISTORY_MAX_PACKETS of src/rtp/nack.ts applies too). */
export const SENDER_DEFAULT_HISTORY_PACKETS = RTP_HISTORY_DEFAULT_PACKETS;
/** RFC 6464 3: level 127 is -127 dBov, the quietest; with V=0 it says "no level measured". */
export const AUDIO_LEVEL_UNKNOWN_DBOV = 127;

/** 2^24: abs-send-time is 6.18 fixed-point seconds, wrapping every 64 s. */
const ABS_SEND_TIME_MODULO = 0x1000000;

/**
 * The transport-wide sequence number counter (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 section 2: one sequence space per transport). Senders make their own by
 * default; a peer that bundles several senders on one transport passes them one shared
 * counter so the numbers stay unique on the transport.
 */
export class TransportSequenceCounter {
  private value: number;
  /** libwebrtc starts at 1. */
  constructor(first = 1) {
    this.value = first & 0xffff;
  }
  /** The number for the next packet on the transport (16 bits, wrapping). */
  next(): number {
    const v = this.value;
    this.value = (v + 1) & 0xffff;
    return v;
  }
}

export interface RtpStreamSenderOptions {
  readonly ssrc: number;
  readonly rtxSsrc?: number;
  readonly codec: RtpCodec;
  readonly cname: string;
  readonly mid?: string;
  /** Negotiated extmap ids; undefined = not negotiated, not written. */
  readonly extensions?: { readonly mid?: number; readonly absSendTime?: number; readonly transportCc?: number; readonly audioLevel?: number };
  /** Default DEFAULT_MAX_PAYLOAD_BYTES (1200). */
  readonly maxPayloadBytes?: number;
  /** RTX history in packets, bounded (default RTP_HISTORY_DEFAULT_PACKETS). */
  readonly historyPackets?: number;
  /** Initial sequence numbers, timestamp offset, picture IDs, RTCP interval jitter. */
  readonly random?: RandomSource;
  /** Kept for symmetry with the receiver: the SR is always compound (RFC 5506 concerns feedback). */
  readonly rtcpReducedSize?: boolean;
  /** Wall clock (Unix ms) minus `now`, for SR NTP timestamps and abs-send-time. */
  readonly ntpOffsetMs?: number;
  /** Shared transport-wide sequence numbers (default: this sender's own counter, from 1). */
  readonly transportSequence?: TransportSequenceCounter;
  /**
   * Pace video packets (SENDER_PACING_*): they leave through pollTransmit once
   * handleTimeout reaches their release time. Off by default: the caller drains at once.
   * Retransmissions, audio and RTCP are never held.
   */
  readonly pacing?: boolean;
}

export type RtpStreamSenderEvent = { readonly type: 'keyframe-request'; readonly reason: 'pli' | 'fir' };

/** W3C RTCOutboundRtpStreamStats fields plus the remote-inbound ones from report blocks. */
export interface RtpStreamSenderStats {
  /** RTP packets sent, retransmissions (RTX included) too. */
  packetsSent: number;
  /** Payload bytes sent (no headers or padding), retransmissions too. */
  bytesSent: number;
  headerBytesSent: number;
  retransmittedPacketsSent: number;
  retransmittedBytesSent: number;
  framesSent: number;
  keyFramesSent: number;
  /** NACK / PLI / FIR packets received for this stream (FIR: new requests only). */
  nackCount: number;
  pliCount: number;
  firCount: number;
  lastPacketSentAt?: number;
  /** Frames the packetizer refused (e.g. an H.264 NAL too big for packetization-mode 0). */
  framesDiscarded: number;
  /** Datagrams dropped because the caller did not drain pollTransmit (SENDER_MAX_PENDING_TRANSMITS). */
  transmitsDropped: number;
  remote?: {
    packetsLost: number;
    /** 0-1. */
    fractionLost: number;
    /** Seconds. */
    jitter: number;
    /** Seconds, the latest measurement. */
    roundTripTime?: number;
    totalRoundTripTime: number;
    roundTripTimeMeasurements: number;
    reportsReceived: number;
  };
}

interface Transmit {
  readonly rtcp: boolean;
  readonly data: Uint8Array;
}

/** A FIFO with a head index (no O(n) shift per poll) and a capacity. */
class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  get length(): number {
    return this.items.length - this.head;
  }
  /** Appends; returns false (and drops the oldest) when full. */
  push(item: T): boolean {
    let kept = true;
    if (this.length >= this.capacity) {
      this.items[this.head] = undefined;
      this.head++;
      kept = false;
    }
    this.items.push(item);
    return kept;
  }
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** RFC 8285 5: extmap ids are 1-14 (one-byte form) or 1-255 (two-byte form); each URI its own id. */
function checkExtensionIds(ids: RtpStreamSenderOptions['extensions']): NonNullable<RtpStreamSenderOptions['extensions']> {
  if (ids === undefined) return {};
  const seen = new Set<number>();
  for (const id of [ids.mid, ids.absSendTime, ids.transportCc, ids.audioLevel]) {
    if (id === undefined) continue;
    if (!Number.isInteger(id) || id < 1 || id > 255) throw new InvalidArgumentError(`header extension id ${id} outside 1-255 (RFC 8285 5)`);
    if (seen.has(id)) throw new InvalidArgumentError(`header extension id ${id} given twice`);
    seen.add(id);
  }
  return ids;
}

function randomFloat(rng: RandomSource): number {
  return randomU32(rng) / 0x1_0000_0000;
}

export class RtpStreamSender {
  readonly ssrc: number;
  readonly rtxSsrc: number | undefined;
  readonly cname: string;
  readonly mid: string | undefined;
  private codec: RtpCodec;
  private extensionIds: NonNullable<RtpStreamSenderOptions['extensions']>;
  private packetizer: Packetizer;
  private video: boolean;
  private readonly maxPayloadBytes: number;
  private readonly random: RandomSource;
  private readonly ntpOffsetMs: number;
  private readonly midData: Uint8Array | undefined;
  private readonly audioLevelData = serializeAudioLevel({ voiceActivity: false, levelDbov: AUDIO_LEVEL_UNKNOWN_DBOV });
  private readonly history: RtpPacketHistory;
  /** Sequence number -> `now` of its last retransmission, bounded by the history size. */
  private readonly retransmittedAt = new Map<number, number>();
  private readonly firSequence = new Map<number, number>();
  private readonly transmits = new BoundedQueue<Transmit>(SENDER_MAX_PENDING_TRANSMITS);
  /** Paced video packets waiting for their release time (non-decreasing). */
  private readonly paced = new BoundedQueue<{ readonly at: number; readonly data: Uint8Array }>(SENDER_MAX_PENDING_TRANSMITS);
  private readonly pacing: boolean;
  /** When the pacer's link is next free (ms). */
  private pacerFreeAt = 0;
  /** (time, payload bytes) of recent frames, for the pacing rate. */
  private readonly recentFrames: { at: number; bytes: number }[] = [];
  private readonly events = new BoundedQueue<RtpStreamSenderEvent>(SENDER_MAX_PENDING_EVENTS);

  private sequence: number;
  private rtxSequence: number;
  private readonly transportSequence: TransportSequenceCounter;
  private readonly timestampOffset: number;
  /** RTP timestamp and `now` of the newest packet sent (SR extrapolation, forwarding rebase). */
  private lastRtpTimestamp: number | undefined;
  private lastRtpAt = 0;
  private anySent = false;
  /** Forwarding: the source's SSRC and the value added to its timestamps. */
  private forwardSourceSsrc: number | undefined;
  private forwardTimestampDelta = 0;
  private forwardSequenceDelta = 0;
  private forwardFirstSequence = 0;

  /** RFC 3550 6.4.1 sender's packet and octet counts (media SSRC only; RTX has its own SSRC). */
  private srPacketCount = 0;
  private srOctetCount = 0;
  private nextRtcpAt: number | undefined;
  private closed = false;
  private rttMs: number | undefined;
  private readonly s: RtpStreamSenderStats = {
    packetsSent: 0,
    bytesSent: 0,
    headerBytesSent: 0,
    retransmittedPacketsSent: 0,
    retransmittedBytesSent: 0,
    framesSent: 0,
    keyFramesSent: 0,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
    framesDiscarded: 0,
    transmitsDropped: 0,
  };
  private remote: NonNullable<RtpStreamSenderStats['remote']> | undefined;

  constructor(o: RtpStreamSenderOptions) {
    if (!Number.isInteger(o.ssrc) || o.ssrc < 0 || o.ssrc > 0xffffffff) throw new InvalidArgumentError('ssrc must be a 32-bit unsigned integer');
    if (o.rtxSsrc !== undefined && (!Number.isInteger(o.rtxSsrc) || o.rtxSsrc < 0 || o.rtxSsrc > 0xffffffff || o.rtxSsrc === o.ssrc)) {
      throw new InvalidArgumentError('rtxSsrc must be a 32-bit unsigned integer other than ssrc');
    }
    if (new TextEncoder().encode(o.cname).length > RTCP_SDES_ITEM_MAX_BYTES) throw new InvalidArgumentError('cname longer than 255 bytes (RFC 3550 6.5)');
    this.ssrc = o.ssrc;
    this.rtxSsrc = o.rtxSsrc;
    this.cname = o.cname;
    this.mid = o.mid;
    this.midData = o.mid === undefined || o.mid === '' ? undefined : serializeSdesExtension(o.mid);
    this.random = o.random ?? secureRandom;
    this.ntpOffsetMs = o.ntpOffsetMs ?? 0;
    this.maxPayloadBytes = o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.codec = o.codec;
    this.video = isVideoCodec(o.codec);
    this.pacing = o.pacing ?? false;
    this.extensionIds = checkExtensionIds(o.extensions);
    this.packetizer = packetizerFor(o.codec, this.maxPayloadBytes, this.random);
    this.history = new RtpPacketHistory({ capacity: o.historyPackets ?? SENDER_DEFAULT_HISTORY_PACKETS });
    this.sequence = randomU32(this.random) & 0xffff;
    this.rtxSequence = randomU32(this.random) & 0xffff;
    this.timestampOffset = randomU32(this.random);
    this.transportSequence = o.transportSequence ?? new TransportSequenceCounter();
  }

  /** The codec we send now. */
  get currentCodec(): RtpCodec {
    return this.codec;
  }

  /** The next media sequence number (tests, logging). */
  get nextSequenceNumber(): number {
    return this.sequence;
  }

  /** The random offset added to frame timestamps (RFC 3550 5.1). */
  get rtpTimestampOffset(): number {
    return this.timestampOffset;
  }

  /** Packets held for retransmission. */
  get historySize(): number {
    return this.history.size;
  }

  /** Sequence numbers whose last retransmission time is remembered (bounded by the history size). */
  get retransmitStateSize(): number {
    return this.retransmittedAt.size;
  }

  /** Datagrams waiting in pollTransmit. */
  get pendingTransmits(): number {
    return this.transmits.length;
  }

  /** Renegotiation: a new codec or extension ids; sequence numbers and timestamps continue. */
  setCodec(codec: RtpCodec, extensions?: RtpStreamSenderOptions['extensions']): void {
    if (codec.name.toLowerCase() !== this.codec.name.toLowerCase() || codec.fmtp !== this.codec.fmtp) {
      this.packetizer = packetizerFor(codec, this.maxPayloadBytes, this.random);
    }
    this.codec = codec;
    this.video = isVideoCodec(codec);
    if (extensions !== undefined) this.extensionIds = checkExtensionIds(extensions);
  }

  /**
   * Packetize and queue one frame. `frame.timestamp` is in the codec's clock units on the
   * caller's timeline; the random offset is added. Returns false (and counts the frame
   * in framesDiscarded) when the packetizer refuses it, or after bye().
   */
  sendFrame(now: number, frame: EncodedFrame): boolean {
    if (this.closed) return false;
    let payloads: Uint8Array[];
    try {
      payloads = this.packetizer.packetize(frame.data);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      this.s.framesDiscarded++;
      return false;
    }
    if (payloads.length === 0) {
      this.s.framesDiscarded++;
      return false;
    }
    const timestamp = (frame.timestamp + this.timestampOffset) >>> 0;
    if (this.pacing && this.video) this.notePacedFrame(now, payloads);
    const last = payloads.length - 1;
    for (let i = 0; i <= last; i++) {
      // Video: the marker ends a frame. Audio: it marks the first packet of a talkspurt; we
      // know of one talkspurt, the stream's start (RFC 7587 4.2, RFC 3551 4.1).
      const marker = this.video ? i === last : !this.anySent && i === 0;
      this.sendMedia(now, marker, timestamp, [], payloads[i] as Uint8Array);
    }
    this.s.framesSent++;
    if (frame.keyframe) this.s.keyFramesSent++;
    // Forwarded packets after this frame are rebased past the numbers it took.
    this.forwardSourceSsrc = undefined;
    return true;
  }

  /**
   * Forward an RTP packet (SFU): our SSRC and payload type; the sequence number keeps its
   * distance from the source's first one, continuing ours (so a packet lost upstream is a
   * gap downstream, which the receiver's depacketizer must see, and reordering is kept);
   * the timestamp likewise, plus our offset. Payload, marker and CSRCs are kept, the
   * source's header extensions replaced by ours. When the source SSRC changes, both are
   * rebased to continue ours (timestamps on the elapsed time), and the new source's packets
   * older than its first forwarded one are dropped (their numbers would collide with ours);
   * a frame sent with sendFrame in between also rebases the next forwarded packet.
   * Packets without payload (padding-only probes) are not forwarded; returns false for
   * packets not sent.
   */
  sendRtp(now: number, packet: RtpPacket): boolean {
    if (this.closed || packet.payload.length === 0) return false;
    if (this.forwardSourceSsrc !== packet.ssrc) {
      const target = this.lastRtpTimestamp === undefined ? this.timestampOffset : this.extrapolatedTimestamp(now);
      this.forwardTimestampDelta = (target - packet.timestamp) >>> 0;
      this.forwardSequenceDelta = (this.sequence - packet.sequenceNumber) & 0xffff;
      this.forwardSourceSsrc = packet.ssrc;
      this.forwardFirstSequence = packet.sequenceNumber;
    } else if (((packet.sequenceNumber - this.forwardFirstSequence) & 0xffff) >= 0x8000) {
      // Older than the source's first forwarded packet: its number would fall on ours from before the rebase.
      return false;
    }
    const timestamp = (packet.timestamp + this.forwardTimestampDelta) >>> 0;
    const sequenceNumber = (packet.sequenceNumber + this.forwardSequenceDelta) & 0xffff;
    // Our next number follows the newest forwarded one (a late, reordered packet leaves it).
    const ahead = (sequenceNumber - this.sequence) & 0xffff;
    const next = ahead < 0x8000 ? (sequenceNumber + 1) & 0xffff : this.sequence;
    this.sequence = sequenceNumber;
    this.sendMedia(now, packet.marker, timestamp, packet.csrcs, packet.payload);
    this.sequence = next;
    if (!this.video || packet.marker) this.s.framesSent++;
    return true;
  }

  private sendMedia(now: number, marker: boolean, timestamp: number, csrcs: readonly number[], payload: Uint8Array): void {
    const packet: RtpPacket = {
      marker,
      payloadType: this.codec.payloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.ssrc,
      csrcs,
      headerExtension: this.headerExtension(now),
      payload,
      paddingBytes: 0,
    };
    this.sequence = (this.sequence + 1) & 0xffff;
    const data = this.emit(now, packet, false);
    // Keep the packet without its extensions (rebuilt on retransmission) and with its
    // payload a view into the bytes just queued: no copy of the caller's buffer.
    const payloadAt = data.length - payload.length;
    this.history.store({ ...packet, headerExtension: undefined, payload: data.subarray(payloadAt) });
    this.srPacketCount = (this.srPacketCount + 1) >>> 0;
    this.srOctetCount = (this.srOctetCount + payload.length) >>> 0;
    this.lastRtpTimestamp = timestamp;
    this.lastRtpAt = now;
    if (!this.anySent) {
      this.anySent = true;
      this.nextRtcpAt = now + this.rtcpIntervalMs() * SENDER_RTCP_INITIAL_FRACTION;
    }
  }

  /** Serialize, count, queue. */
  private emit(now: number, packet: RtpPacket, retransmission: boolean): Uint8Array {
    const data = new Uint8Array(rtpPacketBytes(packet));
    writeRtp(packet, data, 0);
    const payloadBytes = packet.payload.length;
    this.s.packetsSent++;
    this.s.bytesSent += payloadBytes;
    this.s.headerBytesSent += data.length - payloadBytes;
    if (retransmission) {
      this.s.retransmittedPacketsSent++;
      this.s.retransmittedBytesSent += payloadBytes;
    }
    this.s.lastPacketSentAt = now;
    if (!retransmission && this.pacing && this.video) this.pace(now, data);
    else if (!this.transmits.push({ rtcp: false, data })) this.s.transmitsDropped++;
    return data;
  }

  /** The pacing rate in bits/s: SENDER_PACING_FACTOR x the recent media rate, at least SENDER_PACING_MIN_BPS. */
  private pacingRateBps(now: number): number {
    let bytes = 0;
    for (const f of this.recentFrames) if (f.at > now - SENDER_PACING_WINDOW_MS) bytes += f.bytes;
    return Math.max(SENDER_PACING_MIN_BPS, (SENDER_PACING_FACTOR * bytes * 8 * 1000) / SENDER_PACING_WINDOW_MS);
  }

  private notePacedFrame(now: number, payloads: readonly Uint8Array[]): void {
    let bytes = 0;
    for (const p of payloads) bytes += p.length;
    this.recentFrames.push({ at: now, bytes });
    if (this.recentFrames.length > SENDER_PACING_MAX_FRAMES) this.recentFrames.shift();
  }

  /** Holds `data` until the pacer's link is free (RFC 8083 6.1: avoid bursts; libwebrtc's paced sender). */
  private pace(now: number, data: Uint8Array): void {
    const at = Math.max(now, this.pacerFreeAt);
    this.pacerFreeAt = at + (data.length * 8 * 1000) / this.pacingRateBps(now);
    if (at <= now && this.paced.length === 0) {
      if (!this.transmits.push({ rtcp: false, data })) this.s.transmitsDropped++;
    } else if (!this.paced.push({ at, data })) this.s.transmitsDropped++;
  }

  /** Paced packets still waiting for their release time. */
  get pacedPackets(): number {
    return this.paced.length;
  }

  /** RFC 8285 elements for one packet sent at `now`. */
  private headerExtension(now: number): RtpHeaderExtension | undefined {
    const ids = this.extensionIds;
    const elements: RtpExtensionElement[] = [];
    if (ids.mid !== undefined && this.midData !== undefined) elements.push({ id: ids.mid, data: this.midData });
    if (ids.absSendTime !== undefined) {
      // 6.18 fixed-point seconds of the NTP clock; NTP and Unix seconds differ by a multiple of 64.
      const wall = now + this.ntpOffsetMs;
      const v = Math.round((wall * 262_144) / 1000) % ABS_SEND_TIME_MODULO;
      const abs = v < 0 ? v + ABS_SEND_TIME_MODULO : v;
      elements.push({ id: ids.absSendTime, data: Uint8Array.of((abs >>> 16) & 0xff, (abs >>> 8) & 0xff, abs & 0xff) });
    }
    if (ids.transportCc !== undefined) {
      const t = this.transportSequence.next();
      elements.push({ id: ids.transportCc, data: Uint8Array.of((t >>> 8) & 0xff, t & 0xff) });
    }
    if (ids.audioLevel !== undefined && !this.video) elements.push({ id: ids.audioLevel, data: this.audioLevelData });
    return elements.length === 0 ? undefined : rtpExtensions(elements);
  }

  /** The media clock at `now`, extrapolated from the newest packet sent (RFC 3550 6.4.1 SR RTP timestamp). */
  private extrapolatedTimestamp(now: number): number {
    const base = this.lastRtpTimestamp ?? this.timestampOffset;
    return (base + Math.round(((now - this.lastRtpAt) * this.codec.clockRate) / 1000)) >>> 0;
  }

  private rtcpIntervalMs(): number {
    return this.video ? SENDER_RTCP_VIDEO_INTERVAL_MS : SENDER_RTCP_AUDIO_INTERVAL_MS;
  }

  /** Feedback and reports from the remote receiver. Never throws on remote input. */
  handleRtcp(now: number, packet: RtcpPacket): void {
    switch (packet.type) {
      case 'nack':
        if (packet.mediaSsrc === this.ssrc) this.handleNack(now, packet);
        break;
      case 'pli':
        if (packet.mediaSsrc === this.ssrc) {
          this.s.pliCount++;
          this.events.push({ type: 'keyframe-request', reason: 'pli' });
        }
        break;
      case 'fir':
        this.handleFir(packet);
        break;
      case 'rr':
      case 'sr':
        for (const block of packet.reports) if (block.ssrc === this.ssrc) this.handleReportBlock(now, block);
        break;
      default:
        break;
    }
  }

  private retransmitIntervalMs(): number {
    if (this.rttMs === undefined) return RETRANSMIT_DEFAULT_INTERVAL_MS;
    return Math.min(RETRANSMIT_MAX_INTERVAL_MS, Math.max(RETRANSMIT_MIN_INTERVAL_MS, this.rttMs));
  }

  /** RFC 4585 6.2.1 / RFC 4588 8.3: resend each held packet once per retransmission interval. */
  private handleNack(now: number, nack: RtcpNack): void {
    this.s.nackCount++;
    if (this.closed) return;
    const interval = this.retransmitIntervalMs();
    const rtxPayloadType = this.codec.rtxPayloadType;
    const rtxSsrc = this.rtxSsrc;
    for (const seq of nack.lost) {
      const original = this.history.get(seq);
      if (original === undefined) continue;
      const last = this.retransmittedAt.get(seq);
      if (last !== undefined && now - last < interval) continue;
      this.retransmittedAt.delete(seq);
      this.retransmittedAt.set(seq, now);
      if (this.retransmittedAt.size > this.history.capacity) {
        const oldest = this.retransmittedAt.keys().next().value as number;
        this.retransmittedAt.delete(oldest);
      }
      let packet: RtpPacket;
      if (rtxPayloadType !== undefined && rtxSsrc !== undefined) {
        packet = rtxEncode(original, { payloadType: rtxPayloadType, ssrc: rtxSsrc, sequenceNumber: this.rtxSequence });
        this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
      } else {
        packet = original;
        this.srPacketCount = (this.srPacketCount + 1) >>> 0;
        this.srOctetCount = (this.srOctetCount + original.payload.length) >>> 0;
      }
      this.emit(now, { ...packet, headerExtension: this.headerExtension(now) }, true);
    }
  }

  /** RFC 5104 4.3.1.2: a FIR entry for our SSRC with a new sequence number is a new request. */
  private handleFir(fir: RtcpFir): void {
    for (const e of fir.entries) {
      if (e.ssrc !== this.ssrc) continue;
      const previous = this.firSequence.get(fir.senderSsrc);
      if (previous === e.sequenceNumber) continue;
      this.firSequence.delete(fir.senderSsrc);
      this.firSequence.set(fir.senderSsrc, e.sequenceNumber);
      if (this.firSequence.size > SENDER_MAX_FIR_SOURCES) this.firSequence.delete(this.firSequence.keys().next().value as number);
      this.s.firCount++;
      this.events.push({ type: 'keyframe-request', reason: 'fir' });
    }
  }

  /** RFC 3550 6.4.1: remote-inbound stats and the round-trip time A - LSR - DLSR. */
  private handleReportBlock(now: number, block: RtcpReportBlock): void {
    const r = (this.remote ??= {
      packetsLost: 0,
      fractionLost: 0,
      jitter: 0,
      totalRoundTripTime: 0,
      roundTripTimeMeasurements: 0,
      reportsReceived: 0,
    });
    r.reportsReceived++;
    r.packetsLost = block.cumulativeLost;
    r.fractionLost = block.fractionLost / 256;
    r.jitter = block.jitter / this.codec.clockRate;
    const arrival = compactNtp(ntpFromUnixMs(now + this.ntpOffsetMs));
    const rtt = roundTripTimeMs(arrival, block.lastSr, block.delaySinceLastSr);
    if (rtt !== undefined) {
      this.rttMs = rtt;
      r.roundTripTime = rtt / 1000;
      r.totalRoundTripTime += rtt / 1000;
      r.roundTripTimeMeasurements++;
    }
  }

  /** The measured round-trip time in ms, if any. */
  get roundTripTimeMs(): number | undefined {
    return this.rttMs;
  }

  pollTransmit(): { readonly rtcp: boolean; readonly data: Uint8Array } | undefined {
    return this.transmits.shift();
  }

  pollEvent(): RtpStreamSenderEvent | undefined {
    return this.events.shift();
  }

  /** The next paced release or SR time (SR after the first packet sent; none after bye()). */
  pollTimeout(): number | undefined {
    const release = this.paced.peek()?.at;
    const sr = this.closed ? undefined : this.nextRtcpAt;
    if (release === undefined) return sr;
    return sr === undefined ? release : Math.min(release, sr);
  }

  handleTimeout(now: number): void {
    for (let p = this.paced.peek(); p !== undefined && p.at <= now; p = this.paced.peek()) {
      this.paced.shift();
      if (!this.transmits.push({ rtcp: false, data: p.data })) this.s.transmitsDropped++;
    }
    if (this.closed || this.nextRtcpAt === undefined || now < this.nextRtcpAt) return;
    this.queueRtcp(now, []);
    const factor = SENDER_RTCP_RANDOM_MIN + SENDER_RTCP_RANDOM_SPAN * randomFloat(this.random);
    this.nextRtcpAt = now + this.rtcpIntervalMs() * factor;
  }

  /** Queue the final SR + SDES + BYE compound (RFC 3550 6.6) and stop sending. */
  bye(now: number): void {
    if (this.closed) return;
    const ssrcs = this.rtxSsrc === undefined ? [this.ssrc] : [this.ssrc, this.rtxSsrc];
    this.queueRtcp(now, [{ type: 'bye', ssrcs }]);
    this.closed = true;
  }

  /** The SR (or, before any packet, an empty RR) + SDES CNAME compound (RFC 3550 6.1), then `tail`. */
  private queueRtcp(now: number, tail: readonly RtcpPacket[]): void {
    const first: RtcpPacket = this.anySent
      ? {
          type: 'sr',
          ssrc: this.ssrc,
          ntpTimestamp: ntpFromUnixMs(now + this.ntpOffsetMs),
          rtpTimestamp: this.extrapolatedTimestamp(now),
          packetCount: this.srPacketCount,
          octetCount: this.srOctetCount,
          reports: [],
        }
      : { type: 'rr', ssrc: this.ssrc, reports: [] };
    const sdes: RtcpPacket = { type: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ type: SdesItemType.Cname, text: this.cname }] }] };
    const data = serializeRtcp([first, sdes, ...tail]);
    if (!this.transmits.push({ rtcp: true, data })) this.s.transmitsDropped++;
  }

  stats(): RtpStreamSenderStats {
    const out: RtpStreamSenderStats = { ...this.s };
    if (this.remote !== undefined) out.remote = { ...this.remote };
    return out;
  }
}
