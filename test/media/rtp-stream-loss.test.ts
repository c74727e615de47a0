// Sender and receiver cores over an in-memory link on a virtual clock (no real time):
// real VP8 frames (libvpx via ffmpeg at test time) with 5% seeded loss on the media
// direction all arrive through NACK (RFC 4585 6.2.1) and RTX (RFC 4588); a loss burst
// longer than the give-up time ends in PLI (RFC 4585 6.3.1), a keyframe-request at the
// sender, a keyframe, and frames again; Opus with 5% loss: no NACK, frames in order,
// losses counted (RFC 3550 A.3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JITTER_DEFAULT_MAX_PACKETS } from '../../src/media/jitter-buffer.js';
import { seededRandom } from '../../src/common/random.js';
import { parseIvf } from '../../src/media/ivf.js';
import { readOggOpus } from '../../src/media/ogg-opus.js';
import type { EncodedFrame } from '../../src/media/frame.js';
import { RtpStreamReceiver } from '../../src/media/rtp-stream-receiver.js';
import type { RtpStreamReceiverEvent } from '../../src/media/rtp-stream-receiver.js';
import type { RtpCodec } from '../../src/media/codecs.js';
import { parseRtp } from '../../src/rtp/rtp-packet.js';
import { parseRtcp } from '../../src/rtp/rtcp.js';
import { isRtcp } from '../../src/rtp/demux.js';
import { RtpStreamSender } from '../../src/media/rtp-stream-sender.js';
import { ffmpeg, makeOpus, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

const VP8: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000, rtxPayloadType: 97, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] };
const OPUS: RtpCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, feedback: [{ type: 'transport-cc' }] };
const SENDER_SSRC = 0x0a0a0a0a;
const SENDER_RTX_SSRC = 0x0b0b0b0b;
const RECEIVER_SSRC = 0x0c0c0c0c;
const FRAME_MS = 33;
const LINK_DELAY_MS = 20;

function makeSender(codec: RtpCodec, historyPackets?: number): RtpStreamSender {
  return new RtpStreamSender({ ssrc: SENDER_SSRC, ...(codec.rtxPayloadType !== undefined ? { rtxSsrc: SENDER_RTX_SSRC } : {}), codec, cname: 'sender', random: seededRandom(11), maxPayloadBytes: 400, ...(historyPackets !== undefined ? { historyPackets } : {}) });
}

interface InFlight {
  readonly at: number;
  readonly data: Uint8Array;
}

/** Keeps `q` sorted by arrival time (stable for equal times). */
function insertByTime(q: InFlight[], x: InFlight): void {
  let i = q.length;
  while (i > 0 && (q[i - 1] as InFlight).at > x.at) i--;
  q.splice(i, 0, x);
}

/**
 * Sender -> media link -> receiver, receiver -> feedback link -> sender, jumping the
 * virtual clock to the next deadline (frame times, link arrivals, core timers).
 */
class Harness {
  now = 0;
  readonly toReceiver: InFlight[] = [];
  readonly toSender: InFlight[] = [];
  readonly events: RtpStreamReceiverEvent[] = [];
  readonly keyframeRequests: number[] = [];
  readonly sender: RtpStreamSender;
  readonly receiver: RtpStreamReceiver;
  /** Decides whether a media-direction datagram sent at `now` is lost. */
  drop: (now: number, data: Uint8Array) => boolean = () => false;
  /** Extra media-direction delay (reordering when it varies). */
  extraDelay: (now: number) => number = () => 0;
  /** Whether a media-direction datagram is delivered twice. */
  duplicate: (now: number) => boolean = () => false;
  mediaDropped = 0;
  /** RTCP packet types the receiver sent. */
  readonly feedbackTypes = new Set<string>();
  rtxSent = 0;

  constructor(sender: RtpStreamSender, receiver: RtpStreamReceiver) {
    this.sender = sender;
    this.receiver = receiver;
  }

