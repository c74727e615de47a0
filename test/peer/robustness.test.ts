/**
 * The sans-IO peer under hostile input and a lossy link: random SDP and mutated offers
 * make setRemoteDescription fail only with purertc's typed errors (RFC 8829 section
 * 5.8 checks), random candidates only with typed errors (RFC 8839 section 5.1 grammar),
 * random datagrams in any RFC 7983 range never throw and leave the connection up, and
 * data still arrives in order over a link losing 20% of datagrams (RFC 6347 4.2.4
 * flight retransmission, RFC 9260 6.3 retransmission, RFC 8445 checks).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PureRtcError } from '../../src/common/errors.js';
import { seededRandom } from '../../src/common/random.js';
import { PeerPair, makePeer } from './helpers.js';

const chromeOffer = readFileSync('vectors/chromium-156/offer-audio-video-datachannel.sdp', 'utf8');
const connected = (p: PeerPair): boolean => p.a.pc.connectionState === 'connected' && p.b.pc.connectionState === 'connected';

function onlyTyped(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PureRtcError);
  }
}

describe('PeerConnection robustness', () => {
  it('random text as a remote offer throws only typed errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const p = makePeerCheap();
        onlyTyped(() => p.setRemoteDescription(0, { type: 'offer', sdp: text }));
      }),
      { numRuns: 300 },
    );
  });

  it('a Chrome offer with lines dropped, duplicated or cut answers or throws only typed errors', () => {
    const lines = chromeOffer.split('\r\n').filter((l) => l !== '');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(lines.length - 1), fc.constantFrom('drop', 'dup', 'cut')), { minLength: 1, maxLength: 4 }), (edits) => {
        const out = [...lines];
        for (const [i, op] of edits) {
          if (i >= out.length) continue;
          if (op === 'drop') out.splice(i, 1);
          else if (op === 'dup') out.splice(i, 0, out[i] as string);
          else out[i] = (out[i] as string).slice(0, Math.max(2, (out[i] as string).length >> 1));
        }
        const p = makePeerCheap();
        onlyTyped(() => {
          p.setRemoteDescription(0, { type: 'offer', sdp: out.join('\r\n') + '\r\n' });
          const answer = p.createAnswer(0);
          p.setLocalDescription(0, answer);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('random candidates throw only typed errors', () => {
    const p = makePeerCheap();
    p.setRemoteDescription(0, { type: 'offer', sdp: chromeOffer });
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.option(fc.string({ maxLength: 3 })), fc.option(fc.integer({ min: -2, max: 5 })), (candidate, sdpMid, sdpMLineIndex) => {
        onlyTyped(() => p.addIceCandidate(0, { candidate: `candidate:${candidate}`, sdpMid, sdpMLineIndex }));
      }),
      { numRuns: 500 },
    );
  });

  it('random datagrams on a connected peer never throw and the connection stays up', () => {
    const p = new PeerPair(41);
    const ch = p.a.pc.createDataChannel(0, { label: 'x' });
    p.negotiate('a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), (first, rest) => {
        const data = new Uint8Array([first, ...rest]);
        p.a.pc.handleInput(p.now, { local: p.a.address, remote: p.b.address, data });
        p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data });
      }),
      { numRuns: 1000 },
    );
    p.a.pc.send(p.now, ch.key, 'after the noise');
    p.run(() => p.messages(p.b).includes('after the noise'));
    expect(connected(p)).toBe(true);
  });

  it('an answerer running a transport per section (offer without BUNDLE) takes random datagrams from anywhere without throwing', () => {
    const pc = makePeer(43, '10.0.0.2', 10002).pc;
    const offer = chromeOffer.split('\r\n').filter((l) => !l.startsWith('a=group:BUNDLE')).join('\r\n');
    pc.setRemoteDescription(0, { type: 'offer', sdp: offer });
    pc.setLocalDescription(0, pc.createAnswer(0));
    expect(pc.transportCount).toBe(3);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 65535 }), (first, rest, port) => {
        const data = new Uint8Array([first, ...rest]);
        pc.handleInput(0, { local: { address: '10.0.0.2', port: 10002 }, remote: { address: '10.0.0.1', port }, data });
      }),
      { numRuns: 500 },
    );
    expect(pc.transportCount).toBe(3);
  });

  it('connects and delivers every message in order over a link losing 20% of datagrams', () => {
    const p = new PeerPair(42);
    const rng = seededRandom(99);
    p.drop = () => rng.float() < 0.2;
    const ch = p.a.pc.createDataChannel(0, { label: 'lossy' });
    p.negotiate('a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'), 500_000);
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      const m = `message ${i} ${'x'.repeat(i * 40)}`;
      sent.push(m);
      p.a.pc.send(p.now, ch.key, m);
    }
    p.run(() => p.messages(p.b).length === 50, 500_000);
    expect(p.messages(p.b)).toEqual(sent);
  });
});

let cheapSeed = 1000;
/** A fresh peer per property run (certificate generation is the cost; seeded so cheap enough). */
function makePeerCheap(): ReturnType<typeof makePeer>['pc'] {
  return makePeer(cheapSeed++, '10.0.0.9', 9).pc;
}
