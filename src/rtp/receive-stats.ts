/**
 * @module rtp/receive-stats
 * Per-source reception statistics for RTCP receiver report blocks (RFC 3550 section
 * 6.4.1): the sequence number validity check and cycle counting of appendix A.1, the
 * expected/lost counts and fraction lost of A.3, the interarrival jitter of A.8 (its
 * integer form, J += |D| - ((J + 8) >> 4), reported as J >> 4), and LSR/DLSR from the
 * last sender report. Sans-IO: arrival times come in as `nowMs`.
 *
 * As libwebrtc and aiortc do, jitter is updated only by packets newer than any before
 * and with a new timestamp: the packets of one video frame share a timestamp and leave
 * in a burst, so their spacing says nothing about network jitter.
 */
import { InvalidArgumentError } from '../common/errors.js';
import type { RtcpReportBlock } from './rtcp-report.js';
import { compactNtp } from './ntp.js';

/** RFC 3550 A.1: the recommended parameters (2 s misordering and 1 min dropout at 50 packets/s). */
export const RTP_MAX_DROPOUT = 3000;
export const RTP_MAX_MISORDER = 100;
export const RTP_MIN_SEQUENTIAL = 2;
const SEQ_MOD = 0x10000;

export class RtpReceiveStatistics {
  readonly ssrc: number;
  readonly clockRateHz: number;
  private probation: number;
  private maxSeq = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private cycles = 0;
  private received = 0;
  private receivedPrior = 0;
  private expectedPrior = 0;
  private started = false;
  // Jitter (A.8), in timestamp units x 16.
  private jitterQ4 = 0;
  private lastTransit: number | undefined;
  private lastTimestamp = 0;
  private newestSeq: number | undefined;
  // Last SR (6.4.1 LSR/DLSR).
  private lastSrCompact = 0;
  private lastSrArrivalMs = 0;

  constructor(opts: { readonly ssrc: number; readonly clockRateHz: number; readonly minSequential?: number }) {
    if (!(opts.clockRateHz > 0)) throw new InvalidArgumentError('clockRateHz must be positive');
    this.ssrc = opts.ssrc >>> 0;
    this.clockRateHz = opts.clockRateHz;
    this.probation = opts.minSequential ?? RTP_MIN_SEQUENTIAL;
  }

  /** True once the source passed the A.1 probation. */
  get valid(): boolean {
    return this.started && this.probation === 0;
  }
  /** Packets counted as received (A.1: from the end of probation, duplicates included). */
  get packetsReceived(): number {
    return this.received;
  }
  /** Extended highest sequence number received (A.3 extended_max). */
  get highestSequence(): number {
    return (this.cycles + this.maxSeq) >>> 0;
  }
  /** A.3: expected = extended_max - base_seq + 1. */
  get packetsExpected(): number {
    return this.cycles + this.maxSeq - this.baseSeq + 1;
  }
  /** A.3: expected - received, clamped to 24 signed bits. */
  get cumulativeLost(): number {
    return Math.max(-0x800000, Math.min(0x7fffff, this.packetsExpected - this.received));
  }
  /** Interarrival jitter in timestamp units (A.8). */
  get jitter(): number {
    return this.jitterQ4 >> 4;
  }

  /** Account one received packet (A.1 update_seq); returns false while the source is on probation or for a packet far outside the window. */
  handlePacket(nowMs: number, packet: { readonly sequenceNumber: number; readonly timestamp: number }): boolean {
    const seq = packet.sequenceNumber & 0xffff;
    this.updateJitter(nowMs, seq, packet.timestamp >>> 0);
    if (!this.started) {
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      if (this.probation === 0) {
        this.maxSeq = seq;
        this.received++;
        return true;
      }
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = RTP_MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    } else if (udelta < RTP_MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - RTP_MAX_MISORDER) {
      if (seq === this.badSeq) {
        this.initSeq(seq); // two sequential packets after a jump: the sender restarted
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet, counted.
    this.received++;
    return true;
  }

  /** Remember an SR from this source for LSR/DLSR (RFC 3550 6.4.1). */
  handleSenderReport(nowMs: number, ntpTimestamp: bigint): void {
    this.lastSrCompact = compactNtp(ntpTimestamp);
    this.lastSrArrivalMs = nowMs;
  }

  /**
   * The report block for an RR or SR sent at `nowMs`; advances the fraction-lost interval
   * (A.3). Undefined until the source is valid (nothing to report yet).
   */
  reportBlock(nowMs: number): RtcpReportBlock | undefined {
    if (!this.valid) return undefined;
    const expected = this.packetsExpected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const dlsrUnits = this.lastSrCompact === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.cumulativeLost,
      highestSequence: this.highestSequence,
      jitter: this.jitter >>> 0,
      lastSr: this.lastSrCompact,
      delaySinceLastSr: Math.min(0xffffffff, dlsrUnits),
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  private updateJitter(nowMs: number, seq: number, timestamp: number): void {
    if (this.newestSeq !== undefined) {
      const d = (seq - this.newestSeq) & 0xffff;
      if (d === 0 || d >= 0x8000) return; // not newer than every packet so far
    }
    this.newestSeq = seq;
    const arrival = Math.floor((nowMs * this.clockRateHz) / 1000);
    // Transit times are compared modulo 2^32 timestamp units (the RTP timestamp wraps).
    const transit = (arrival - timestamp) | 0;
    if (this.lastTransit !== undefined && timestamp !== this.lastTimestamp) {
      const d = Math.abs((transit - this.lastTransit) | 0);
      this.jitterQ4 += d - ((this.jitterQ4 + 8) >> 4);
    }
    // The reference moves with every in-order packet, as in libwebrtc's StreamStatistician.
    this.lastTransit = transit;
    this.lastTimestamp = timestamp;
  }
}
