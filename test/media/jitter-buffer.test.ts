// Jitter buffer on a virtual clock: a real VP9 stream (ffmpeg at test time) sent over an
// in-memory link with delay, reordering and loss; NACKs answered from the sender's
// history; give-up and PLI; duplicates; floods. No real time passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom } from '../../src/common/random.js';
import { parseIvf } from '../../src/media/ivf.js';
import { JitterBuffer, JITTER_MAX_MISSING } from '../../src/media/jitter-buffer.js';
import type { JitterBufferEvent, JitterBufferOptions } from '../../src/media/jitter-buffer.js';
import { Vp9Packetizer, vp9Format, isVp9Keyframe } from '../../src/media/vp9.js';
import { h264Format, H264Packetizer } from '../../src/media/h264.js';
import { readAnnexBAccessUnits } from '../../src/media/annexb.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { makeH264, makeVp9, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let frames: Uint8Array[];
let h264: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  frames = parseIvf(makeVp9(m)).frames.map((f) => f.data);
  h264 = readAnnexBAccessUnits(makeH264(m));
});
afterAll(() => m.remove());

const FRAME_MS = 33;
const SSRC = 0x1234;

/** The sender's packets for `count` frames (the 30-frame stream looped), 90 kHz timestamps. */
function send(count: number, firstSeq = 65000): { packets: RtpPacket[]; sentAt: number[]; frameOf: number[] } {
  const pk = new Vp9Packetizer({ pictureId: 100 });
  const packets: RtpPacket[] = [];
  const sentAt: number[] = [];
  const frameOf: number[] = [];
  for (let i = 0; i < count; i++) {
    const payloads = pk.packetize(frames[i % frames.length] as Uint8Array);
    payloads.forEach((payload, k) => {
      packets.push(rtpPacket({ payloadType: 98, sequenceNumber: (firstSeq + packets.length) & 0xffff, timestamp: (i * 3000) >>> 0, ssrc: SSRC, marker: k === payloads.length - 1, payload }));
      sentAt.push(i * FRAME_MS);
      frameOf.push(i);
    });
  }
  return { packets, sentAt, frameOf };
}

interface LinkOptions {
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly loss: number;
  readonly seed: number;
  /** Sequence numbers the link always drops, retransmissions included. */
  readonly blackhole?: ReadonlySet<number>;
  readonly duplicate?: boolean;
}

/** Runs sender -> link -> jitter buffer, answering NACKs from history; jumps to the next deadline. */
function run(count: number, link: LinkOptions, jbOpts: JitterBufferOptions = { format: vp9Format }) {
  const rng = seededRandom(link.seed);
  const jb = new JitterBuffer({ rttMs: 2 * link.delayMs, ...jbOpts });
  const { packets, sentAt } = send(count);
  const bySeq = new Map(packets.map((p) => [p.sequenceNumber, p]));
  const first = packets[0];
  const inflight: { at: number; packet: RtpPacket }[] = [];
  const transmit = (now: number, p: RtpPacket) => {
    if (link.blackhole?.has(p.sequenceNumber)) return;
    // random loss starts after the first packet: nothing before it can tell the receiver
    // that the stream began earlier (that case is a keyframe request, tested below)
    if (p !== first && rng.float() < link.loss) return;
    const at = now + link.delayMs + Math.floor(rng.float() * link.jitterMs);
    inflight.push({ at, packet: p });
    if (link.duplicate) inflight.push({ at: at + 1, packet: p });
  };
  let nextSend = 0;
  const out: { at: number; event: JitterBufferEvent }[] = [];
  let now = 0;
  let retransmissions = 0;
  for (let step = 0; step < 200_000; step++) {
    const candidates: number[] = [];
    if (nextSend < packets.length) candidates.push(sentAt[nextSend] as number);
    for (const f of inflight) candidates.push(f.at);
    const t = jb.pollTimeout();
    if (t !== undefined) candidates.push(t);
    if (candidates.length === 0) break;
    now = Math.max(now, Math.min(...candidates));
    while (nextSend < packets.length && (sentAt[nextSend] as number) <= now) transmit(now, packets[nextSend++] as RtpPacket);
    inflight.sort((a, b) => a.at - b.at);
    while (inflight.length > 0 && (inflight[0] as { at: number }).at <= now) jb.handleInput(now, (inflight.shift() as { packet: RtpPacket }).packet);
    const due = jb.pollTimeout();
    if (due !== undefined && due <= now) jb.handleTimeout(now);
    for (let e = jb.pollEvent(); e; e = jb.pollEvent()) {
      out.push({ at: now, event: e });
      if (e.type === 'nack') {
        for (const s of e.sequenceNumbers) {
          const p = bySeq.get(s);
          if (p) {
            retransmissions++;
            transmit(now, p);
          }
        }
      }
    }
  }
  const frameEvents = out.flatMap((o) => (o.event.type === 'frame' ? [o.event] : []));
  return { jb, out, frameEvents, retransmissions, packets };
}