  private pump(): void {
    for (let t = this.sender.pollTransmit(); t; t = this.sender.pollTransmit()) {
      if (!t.rtcp && !isRtcp(t.data) && parseRtp(t.data).ssrc === SENDER_RTX_SSRC) this.rtxSent++;
      if (!t.rtcp && !isRtcp(t.data) && this.drop(this.now, t.data)) this.mediaDropped++;
      else {
        const copies = this.duplicate(this.now) ? 2 : 1;
        for (let c = 0; c < copies; c++) insertByTime(this.toReceiver, { at: this.now + LINK_DELAY_MS + this.extraDelay(this.now), data: t.data });
      }
    }
    for (let e = this.sender.pollEvent(); e; e = this.sender.pollEvent()) this.keyframeRequests.push(this.now);
    for (let t = this.receiver.pollTransmit(); t; t = this.receiver.pollTransmit()) {
      for (const p of parseRtcp(t.data)) this.feedbackTypes.add(p.type);
      this.toSender.push({ at: this.now + LINK_DELAY_MS, data: t.data });
    }
    for (let e = this.receiver.pollEvent(); e; e = this.receiver.pollEvent()) this.events.push(e);
  }

  /** Runs until `until`, calling `onTick(now)` at every frame time (multiples of `frameMs`). */
  run(until: number, frameMs: number, onTick: (now: number) => void): void {
    let nextTick = Math.ceil(this.now / frameMs) * frameMs;
    for (let steps = 0; steps < 200_000; steps++) {
      this.pump();
      const candidates = [nextTick, this.toReceiver[0]?.at, this.toSender[0]?.at, this.receiver.pollTimeout(), this.sender.pollTimeout()].filter((x): x is number => x !== undefined);
      const next = Math.max(this.now, Math.min(...candidates));
      if (next > until) return;
      this.now = next;
      while (this.toReceiver[0] !== undefined && this.toReceiver[0].at <= this.now) {
        const d = (this.toReceiver.shift() as InFlight).data;
        if (isRtcp(d)) for (const p of parseRtcp(d)) this.receiver.handleRtcp(this.now, p);
        else this.receiver.handleRtp(this.now, parseRtp(d));
      }
      while (this.toSender[0] !== undefined && this.toSender[0].at <= this.now) {
        for (const p of parseRtcp((this.toSender.shift() as InFlight).data)) this.sender.handleRtcp(this.now, p);
      }
      const rt = this.receiver.pollTimeout();
      if (rt !== undefined && rt <= this.now) this.receiver.handleTimeout(this.now);
      const st = this.sender.pollTimeout();
      if (st !== undefined && st <= this.now) this.sender.handleTimeout(this.now);
      if (this.now >= nextTick) {
        onTick(this.now);
        nextTick += frameMs;
      }
    }
    throw new Error('harness did not reach its end time');
  }

  frames(): EncodedFrame[] {
    return this.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  }
}

let m: MediaDir;
let vp8: EncodedFrame[];
let opus: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '1000', '-b:v', '600k', m.file('loss.ivf')]);
  vp8 = parseIvf(m.read('loss.ivf')).frames.map((f, i) => ({ data: f.data, timestamp: i * 3000, keyframe: ((f.data[0] as number) & 1) === 0 }));
  opus = readOggOpus(makeOpus(m)).packets.map((p) => p.data);
});
afterAll(() => m.remove());

/** Frames to send after the checked ones. */
const TAIL_FRAMES = 5;

/** The clip, then its frames 1.. again and again: the only keyframe is the first (made with -g 1000). */
function loopedFrame(i: number): EncodedFrame {
  return vp8[i < vp8.length ? i : 1 + ((i - vp8.length) % (vp8.length - 1))] as EncodedFrame;
}

function videoReceiver(giveUpMs?: number): RtpStreamReceiver {
  return new RtpStreamReceiver({ localSsrc: RECEIVER_SSRC, cname: 'loss-test', codecs: [VP8], random: seededRandom(3), ...(giveUpMs !== undefined ? { giveUpMs } : {}) });
}

