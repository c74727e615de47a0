/**
 * RTP demux across a BUNDLE group (RFC 8843 section 9.2): MID header extension first, then
 * the SSRC table (declared by a=ssrc or learned), then a payload type unique to one
 * receiving section; unroutable packets are dropped and counted; learned SSRCs are
 * bounded. Unit tests of RtpRouter, and the same rules end to end through two peers
 * (without the MID extension, without a=ssrc lines).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rtpExtensions, rtpPacket } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { MAX_LEARNED_SSRCS, RtpRouter } from '../../src/peer/media-router.js';
import { PeerPair, advance, connected, framesOn, negotiateMedia, opusFrame, vp8Frame } from './helpers.js';

const MID_ID = 4;
const enc = new TextEncoder();

function packet(o: { ssrc: number; pt: number; mid?: string; seq?: number }): RtpPacket {
  return rtpPacket({
    payloadType: o.pt, sequenceNumber: o.seq ?? 1, timestamp: 0, ssrc: o.ssrc, payload: Uint8Array.of(1),
    ...(o.mid !== undefined ? { headerExtension: rtpExtensions([{ id: MID_ID, data: enc.encode(o.mid) }]) } : {}),
  });
}

function router(): RtpRouter {
  const r = new RtpRouter();
  r.configure([
    { mid: 'a', payloadTypes: [111], remoteSsrcs: [1000], midExtensionId: MID_ID },
    { mid: 'v1', payloadTypes: [96, 97], remoteSsrcs: [2000, 2001], midExtensionId: MID_ID },
    { mid: 'v2', payloadTypes: [96, 97, 98], remoteSsrcs: [], midExtensionId: MID_ID },
  ]);
  return r;
}

describe('RtpRouter (RFC 8843 9.2)', () => {
  it('routes by the MID extension and remembers the SSRC for packets without it', () => {
    const r = router();
    expect(r.route(packet({ ssrc: 5, pt: 96, mid: 'v2' }))).toEqual({ mid: 'v2', reason: 'mid' });
    expect(r.route(packet({ ssrc: 5, pt: 96 }))).toEqual({ mid: 'v2', reason: 'ssrc' });
    // The MID overrides a declared SSRC ("update the MID associated with the RTP stream").
    expect(r.route(packet({ ssrc: 2000, pt: 96, mid: 'v2' }))).toEqual({ mid: 'v2', reason: 'mid' });
    expect(r.route(packet({ ssrc: 2000, pt: 96 }))).toEqual({ mid: 'v2', reason: 'ssrc' });
  });

  it('routes declared SSRCs (media and RTX) without the extension, checking the payload type', () => {
    const r = router();
    expect(r.route(packet({ ssrc: 2001, pt: 97 }))).toEqual({ mid: 'v1', reason: 'ssrc' });
    expect(r.route(packet({ ssrc: 1000, pt: 111 }))).toEqual({ mid: 'a', reason: 'ssrc' });
    // "check that the payload type ... matches a payload type included on the matching m= section"
    expect(r.route(packet({ ssrc: 1000, pt: 96 }))).toBeUndefined();
    expect(r.counters.unroutable).toBe(1);
  });

  it('routes by a payload type only one section receives; shared ones are unroutable', () => {
    const r = router();
    expect(r.route(packet({ ssrc: 7, pt: 98 }))).toEqual({ mid: 'v2', reason: 'payload-type' });
    // The SSRC is now bound and does not move when its payload type changes.
    expect(r.route(packet({ ssrc: 7, pt: 96 }))).toEqual({ mid: 'v2', reason: 'ssrc' });
    expect(r.route(packet({ ssrc: 8, pt: 96 }))).toBeUndefined();
    expect(r.route(packet({ ssrc: 9, pt: 111 }))).toEqual({ mid: 'a', reason: 'payload-type' });
    expect(r.route(packet({ ssrc: 10, pt: 0 }))).toBeUndefined();
    expect(r.counters).toEqual({ byMid: 0, bySsrc: 1, byPayloadType: 2, unroutable: 2 });
  });

  it('drops packets naming a MID that is not in the table', () => {
    const r = router();
    expect(r.route(packet({ ssrc: 1000, pt: 111, mid: 'zz' }))).toBeUndefined();
    expect(r.counters.unroutable).toBe(1);
  });

  it('forgets learned SSRCs of removed sections on reconfiguration', () => {
    const r = router();
    r.route(packet({ ssrc: 5, pt: 96, mid: 'v2' }));
    r.configure([{ mid: 'v1', payloadTypes: [96, 97], remoteSsrcs: [], midExtensionId: MID_ID }]);
    expect(r.midOfSsrc(5)).toBeUndefined();
    expect(r.route(packet({ ssrc: 5, pt: 96 }))).toEqual({ mid: 'v1', reason: 'payload-type' });
  });

  it('keeps at most MAX_LEARNED_SSRCS learned bindings whatever arrives (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ssrc: fc.integer({ min: 0, max: 0xffff_ffff }), pt: fc.integer({ min: 0, max: 127 }), mid: fc.option(fc.constantFrom('a', 'v1', 'v2', 'x'), { nil: undefined }) }), { maxLength: 300 }), (list) => {
        const r = router();
        for (const x of list) {
          const out = r.route(packet(x.mid === undefined ? { ssrc: x.ssrc, pt: x.pt } : { ssrc: x.ssrc, pt: x.pt, mid: x.mid }));
          if (out) expect(['a', 'v1', 'v2']).toContain(out.mid);
        }
        expect(r.learnedCount).toBeLessThanOrEqual(MAX_LEARNED_SSRCS);
      }),
      { numRuns: 50 },
    );
    const r = router();
    for (let i = 0; i < MAX_LEARNED_SSRCS + 500; i++) r.route(packet({ ssrc: 100_000 + i, pt: 98 }));
    expect(r.learnedCount).toBe(MAX_LEARNED_SSRCS);
    // The oldest went first; the newest are still bound.
    expect(r.midOfSsrc(100_000)).toBeUndefined();
    expect(r.midOfSsrc(100_000 + MAX_LEARNED_SSRCS + 499)).toBe('v2');
  });
});

describe('routing through two peers', () => {
  it('without the MID extension: by the SSRCs of a=ssrc lines (two video sections share payload types)', () => {
    const p = new PeerPair(31, { a: { headerExtensions: [] }, b: { headerExtensions: [] } });
    const v1 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'one', streams: ['s'] });
    const v2 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'two', streams: ['s'] });
    negotiateMedia(p, 'a');
    expect(p.a.pc.localDescription?.sdp).not.toContain('a=extmap:');
    p.run(() => connected(p));
    for (let i = 0; i < 4; i++) {
      p.a.pc.sendFrame(p.now, v1, vp8Frame(10 + i, i === 0, 700));
      p.a.pc.sendFrame(p.now, v2, vp8Frame(20 + i, i === 0, 700));
      advance(p, 33);
    }
    advance(p, 100);
    expect(framesOn(p.b, v1).map((f) => f.data[1])).toEqual([10, 11, 12, 13]);
    expect(framesOn(p.b, v2).map((f) => f.data[1])).toEqual([20, 21, 22, 23]);
    const routing = p.b.pc.mediaTransportStats().routing;
    expect(routing.byMid).toBe(0);
    expect(routing.bySsrc).toBeGreaterThan(0);
    expect(routing.unroutable).toBe(0);
  });

  it('without the MID extension and without a=ssrc lines: by payload types unique to a section; shared ones are dropped', () => {
    const p = new PeerPair(32, { a: { headerExtensions: [] }, b: { headerExtensions: [] } });
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendonly', trackId: 'mic', streams: ['s'] });
    const v1 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'one', streams: ['s'] });
    const v2 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'two', streams: ['s'] });
    const stripSsrc = (sdp: string): string => sdp.split('\r\n').filter((l) => !l.startsWith('a=ssrc')).join('\r\n');
    negotiateMedia(p, 'a', { editOffer: stripSsrc });
    p.run(() => connected(p));
    for (let i = 0; i < 3; i++) {
      p.a.pc.sendFrame(p.now, audio, opusFrame(i));
      p.a.pc.sendFrame(p.now, v1, vp8Frame(i, i === 0, 300));
      advance(p, 20);
    }
    advance(p, 100);
    // Opus's payload type is unique to the audio section; VP8's is shared by both video sections.
    expect(framesOn(p.b, audio).map((f) => f.data[1])).toEqual([0, 1, 2]);
    expect(framesOn(p.b, v1)).toEqual([]);
    expect(framesOn(p.b, v2)).toEqual([]);
    const routing = p.b.pc.mediaTransportStats().routing;
    expect(routing.byPayloadType).toBe(1);
    expect(routing.bySsrc).toBe(2);
    expect(routing.unroutable).toBeGreaterThanOrEqual(3);
  });
});
