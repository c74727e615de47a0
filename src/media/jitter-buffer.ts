/**
 * @module media/jitter-buffer
 * A sans-IO receive jitter buffer for RTP video: it reorders packets by sequence number
 * (RFC 3550 A.1: 16-bit numbers extended across wrap), drops duplicates, asks for lost
 * packets with generic NACK (RFC 4585 6.2.1) spaced by the round-trip time with a
 * bounded number of attempts, gives up on a gap after a bounded time, then asks for a
 * keyframe with PLI (RFC 4585 6.3.1), and emits whole frames in order using the framing
 * rules of RFC 3550 5.1 (one timestamp per frame; the marker bit or a timestamp change
 * ends a frame). With a `PayloadFormat` it also depacketizes each frame and, after a
 * loss, holds back frames until a keyframe arrives.
 *
 * The core does no I/O and reads no clock: `handleInput(now, packet)`,
 * `handleTimeout(now)`, `pollEvent()`, `pollTimeout()`. Packets are held by reference
 * (the caller must not reuse their payload bytes).
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import type { RtpPacket } from '../rtp/rtp-packet.js';
import type { PayloadFormat } from './frame.js';

/** Bound on packets held (libwebrtc's packet buffer holds at most 2048). */
export const JITTER_DEFAULT_MAX_PACKETS = 2048;
/** Bound on sequence numbers tracked as missing (libwebrtc kMaxNackPackets = 1000); a larger jump resets the stream. */
export const JITTER_MAX_MISSING = 1000;
/** A packet this far behind the next expected one is taken as a sender restart, not a late packet. */
export const JITTER_RESET_DISTANCE = 3000;
/** Default NACK attempts per packet (libwebrtc kMaxNackRetries = 10). */
export const JITTER_DEFAULT_MAX_NACK_ATTEMPTS = 10;
/** Default time a missing packet may block delivery before the buffer gives up and asks for a keyframe. */
export const JITTER_DEFAULT_GIVE_UP_MS = 1000;
/** Default round-trip time before the caller reports one (RFC 4585 does not fix one; libwebrtc starts at 100 ms). */
export const JITTER_DEFAULT_RTT_MS = 100;
/** Floor on the spacing of NACK retries and keyframe requests. */
export const JITTER_MIN_RETRY_INTERVAL_MS = 10;
/** Floor on the spacing of keyframe requests (RFC 4585 3.5 asks for rate-limited feedback). */
export const JITTER_MIN_KEYFRAME_REQUEST_INTERVAL_MS = 200;
/** Before the first frame, a packet up to this far before the first one received moves the start back. */
export const JITTER_STARTUP_REWIND_PACKETS = 64;
/** Bound on undrained events. */
export const JITTER_MAX_PENDING_EVENTS = 4096;

export interface JitterBufferOptions {
  /** Depacketize frames and gate on keyframes after loss. */
  readonly format?: PayloadFormat;
  readonly rttMs?: number;
  readonly maxPackets?: number;
  readonly maxNackAttempts?: number;
  readonly giveUpMs?: number;
  /** Send NACK (default true). */
  readonly nack?: boolean;
  /** Wait this long after a gap appears before the first NACK, so reordered packets are not asked for (default 0). */
  readonly reorderToleranceMs?: number;
}

export type JitterBufferEvent =
  | {
      readonly type: 'frame';
      readonly timestamp: number;
      readonly packets: readonly RtpPacket[];
      /** With a format: the depacketized frame and whether it is a keyframe. */
      readonly data?: Uint8Array;
      readonly keyframe?: boolean;
    }
  | { readonly type: 'nack'; readonly ssrc: number; readonly sequenceNumbers: readonly number[] }
  | { readonly type: 'keyframe-request'; readonly ssrc: number };

export interface JitterBufferStats {
  packetsReceived: number;
  duplicates: number;
  late: number;
  /** Packets received after being NACKed. */
  recovered: number;
  nacksSent: number;
  /** Sequence numbers given up on. */
  lost: number;
  framesEmitted: number;
  /** Frames dropped: incomplete after a give-up, malformed, or waiting for a keyframe. */
  framesDropped: number;
  keyframeRequests: number;
  resets: number;
  eventsDropped: number;
}

