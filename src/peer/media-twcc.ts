/**
 * @module peer/media-twcc
 * Transport-wide congestion control feedback, the receiving side
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 sections 2 and 3.1): every RTP
 * packet on the BUNDLE transport that carries the transport-wide sequence number
 * extension has its arrival time recorded; at a fixed interval the peer sends one RTCP
 * transport feedback packet (RTPFB FMT 15) listing each sequence number since the last
 * feedback as received (with its arrival delta) or not. Chrome negotiates `transport-cc`
 * and drives its send-side bandwidth estimate from this feedback; without it its estimate
 * cannot grow.
 *
 * Sans-IO: `record(now, seq)` per packet, `pollTimeout`/`handleTimeout`, `pollFeedback`.
 * Bounded: at most TWCC_MAX_PENDING_ARRIVALS recorded arrivals wait for a feedback.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { buildTwcc } from '../rtp/rtcp-twcc.js';
import type { RtcpTwcc } from '../rtp/rtcp-twcc.js';
import { SequenceNumberUnwrapper } from '../rtp/unwrap.js';

/** How often feedback goes out while packets arrive (libwebrtc's default interval is 100 ms). */
export const TWCC_FEEDBACK_INTERVAL_MS = 100;
/** Recorded arrivals waiting for feedback; beyond it the oldest are forgotten (a flood cannot grow memory). */
export const TWCC_MAX_PENDING_ARRIVALS = 4096;
/** Sequence numbers one feedback packet covers at most; older ones are reported lost or skipped. */
export const TWCC_MAX_PACKETS_PER_FEEDBACK = 1024;

export class TwccFeedbackGenerator {
  /** Feedback packets that could not be built (arrival deltas beyond the 16-bit range) and were skipped. */
  skipped = 0;
  private readonly unwrapper = new SequenceNumberUnwrapper();
  /** Extended sequence number -> arrival in microseconds. */
  private readonly arrivals = new Map<number, number>();
  /** The first extended sequence number the next feedback covers. */
  private next: number | undefined;
  private feedbackCount = 0;
  private dueAt: number | undefined;
  private readonly out: RtcpTwcc[] = [];
  /** The media SSRC field of the feedback: the latest packet's (libwebrtc does the same). */
  private mediaSsrc = 0;

  /** An RTP packet with transport-wide sequence number `seq` arrived at `now` (ms). */
  record(now: number, seq: number, mediaSsrc: number): void {
    const ext = this.unwrapper.unwrap(seq & 0xffff);
    if (this.next !== undefined && ext < this.next) return; // already reported
    if (!this.arrivals.has(ext)) {
      if (this.arrivals.size >= TWCC_MAX_PENDING_ARRIVALS) {
        const oldest = this.arrivals.keys().next();
        if (!oldest.done) this.arrivals.delete(oldest.value);
      }
      this.arrivals.set(ext, Math.round(now * 1000));
    }
    this.mediaSsrc = mediaSsrc;
    this.dueAt ??= now + TWCC_FEEDBACK_INTERVAL_MS;
  }

  pollTimeout(): number | undefined {
    return this.dueAt;
  }

  /** At the interval: one feedback packet for what arrived since the last one. */
  handleTimeout(now: number, senderSsrc: number): void {
    if (this.dueAt === undefined || now < this.dueAt) return;
    this.dueAt = undefined;
    if (this.arrivals.size === 0) return;
    const seqs = [...this.arrivals.keys()].sort((a, b) => a - b);
    const last = seqs[seqs.length - 1] as number;
    let base = Math.max(this.next ?? (seqs[0] as number), seqs[0] as number);
    if (last - base + 1 > TWCC_MAX_PACKETS_PER_FEEDBACK) base = last - TWCC_MAX_PACKETS_PER_FEEDBACK + 1;
    const arrivalsUs: (number | undefined)[] = [];
    for (let s = base; s <= last; s++) arrivalsUs.push(this.arrivals.get(s));
    this.arrivals.clear();
    this.next = last + 1;
    try {
      this.out.push(buildTwcc({ senderSsrc, mediaSsrc: this.mediaSsrc, baseSequenceNumber: base & 0xffff, feedbackPacketCount: this.feedbackCount, arrivalsUs }));
      this.feedbackCount = (this.feedbackCount + 1) & 0xff;
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      this.skipped++;
    }
  }

  pollFeedback(): RtcpTwcc | undefined {
    return this.out.shift();
  }
}