describe('VP8 over a lossy link', () => {
  it('5% random loss on media and RTX: every frame arrives through NACK/RTX, bytes equal', () => {
    const h = new Harness(makeSender(VP8), videoReceiver());
    const rng = seededRandom(2024);
    h.drop = () => rng.float() < 0.05;
    let sent = 0;
    // the stream goes on after the frames checked, so a loss at their end is noticed too
    const total = vp8.length + TAIL_FRAMES;
    h.run(total * FRAME_MS + 2000, FRAME_MS, (now) => {
      if (sent >= total) return;
      h.sender.sendFrame(now, { ...loopedFrame(sent), timestamp: sent * 3000 });
      sent++;
    });
    expect(h.mediaDropped).toBeGreaterThan(0);
    const got = h.frames().slice(0, vp8.length);
    expect(got.map((f) => f.timestamp - got[0]!.timestamp)).toEqual(vp8.map((f) => f.timestamp));
    expect(got.map((f) => f.data)).toEqual(vp8.map((f) => f.data));
    const s = h.receiver.stats();
    expect(h.rtxSent).toBeGreaterThan(0);
    expect(s.retransmittedPacketsReceived).toBeGreaterThan(0);
    expect(s.nackCount).toBeGreaterThan(0);
    expect(s).toMatchObject({ packetsLost: 0, framesDropped: 0, pliCount: 0, });
    expect(s.framesReceived).toBeGreaterThanOrEqual(vp8.length);
    expect(h.keyframeRequests).toEqual([]);
    // the sender saw every NACK (the feedback direction is lossless) and answered with RTX
    const tx = h.sender.stats();
    expect(tx.nackCount).toBe(s.nackCount);
    expect(tx.retransmittedPacketsSent).toBeGreaterThanOrEqual(s.retransmittedPacketsReceived);
    // its SRs reached us (remote-outbound), and our RR's LSR/DLSR give it the link's round trip (RFC 3550 6.4.1)
    expect(s.remote?.reportsSent).toBeGreaterThan(0);
    expect(tx.remote?.roundTripTimeMeasurements).toBeGreaterThan(0);
    expect(tx.remote?.roundTripTime).toBeCloseTo((2 * LINK_DELAY_MS) / 1000, 2);
    expect(tx.remote?.packetsLost).toBe(0);
  });

  it('a loss burst longer than the give-up time: PLI, keyframe-request at the sender, keyframe, frames resume', () => {
    expect(vp8.filter((f) => f.keyframe).length).toBe(1); // no keyframe comes unasked
    // a short history so the burst cannot be repaired by RTX
    const h = new Harness(makeSender(VP8, 32), videoReceiver(1000));
    const burst = { from: 500, to: 2000 };
    h.drop = (now) => now >= burst.from && now < burst.to;
    let next = 0;
    let keyframeSentAt: number | undefined;
    const sentAt = new Map<number, number>();
    h.run(6000, FRAME_MS, (now) => {
      let f = loopedFrame(next);
      if (keyframeSentAt === undefined && h.keyframeRequests.length > 0) {
        f = vp8[0] as EncodedFrame; // the encoder's answer to the request: a keyframe
        keyframeSentAt = now;
      }
      const frame = { ...f, timestamp: next * 3000 };
      sentAt.set(frame.timestamp, now);
      h.sender.sendFrame(now, frame);
      next++;
    });
    const s = h.receiver.stats();
    expect(s.pliCount).toBeGreaterThan(0);
    expect(h.keyframeRequests.length).toBeGreaterThan(0);
    expect(h.keyframeRequests[0]).toBeGreaterThan(burst.to);
    expect(keyframeSentAt).toBeDefined();
    const got = h.frames();
    // frames before the burst, none from inside it, then from the keyframe on, all of them in order
    const firstTs = (got[0] as EncodedFrame).timestamp;
    const times = got.map((f) => sentAt.get(f.timestamp - firstTs) as number);
    expect(times.every((t) => t < burst.from || t >= (keyframeSentAt as number))).toBe(true);
    const resumed = got.filter((f) => (sentAt.get(f.timestamp - firstTs) as number) >= (keyframeSentAt as number));
    expect(resumed[0]?.keyframe).toBe(true);
    expect(resumed[0]?.data).toEqual(vp8[0]?.data);
    const expectedAfter = [...sentAt.values()].filter((t) => t >= (keyframeSentAt as number) && t <= 6000 - 200).length;
    expect(resumed.length).toBeGreaterThanOrEqual(expectedAfter);
    for (let i = 1; i < resumed.length; i++) expect((resumed[i] as EncodedFrame).timestamp - (resumed[i - 1] as EncodedFrame).timestamp).toBe(3000);
    expect(s.framesDropped).toBeGreaterThan(0);
    expect(h.sender.stats().pliCount).toBe(s.pliCount);
  });
});