interface Missing {
  readonly since: number;
  lastSent: number;
  attempts: number;
}

export class JitterBuffer {
  readonly format: PayloadFormat | undefined;
  readonly maxPackets: number;
  readonly maxNackAttempts: number;
  readonly giveUpMs: number;
  readonly stats: JitterBufferStats = {
    packetsReceived: 0,
    duplicates: 0,
    late: 0,
    recovered: 0,
    nacksSent: 0,
    lost: 0,
    framesEmitted: 0,
    framesDropped: 0,
    keyframeRequests: 0,
    resets: 0,
    eventsDropped: 0,
  };
  private rttMs: number;
  private readonly nackEnabled: boolean;
  private readonly reorderToleranceMs: number;
  private readonly packets = new Map<number, RtpPacket>();
  private readonly missing = new Map<number, Missing>();
  private readonly events: JitterBufferEvent[] = [];
  private nextSeq: number | undefined;
  private highest = 0;
  private ssrc = 0;
  /** After a give-up with no frame boundary in sight: head packets of this timestamp belong to a broken frame. */
  private discardTimestamp: number | undefined;
  private needKeyframe: boolean;
  /** Whether the packet at nextSeq is known to begin a frame (it follows a frame end, or the format says so). */
  private headIsFrameStart = false;
  private startupRewinds = 0;
  private lastKeyframeRequestAt = -Infinity;

  constructor(opts: JitterBufferOptions = {}) {
    this.format = opts.format;
    this.maxPackets = opts.maxPackets ?? JITTER_DEFAULT_MAX_PACKETS;
    this.maxNackAttempts = opts.maxNackAttempts ?? JITTER_DEFAULT_MAX_NACK_ATTEMPTS;
    this.giveUpMs = opts.giveUpMs ?? JITTER_DEFAULT_GIVE_UP_MS;
    this.rttMs = opts.rttMs ?? JITTER_DEFAULT_RTT_MS;
    this.nackEnabled = opts.nack ?? true;
    this.reorderToleranceMs = Math.max(0, opts.reorderToleranceMs ?? 0);
    if (!(this.maxPackets >= 1) || !(this.maxNackAttempts >= 0) || !(this.giveUpMs >= 0) || !(this.rttMs >= 0)) throw new InvalidArgumentError('JitterBuffer: bounds must be non-negative');
    this.needKeyframe = this.format !== undefined;
  }

  /** The current round-trip estimate (from RTCP reports) spaces NACK retries. */
  setRtt(rttMs: number): void {
    if (rttMs >= 0) this.rttMs = rttMs;
  }

  /** True until the first frame is delivered or dropped. */
  private get starting(): boolean {
    return this.stats.framesEmitted === 0 && this.stats.framesDropped === 0;
  }

  /** Packets currently held. */
  get size(): number {
    return this.packets.size;
  }

  /** Sequence numbers currently awaited (NACKed or about to be). */
  get missingCount(): number {
    return this.missing.size;
  }

  handleInput(now: number, packet: RtpPacket): void {
    this.stats.packetsReceived++;
    if (this.nextSeq === undefined) {
      this.start(packet);
    }
    const ext = this.extend(packet.sequenceNumber);
    const next = this.nextSeq as number;
    if (ext < next) {
      if (next - ext > JITTER_RESET_DISTANCE) {
        this.reset(now, packet);
      } else if (this.starting && next - ext <= JITTER_STARTUP_REWIND_PACKETS) {
        // RFC 3550 A.1 probation in spirit: before the first frame, an earlier packet is
        // the real start of the stream (the first one arrived reordered), not a late one.
        for (let s = ext + 1; s < next; s++) if (!this.packets.has(s)) this.missing.set(s, { since: now, lastSent: -Infinity, attempts: 0 });
        this.nextSeq = ext;
        this.headIsFrameStart = false;
      } else {
        this.stats.late++;
        return;
      }
    } else if (ext - this.highest > JITTER_MAX_MISSING) {
      this.reset(now, packet);
    }
    const seq = this.extend(packet.sequenceNumber);
    if (this.packets.has(seq)) {
      this.stats.duplicates++;
      return;
    }
    if (seq > this.highest) {
      for (let s = this.highest + 1; s < seq; s++) this.missing.set(s, { since: now, lastSent: -Infinity, attempts: 0 });
      this.highest = seq;
    } else {
      const m = this.missing.get(seq);
      if (m !== undefined) {
        if (m.attempts > 0) this.stats.recovered++;
        this.missing.delete(seq);
      }
    }
    this.packets.set(seq, packet);
    while (this.packets.size > this.maxPackets || this.missing.size > JITTER_MAX_MISSING) this.giveUp(now);
    this.emitFrames(now);
    this.sendNacks(now);
  }

