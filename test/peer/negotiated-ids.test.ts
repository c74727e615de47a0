/**
 * Subsequent offers keep what the session negotiated: payload types (RFC 3264 section
 * 8.3.2, RFC 8829 section 5.2.2) and extmap ids (RFC 8285 section 6), also when the
 * first exchange was the remote's offer with numbers other than ours. libwebrtc refuses a
 * reassignment ("RTP extension ID reassignment not supported"), found when purertc
 * re-offered to Chromium after answering its offer (test/interop/peer-unbundled-chrome).
 * Chrome's numbers below are from the Chromium 156 capture (vectors/).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepNegotiatedExtensionIds, keepNegotiatedPayloadTypes, offerCodecs, offerHeaderExtensions, DEFAULT_CODECS, DEFAULT_HEADER_EXTENSIONS } from '../../src/peer/capabilities.js';
import { headerExtensions, parseSdp } from '../../src/sdp/index.js';
import { PeerPair, negotiateMedia } from './helpers.js';

describe('subsequent offers keep negotiated payload types and extmap ids', () => {
  it('keepNegotiatedExtensionIds: negotiated URIs keep their ids, the others move off them', () => {
    const ours = offerHeaderExtensions('audio', DEFAULT_HEADER_EXTENSIONS);
    // Chrome 156's audio extmaps (ssrc-audio-level=1, abs-send-time=2, transport-cc=3, sdes:mid=4).
    const offer = parseSdp(readFileSync(new URL('../../vectors/chromium-156/offer-audio-video-datachannel.sdp', import.meta.url), 'utf8'));
    const audio = offer.media.find((m) => m.kind === 'audio');
    if (!audio) throw new Error('no audio section');
    const chrome = headerExtensions(audio, offer).map((e) => ({ id: e.id, uri: e.uri }));
    expect(chrome.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid')?.id).toBe(4);
    const kept = keepNegotiatedExtensionIds(ours, chrome);
    for (const e of kept) {
      const n = chrome.find((c) => c.uri === e.uri);
      if (n) expect(e.id).toBe(n.id);
      else expect(chrome.some((c) => c.id === e.id)).toBe(false);
    }
    expect(new Set(kept.map((e) => e.id)).size).toBe(kept.length);
  });

  it('keepNegotiatedPayloadTypes: VP8 and its RTX keep the remote\'s numbers, the others avoid them', () => {
    const ours = offerCodecs('video', DEFAULT_CODECS);
    const vp8 = ours.find((c) => c.name === 'VP8');
    if (!vp8) throw new Error('no VP8');
    // The remote offered VP8 as 100 with RTX 101 (numbers ours give to other codecs).
    const negotiated = [{ payloadType: 100, name: 'VP8', clockRate: 90000, ...(vp8.fmtp !== undefined ? { fmtp: vp8.fmtp } : {}), rtxPayloadType: 101 }];
    const kept = keepNegotiatedPayloadTypes(ours, negotiated);
    expect(kept.find((c) => c.name === 'VP8')).toMatchObject({ payloadType: 100, rtxPayloadType: 101 });
    const all = kept.flatMap((c) => [c.payloadType, ...(c.rtxPayloadType !== undefined ? [c.rtxPayloadType] : [])]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('property: ids stay unique and negotiated ones are kept, for any negotiated mapping', () => {
    const ours = offerHeaderExtensions('video', DEFAULT_HEADER_EXTENSIONS);
    fc.assert(fc.property(fc.shuffledSubarray(ours), fc.shuffledSubarray([...Array(14).keys()].map((i) => i + 1)), (subset, ids) => {
      const negotiated = subset.slice(0, ids.length).map((e, i) => ({ id: ids[i] as number, uri: e.uri }));
      const kept = keepNegotiatedExtensionIds(ours, negotiated);
      expect(new Set(kept.map((e) => e.id)).size).toBe(kept.length);
      for (const n of negotiated) expect(kept.find((e) => e.uri === n.uri)?.id).toBe(n.id);
    }));
  });

  it('a purertc answerer re-offering after the remote\'s offer keeps the remote\'s extmap ids', () => {
    const p = new PeerPair(41);
    p.a.pc.addTransceiver(0, 'audio', 'sendrecv');
    p.a.pc.addTransceiver(0, 'video', 'sendrecv');
    // The offer is rewritten with other ids (15 - ours), as another stack would number them.
    const renumber = (sdp: string): string => sdp.replace(/a=extmap:(\d+)/g, (_m, id: string) => `a=extmap:${15 - Number(id)}`);
    negotiateMedia(p, 'a', { editOffer: renumber });
    const first = parseSdp(p.b.pc.remoteDescription?.sdp ?? '');
    const reoffer = parseSdp(p.b.pc.createOffer(p.now).sdp);
    let compared = 0;
    first.media.forEach((m, i) => {
      const r = reoffer.media[i];
      if (!r) throw new Error('section missing');
      const was = new Map(headerExtensions(m).map((e) => [e.uri, e.id]));
      for (const e of headerExtensions(r)) {
        if (!was.has(e.uri)) continue;
        expect(e.id).toBe(was.get(e.uri));
        compared++;
      }
      const ids = headerExtensions(r).map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    });
    expect(compared).toBeGreaterThan(3);
  });
});