describe('VP8 over a random bad link (fast-check)', () => {
  it('loss, reordering and duplication: delivered frames are always sent frames, intact and in order; no throw; state bounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 10 }),
        (seed, lossPercent, jitterMs, dupPercent) => {
          const h = new Harness(makeSender(VP8), videoReceiver(400));
          const rng = seededRandom(seed);
          h.drop = () => rng.float() * 100 < lossPercent;
          h.extraDelay = () => Math.floor(rng.float() * jitterMs);
          h.duplicate = () => rng.float() * 100 < dupPercent;
          const total = 40;
          let sent = 0;
          h.run(total * FRAME_MS + 1500, FRAME_MS, (now) => {
            if (sent >= total) return;
            h.sender.sendFrame(now, { ...loopedFrame(sent), timestamp: sent * 3000 });
            sent++;
            expect(h.receiver.heldPackets).toBeLessThanOrEqual(JITTER_DEFAULT_MAX_PACKETS);
          });
          const got = h.frames();
          if (got.length === 0) return;
          // the receiver's first frame is the sender's first (the only keyframe), so timestamps line up
          const base = (got[0] as EncodedFrame).timestamp;
          let last = -1;
          for (const f of got) {
            const i = (f.timestamp - base) / 3000;
            expect(Number.isInteger(i) && i > last && i < total).toBe(true);
            expect(f.data).toEqual(loopedFrame(i).data);
            last = i;
          }
          if (lossPercent === 0 && dupPercent === 0 && jitterMs === 0) expect(got.length).toBe(total);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('Opus over a lossy link', () => {
  it('5% loss: no NACK, frames in sequence order, losses counted in packetsLost', () => {
    const h = new Harness(makeSender(OPUS), new RtpStreamReceiver({ localSsrc: RECEIVER_SSRC, cname: 'loss-test', codecs: [OPUS], random: seededRandom(4) }));
    const rng = seededRandom(99);
    const lostIdx = new Set<number>();
    let sent = 0;
    let rtpIdx = 0;
    h.drop = () => {
      const i = rtpIdx++;
      const lost = i > 0 && i < 4 * opus.length - 1 && rng.float() < 0.05; // the first and last always arrive
      if (lost) lostIdx.add(i);
      return lost;
    };
    h.run(4 * opus.length * 20 + 2000, 20, (now) => {
      if (sent >= 4 * opus.length) return;
      const data = opus[sent % opus.length] as Uint8Array;
      h.sender.sendFrame(now, { data, timestamp: sent * 960, keyframe: true });
      sent++;
    });
    expect(lostIdx.size).toBeGreaterThan(0);
    const got = h.frames();
    const expected = Array.from({ length: sent }, (_, i) => i).filter((i) => !lostIdx.has(i));
    expect(got.map((f) => f.timestamp - (got[0] as EncodedFrame).timestamp)).toEqual(expected.map((i) => i * 960));
    expect(got.map((f) => f.data)).toEqual(expected.map((i) => opus[i % opus.length]));
    const s = h.receiver.stats();
    expect(s).toMatchObject({ nackCount: 0, pliCount: 0, packetsLost: lostIdx.size, packetsReceived: sent - lostIdx.size, packetsDiscarded: 0 });
    expect(h.rtxSent).toBe(0);
    expect([...h.feedbackTypes].sort()).toEqual(['rr', 'sdes']);
  });
});