  handleTimeout(now: number): void {
    for (let i = 0; i < JITTER_MAX_MISSING; i++) {
      const oldest = this.oldestMissing();
      if (oldest === undefined || now < oldest.since + this.giveUpMs) break;
      this.giveUp(now);
    }
    this.emitFrames(now);
    this.sendNacks(now);
  }

  pollEvent(): JitterBufferEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    let t: number | undefined;
    const interval = this.retryIntervalMs();
    if (this.nackEnabled) {
      for (const m of this.missing.values()) {
        if (m.attempts >= this.maxNackAttempts) continue;
        const at = m.attempts === 0 ? m.since + this.reorderToleranceMs : m.lastSent + interval;
        if (t === undefined || at < t) t = at;
      }
    }
    const oldest = this.oldestMissing();
    if (oldest !== undefined) {
      const at = oldest.since + this.giveUpMs;
      if (t === undefined || at < t) t = at;
    }
    return t;
  }

  /** Entries are inserted in arrival order with a non-decreasing `since`: the first is the oldest. */
  private oldestMissing(): Missing | undefined {
    for (const m of this.missing.values()) return m;
    return undefined;
  }

  private retryIntervalMs(): number {
    return Math.max(this.rttMs, JITTER_MIN_RETRY_INTERVAL_MS);
  }

  /** RFC 3550 A.1: the extended sequence number closest to the highest seen. */
  private extend(seq: number): number {
    const diff = ((seq - (this.highest & 0xffff) + 0x18000) & 0xffff) - 0x8000;
    return this.highest + diff;
  }

  private start(packet: RtpPacket): void {
    this.headIsFrameStart = false;
    this.startupRewinds = 0;
    this.highest = packet.sequenceNumber;
    this.nextSeq = packet.sequenceNumber;
    this.ssrc = packet.ssrc;
  }

  private reset(now: number, packet: RtpPacket): void {
    this.stats.resets++;
    this.stats.lost += this.missing.size;
    this.packets.clear();
    this.missing.clear();
    this.discardTimestamp = undefined;
    this.start(packet);
    this.needKeyframe = this.format !== undefined;
    this.requestKeyframe(now);
  }

  private push(e: JitterBufferEvent): void {
    if (this.events.length >= JITTER_MAX_PENDING_EVENTS) {
      this.events.shift();
      this.stats.eventsDropped++;
    }
    this.events.push(e);
  }

  private requestKeyframe(now: number): void {
    if (now < this.lastKeyframeRequestAt + Math.max(this.rttMs, JITTER_MIN_KEYFRAME_REQUEST_INTERVAL_MS)) return;
    this.lastKeyframeRequestAt = now;
    this.stats.keyframeRequests++;
    this.push({ type: 'keyframe-request', ssrc: this.ssrc });
  }

  private sendNacks(now: number): void {
    if (!this.nackEnabled || this.missing.size === 0) return;
    const interval = this.retryIntervalMs();
    const seqs: number[] = [];
    for (const [s, m] of this.missing) {
      if (m.attempts >= this.maxNackAttempts) continue;
      if (m.attempts === 0 ? now < m.since + this.reorderToleranceMs : now < m.lastSent + interval) continue;
      m.attempts++;
      m.lastSent = now;
      seqs.push(s & 0xffff);
    }
    if (seqs.length === 0) return;
    this.stats.nacksSent += seqs.length;
    this.push({ type: 'nack', ssrc: this.ssrc, sequenceNumbers: seqs });
  }

  /** Give up on the gap at the head: skip to the next frame boundary after it and ask for a keyframe. */
  private giveUp(now: number): void {
    const head = this.nextSeq;
    if (head === undefined) return;
    let boundary: number | undefined;
    // the range head..highest is bounded by JITTER_MAX_MISSING + maxPackets
    for (let s = head + 1; s <= this.highest; s++) {
      const p = this.packets.get(s);
      if (p === undefined) continue;
      const prev = this.packets.get(s - 1);
      if (prev !== undefined ? prev.marker || prev.timestamp !== p.timestamp : this.isFrameStart(p)) {
        boundary = s;
        break;
      }
    }
    let until: number;
    this.headIsFrameStart = true;
    if (boundary !== undefined) {
      until = boundary;
      this.discardTimestamp = undefined;
    } else {
      until = this.highest + 1;
      const last = this.packets.get(this.highest);
      this.discardTimestamp = last === undefined || last.marker ? undefined : last.timestamp;
    }
    let droppedPackets = false;
    for (let s = head; s < until; s++) {
      if (this.packets.delete(s)) droppedPackets = true;
      if (this.missing.delete(s)) this.stats.lost++;
    }
    if (droppedPackets || until > head) this.stats.framesDropped++;
    this.nextSeq = until;
    this.needKeyframe = this.format !== undefined;
    this.requestKeyframe(now);
  }

  private isFrameStart(p: RtpPacket): boolean {
    if (this.format === undefined) return false;
    try {
      return this.format.isFrameStart(p.payload);
    } catch (e) {
      if (e instanceof ParseError) return false;
      throw e;
    }
  }

  private emitFrames(now: number): void {
    for (;;) {
      const head = this.nextSeq;
      if (head === undefined) return;
      const first = this.packets.get(head);
      if (first === undefined) return;
      if (this.discardTimestamp !== undefined) {
        if (first.timestamp === this.discardTimestamp) {
          this.packets.delete(head);
          this.nextSeq = head + 1;
          if (first.marker) this.discardTimestamp = undefined;
          continue;
        }
        this.discardTimestamp = undefined;
      }
      if (first.payload.length === 0) {
        // RFC 3550 5.1: a padding-only packet (libwebrtc's bandwidth probes on the media
        // SSRC) carries no media; it only fills its sequence number and is never a frame.
        this.packets.delete(head);
        this.nextSeq = head + 1;
        continue;
      }
      if (!this.headIsFrameStart) {
        if (this.format === undefined || this.isFrameStart(first) || !this.starting || this.startupRewinds >= JITTER_STARTUP_REWIND_PACKETS) {
          this.headIsFrameStart = true;
        } else {
          // the first packet seen is inside a frame: ask for the one before it until the frame's start arrives
          this.startupRewinds++;
          this.nextSeq = head - 1;
          this.missing.set(head - 1, { since: now, lastSent: -Infinity, attempts: 0 });
          return;
        }
      }
      const frame: RtpPacket[] = [];
      let s = head;
      let complete = false;
      for (;;) {
        const p = this.packets.get(s);
        if (p === undefined) break;
        if (p.timestamp !== first.timestamp) {
          complete = true; // a timestamp change ends the frame (RFC 3550 5.1)
          break;
        }
        frame.push(p);
        s++;
        if (p.marker) {
          complete = true;
          break;
        }
      }
      if (!complete) return;
      for (let k = head; k < s; k++) this.packets.delete(k);
      this.nextSeq = s;
      this.deliver(now, frame);
    }
  }

  private deliver(now: number, packets: RtpPacket[]): void {
    const first = packets[0] as RtpPacket;
    if (this.format === undefined) {
      this.stats.framesEmitted++;
      this.push({ type: 'frame', timestamp: first.timestamp, packets });
      return;
    }
    let data: Uint8Array;
    try {
      data = this.format.depacketize(packets.map((p) => p.payload));
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.stats.framesDropped++;
      this.needKeyframe = true;
      this.requestKeyframe(now);
      return;
    }
    const keyframe = this.format.isKeyframe(data);
    if (this.needKeyframe && !keyframe) {
      this.stats.framesDropped++;
      this.requestKeyframe(now);
      return;
    }
    if (keyframe) this.needKeyframe = false;
    this.stats.framesEmitted++;
    this.push({ type: 'frame', timestamp: first.timestamp, packets, data, keyframe });
  }
}
