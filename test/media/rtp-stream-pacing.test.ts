/**
 * Pacing of a frame's packets (issue 8 "pacing of a frame's packets"; RFC 8083 6.1 asks
 * senders not to burst; libwebrtc paces at 2.5x the media rate): on a virtual clock, a
 * keyframe's packets leave spread over time at no more than the pacing rate, a
 * retransmission is not held behind them, and every packet still leaves in order.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { RtpStreamSender, SENDER_PACING_MIN_BPS } from '../../src/media/rtp-stream-sender.js';
import { parseRtp } from '../../src/rtp/rtp-packet.js';

const VP8 = { payloadType: 96, name: 'VP8', clockRate: 90000, rtxPayloadType: 97 };
/** A VP8 keyframe: frame tag with the key bit clear (RFC 6386 9.1), then filler. */
function keyframe(bytes: number): Uint8Array {
  const f = new Uint8Array(bytes).fill(0x55);
  f.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
  return f;
}

function drain(s: RtpStreamSender, now: number, out: { at: number; bytes: number; seq: number }[]): void {
  s.handleTimeout(now);
  for (let t = s.pollTransmit(); t; t = s.pollTransmit()) if (!t.rtcp) out.push({ at: now, bytes: t.data.length, seq: parseRtp(t.data).sequenceNumber });
}

describe('RtpStreamSender pacing', () => {
  it('spreads a 60 KB keyframe over time at no more than the pacing rate, in order', () => {
    const s = new RtpStreamSender({ ssrc: 1, rtxSsrc: 2, codec: VP8, cname: 'c', random: seededRandom(1), pacing: true });
    const out: { at: number; bytes: number; seq: number }[] = [];
    expect(s.sendFrame(0, { data: keyframe(60_000), timestamp: 0, keyframe: true })).toBe(true);
    const packets = s.pacedPackets + s.pendingTransmits;
    expect(packets).toBeGreaterThan(40);
    drain(s, 0, out);
    expect(out.length).toBeLessThan(packets);
    for (let now = 0; s.pollTimeout() !== undefined && out.length < packets; ) {
      now = s.pollTimeout() as number;
      drain(s, now, out);
    }
    expect(out).toHaveLength(packets);
    // in sequence order
    for (let i = 1; i < out.length; i++) expect(out[i]?.seq).toBe(((out[i - 1]?.seq as number) + 1) & 0xffff);
    // the whole frame took about bytes*8/rate, and no 100 ms window carried more than the rate allows
    const bits = out.reduce((n, p) => n + p.bytes * 8, 0);
    const span = (out.at(-1)?.at as number) - (out[0]?.at as number);
    expect(span).toBeGreaterThanOrEqual(((bits - (out[0]?.bytes as number) * 8) * 1000) / (2.5 * SENDER_PACING_MIN_BPS) - 1);
    for (const p of out) {
      const inWindow = out.filter((q) => q.at >= p.at && q.at < p.at + 100).reduce((n, q) => n + q.bytes * 8, 0);
      expect(inWindow).toBeLessThanOrEqual(SENDER_PACING_MIN_BPS * 0.1 + 1300 * 8);
    }
  });

  it('does not hold a NACKed retransmission behind the paced queue', () => {
    const s = new RtpStreamSender({ ssrc: 1, rtxSsrc: 2, codec: VP8, cname: 'c', random: seededRandom(2), pacing: true });
    s.sendFrame(0, { data: keyframe(60_000), timestamp: 0, keyframe: true });
    const first = s.pollTransmit();
    expect(first).toBeDefined();
    const seq = parseRtp(first?.data as Uint8Array).sequenceNumber;
    s.handleRtcp(5, { type: 'nack', senderSsrc: 9, mediaSsrc: 1, lost: [seq] });
    const rtx = s.pollTransmit();
    expect(rtx && parseRtp(rtx.data).ssrc).toBe(2);
    expect(s.pacedPackets).toBeGreaterThan(0);
  });

  it('without pacing, every packet is ready at once (the default)', () => {
    const s = new RtpStreamSender({ ssrc: 1, codec: VP8, cname: 'c', random: seededRandom(3) });
    s.sendFrame(0, { data: keyframe(60_000), timestamp: 0, keyframe: true });
    expect(s.pacedPackets).toBe(0);
    expect(s.pendingTransmits).toBeGreaterThan(40);
  });
});