const tsToIndex = (ts: number) => ts / 3000;

describe('jitter buffer on a virtual clock', () => {
  it('a clean link: every frame, in order, equal to what was sent, no NACK, no PLI', () => {
    const r = run(60, { delayMs: 40, jitterMs: 0, loss: 0, seed: 1 });
    expect(r.frameEvents.map((f) => tsToIndex(f.timestamp))).toEqual([...Array(60).keys()]);
    r.frameEvents.forEach((f, i) => {
      expect(f.data).toEqual(frames[i % 30]);
      expect(f.keyframe).toBe(i % 10 === 0);
    });
    expect(r.out.some((o) => o.event.type !== 'frame')).toBe(false);
    expect(r.jb.size).toBe(0);
  });

  it('reordering (up to 30 ms of jitter): frames still come out whole and in order', () => {
    const r = run(60, { delayMs: 40, jitterMs: 30, loss: 0, seed: 7 });
    expect(r.frameEvents.map((f) => tsToIndex(f.timestamp))).toEqual([...Array(60).keys()]);
    r.frameEvents.forEach((f, i) => expect(f.data).toEqual(frames[i % 30]));
    expect(r.jb.stats.keyframeRequests).toBe(0);
    expect(r.jb.stats.nacksSent).toBeGreaterThan(0); // gaps from reordering were asked for at once
    // with a reorder tolerance above the jitter, no packet is asked for
    const calm = run(60, { delayMs: 40, jitterMs: 30, loss: 0, seed: 7 }, { format: vp9Format, reorderToleranceMs: 35 });
    expect(calm.frameEvents.map((f) => f.data)).toEqual(r.frameEvents.map((f) => f.data));
    expect(calm.jb.stats.nacksSent).toBe(0);
  });

  it('5% loss: NACK recovers every packet, frames complete and in order, no PLI', () => {
    for (const seed of [3, 11, 29]) {
      const r = run(90, { delayMs: 30, jitterMs: 10, loss: 0.05, seed });
      expect(r.frameEvents.map((f) => tsToIndex(f.timestamp))).toEqual([...Array(90).keys()]);
      r.frameEvents.forEach((f, i) => expect(f.data).toEqual(frames[i % 30]));
      expect(r.jb.stats.recovered).toBeGreaterThan(0);
      expect(r.jb.stats.nacksSent).toBeGreaterThanOrEqual(r.jb.stats.recovered);
      expect(r.jb.stats.keyframeRequests).toBe(0);
      expect(r.jb.stats.lost).toBe(0);
      expect(r.jb.missingCount).toBe(0);
    }
  });

  it('a packet never recovered: bounded NACKs spaced by RTT, PLI after the give-up time, resume at the next keyframe', () => {
    const { packets, frameOf } = send(60);
    // lose the first packet of frame 4
    const idx = frameOf.indexOf(4);
    const lost = (packets[idx] as RtpPacket).sequenceNumber;
    const giveUpMs = 500;
    const r = run(60, { delayMs: 30, jitterMs: 0, loss: 0, seed: 5, blackhole: new Set([lost]) }, { format: vp9Format, giveUpMs, maxNackAttempts: 4 });
    const nacks = r.out.filter((o) => o.event.type === 'nack' && o.event.sequenceNumbers.includes(lost));
    expect(nacks.length).toBe(4);
    for (let i = 1; i < nacks.length; i++) expect((nacks[i] as { at: number }).at - (nacks[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(60); // RTT = 60 ms
    const pli = r.out.find((o) => o.event.type === 'keyframe-request');
    expect(pli).toBeDefined();
    expect(pli!.at).toBeGreaterThanOrEqual((nacks[0] as { at: number }).at + giveUpMs);
    expect(pli!.event).toEqual({ type: 'keyframe-request', ssrc: SSRC });
    // frames 0-3 arrive; 4 is lost; 5-9 depend on it and are held back; 10 is the next keyframe
    const got = r.frameEvents.map((f) => tsToIndex(f.timestamp));
    expect(got).toEqual([0, 1, 2, 3, ...Array.from({ length: 50 }, (_, i) => i + 10)]);
    expect(r.jb.stats.lost).toBe(1);
    expect(r.jb.size).toBe(0);
  });

  it('stream start: a first packet from inside a frame makes it NACK backwards to the frame start', () => {
    const { packets } = send(3);
    const jb = new JitterBuffer({ format: vp9Format, rttMs: 20 });
    const keyframePackets = packets.filter((p) => p.timestamp === 0);
    expect(keyframePackets.length).toBeGreaterThan(2);
    // the first two packets of the keyframe were lost; the third arrives first
    const firstSeen = keyframePackets[2] as RtpPacket;
    jb.handleInput(0, firstSeen);
    const nacks: number[] = [];
    const pull = () => {
      const got: JitterBufferEvent[] = [];
      for (let e = jb.pollEvent(); e; e = jb.pollEvent()) {
        got.push(e);
        if (e.type === 'nack') nacks.push(...e.sequenceNumbers);
      }
      return got;
    };
    pull();
    expect(nacks).toEqual([(firstSeen.sequenceNumber - 1) & 0xffff]);
    jb.handleInput(20, keyframePackets[1] as RtpPacket); // retransmitted: still not a start, so one more back
    pull();
    expect(nacks).toEqual([(firstSeen.sequenceNumber - 1) & 0xffff, (firstSeen.sequenceNumber - 2) & 0xffff]);
    jb.handleInput(40, keyframePackets[0] as RtpPacket);
    for (const p of packets.slice(3)) jb.handleInput(50, p);
    const frameEvents = pull().flatMap((e) => (e.type === 'frame' ? [e] : []));
    expect(frameEvents.map((f) => f.data)).toEqual([frames[0], frames[1], frames[2]]);
    expect(jb.stats.keyframeRequests).toBe(0);
  });

  it('duplicates are dropped', () => {
    const r = run(30, { delayMs: 20, jitterMs: 0, loss: 0, seed: 2, duplicate: true });
    expect(r.frameEvents.map((f) => tsToIndex(f.timestamp))).toEqual([...Array(30).keys()]);
    // a copy that arrives after its frame left is late; one that arrives while held is a duplicate
    expect(r.jb.stats.duplicates + r.jb.stats.late).toBe(r.packets.length);
  });

  it('without a format: audio-style frames end at a timestamp change (no marker bit)', () => {
    const jb = new JitterBuffer({ nack: true });
    const ts = [0, 0, 960, 1920, 1920, 1920, 2880];
    const order = [0, 2, 1, 3, 5, 4, 6];
    for (const i of order) jb.handleInput(i, rtpPacket({ payloadType: 111, sequenceNumber: 10 + i, timestamp: ts[i] as number, ssrc: 9, payload: Uint8Array.of(i) }));
    const ev: JitterBufferEvent[] = [];
    for (let e = jb.pollEvent(); e; e = jb.pollEvent()) ev.push(e);
    const framesOut = ev.flatMap((e) => (e.type === 'frame' ? [e.packets.map((p) => p.payload[0])] : []));
    // the last frame (2880) has no successor yet, so it is still held
    expect(framesOut).toEqual([[0, 1], [2], [3, 4, 5]]);
    expect(ev.filter((e) => e.type === 'nack').length).toBe(2); // 11 and 14 looked missing for a moment
  });

  it('H.264: a lost IDR fragment is given up, PLI sent, delta frames held until the next IDR', () => {
    const jb = new JitterBuffer({ format: h264Format, giveUpMs: 300, rttMs: 50 });
    const pk = new H264Packetizer({ maxPayloadBytes: 300 });
    let seq = 0;
    let now = 0;
    const got: number[] = [];
    let plis = 0;
    h264.forEach((au, i) => {
      now = i * FRAME_MS;
      const t = jb.pollTimeout();
      if (t !== undefined && t <= now) jb.handleTimeout(now);
      pk.packetize(au).forEach((payload, k, all) => {
        const p = rtpPacket({ payloadType: 102, sequenceNumber: seq++, timestamp: i * 3000, ssrc: 3, marker: k === all.length - 1, payload });
        if (!(i === 0 && k === 2)) jb.handleInput(now, p);
      });
      for (let e = jb.pollEvent(); e; e = jb.pollEvent()) {
        if (e.type === 'frame') got.push(e.timestamp / 3000);
        if (e.type === 'keyframe-request') plis++;
      }
    });
    expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => i + 10)]);
    expect(plis).toBeGreaterThanOrEqual(1);
  });

  it('bounds hold under a flood of random packets, and it never throws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), near: fc.boolean(), ts: fc.integer({ min: 0, max: 5 }), marker: fc.boolean(), payload: fc.uint8Array({ maxLength: 12 }), dt: fc.integer({ min: 0, max: 50 }) }), { maxLength: 300 }),
        (list) => {
          const jb = new JitterBuffer({ format: vp9Format, maxPackets: 64 });
          let now = 0;
          let last = 0;
          for (const x of list) {
            now += x.dt;
            const seq = x.near ? (last + (x.seq % 40)) & 0xffff : x.seq;
            last = seq;
            jb.handleInput(now, rtpPacket({ payloadType: 98, sequenceNumber: seq, timestamp: x.ts * 3000, ssrc: 1, marker: x.marker, payload: x.payload }));
            const t = jb.pollTimeout();
            if (t !== undefined && t <= now) jb.handleTimeout(now);
            expect(jb.size).toBeLessThanOrEqual(64);
            expect(jb.missingCount).toBeLessThanOrEqual(JITTER_MAX_MISSING);
            while (jb.pollEvent());
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a long flood: 100k packets with a hole every 50 stay within the bounds', () => {
    const jb = new JitterBuffer({ maxPackets: 500, giveUpMs: 200 });
    let maxSize = 0;
    let maxMissing = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i % 50 === 7) continue;
      const now = i; // 1 packet per ms
      jb.handleInput(now, rtpPacket({ payloadType: 98, sequenceNumber: i & 0xffff, timestamp: Math.floor(i / 5) * 3000, ssrc: 1, marker: i % 5 === 4, payload: Uint8Array.of(1) }));
      const t = jb.pollTimeout();
      if (t !== undefined && t <= now) jb.handleTimeout(now);
      while (jb.pollEvent());
      maxSize = Math.max(maxSize, jb.size);
      maxMissing = Math.max(maxMissing, jb.missingCount);
    }
    expect(maxSize).toBeLessThanOrEqual(500);
    expect(maxMissing).toBeLessThanOrEqual(JITTER_MAX_MISSING);
    expect(jb.stats.framesEmitted).toBeGreaterThan(15_000);
    // the last holes are still within the give-up time
    expect(jb.stats.lost).toBeGreaterThanOrEqual(1990);
    expect(jb.stats.lost + jb.missingCount).toBe(2000);
  });

  it('a sequence number jump beyond the NACK window resets and asks for a keyframe', () => {
    const jb = new JitterBuffer({ format: vp9Format });
    const key = new Vp9Packetizer({ maxPayloadBytes: 5000 }).packetize(frames[0] as Uint8Array)[0] as Uint8Array;
    expect(isVp9Keyframe(frames[0] as Uint8Array)).toBe(true);
    jb.handleInput(0, rtpPacket({ payloadType: 98, sequenceNumber: 100, timestamp: 0, ssrc: 1, marker: true, payload: key }));
    jb.handleInput(300, rtpPacket({ payloadType: 98, sequenceNumber: 100 + JITTER_MAX_MISSING + 5, timestamp: 3000, ssrc: 1, marker: true, payload: key }));
    const ev: JitterBufferEvent[] = [];
    for (let e = jb.pollEvent(); e; e = jb.pollEvent()) ev.push(e);
    expect(ev.map((e) => e.type)).toEqual(['frame', 'keyframe-request', 'frame']);
    expect(jb.stats.resets).toBe(1);
    expect(jb.missingCount).toBe(0);
  });
});
