/**
 * JSEP direction negotiation over random transceiver sets (fast-check): whatever each
 * side wants (W3C RTCRtpTransceiverDirection) and whichever side sends a track, the
 * negotiated directions follow RFC 3264 section 6.1 (the answer sends only what the offer
 * receives and the answerer wants to send, and the reverse), both sides agree (one's
 * currentDirection is the other's reversed), remote tracks appear exactly where the other
 * side sends, and werift parses every description we write.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SessionDescription as WeriftSdp } from 'werift';
import type { Direction } from '../../src/sdp/index.js';
import { reverseDirection } from '../../src/sdp/index.js';
import { PeerPair } from './helpers.js';

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const sends = (d: Direction | null | undefined): boolean => d === 'sendrecv' || d === 'sendonly';
const receives = (d: Direction | null | undefined): boolean => d === 'sendrecv' || d === 'recvonly';

describe('JSEP directions over random transceiver sets', () => {
  it('offer/answer directions, currentDirection on both sides and remote tracks agree (RFC 3264 6.1)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom('audio' as const, 'video' as const),
            offerer: fc.constantFrom(...DIRECTIONS),
            answerer: fc.constantFrom(...DIRECTIONS),
            offererTrack: fc.boolean(),
            streams: fc.array(fc.constantFrom('s1', 's2'), { maxLength: 2 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 1000 }),
        (list, seed) => {
          const p = new PeerPair(seed);
          const mids = list.map((t, i) => p.a.pc.addTransceiver(0, t.kind, { direction: t.offerer, ...(t.offererTrack ? { trackId: `a${i}`, streams: t.streams } : {}) }));
          const offer = p.a.pc.createOffer(0);
          p.a.pc.setLocalDescription(0, offer);
          expect(WeriftSdp.parse(offer.sdp).media.length).toBe(list.length);
          p.b.pc.setRemoteDescription(0, p.a.pc.localDescription!);
          list.forEach((t, i) => {
            p.b.pc.setTransceiverDirection(0, mids[i]!, t.answerer);
            p.b.pc.setSendTrack(0, mids[i]!, { trackId: `b${i}`, streamIds: [] });
          });
          const answer = p.b.pc.createAnswer(0);
          expect(WeriftSdp.parse(answer.sdp).media.length).toBe(list.length);
          p.b.pc.setLocalDescription(0, answer);
          p.a.pc.setRemoteDescription(0, p.b.pc.localDescription!);
          p.run(() => true);
          list.forEach((t, i) => {
            const ia = p.a.pc.transceiverInfo(mids[i]!)!;
            const ib = p.b.pc.transceiverInfo(mids[i]!)!;
            const aSends = sends(t.offerer) && receives(t.answerer);
            const bSends = sends(t.answerer) && receives(t.offerer);
            const expected: Direction = aSends && bSends ? 'sendrecv' : aSends ? 'sendonly' : bSends ? 'recvonly' : 'inactive';
            expect(ia.currentDirection).toBe(expected);
            expect(ib.currentDirection).toBe(reverseDirection(expected));
            // After the exchange each side has a remote track exactly where the other sends (W3C 4.4.1.5-6).
            const has = (side: typeof p.a, mid: string): boolean =>
              side.events.filter((e) => e.type === 'track' && e.mid === mid).length > side.events.filter((e) => e.type === 'track-removed' && e.mid === mid).length;
            const bTrack = has(p.b, mids[i]!);
            expect(bTrack).toBe(aSends);
            const aTrack = has(p.a, mids[i]!);
            expect(aTrack).toBe(bSends);
            if (aTrack) expect(p.a.events.find((e) => e.type === 'track' && e.mid === mids[i])).toMatchObject({ trackId: `b${i}`, streamIds: [] });
            if (bTrack && t.offererTrack) expect(p.b.events.find((e) => e.type === 'track' && e.mid === mids[i])).toMatchObject({ trackId: `a${i}`, streamIds: [...new Set(t.streams)] });
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});
