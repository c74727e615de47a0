/**
 * Bundle policies (RFC 8829 section 4.1.1): bundle-only sections in initial offers
 * (section 5.2.1, RFC 8843 section 6), the answerer's rejections (section 5.3.1, RFC 8843
 * section 7.3.3), checked against the offers of RFC 8829 section 7.1 (|offer-A1|,
 * "balanced") and 7.2 (|offer-B1|, "max-bundle"), and two sans-IO peers on a virtual
 * clock with each policy, including an offer whose BUNDLE group is stripped in flight.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { seededRandom } from '../../src/common/random.js';
import { generateCertificate } from '../../src/crypto/x509.js';
import { PeerConnection } from '../../src/peer/peer-connection.js';
import { bundleOnlyMids, policyRejections, sharingTransport, transportAssignments, withTaggedGroupRejections } from '../../src/peer/transport.js';
import type { BundlePolicy } from '../../src/peer/transport.js';
import { bundleGroups, candidates, fingerprints, iceCredentials, isBundleOnly, mid, parseSdp, setupRole, verifyDescription } from '../../src/sdp/index.js';
import type { MediaDescription, SessionDescription } from '../../src/sdp/index.js';
import { PeerPair, advance, connected, framesOn, makePeer, negotiateMedia, opusFrame, vp8Frame } from './helpers.js';

/**
 * RFC 8829 section 7.1 |offer-A1| (policy "balanced": audio and video, each with its own
 * transport attributes). The fingerprint's continuation lines are joined onto one line,
 * the only change from the RFC text.
 */
const OFFER_A1 = `v=0
o=- 4962303333179871722 1 IN IP4 0.0.0.0
s=-
t=0 0
a=ice-options:trickle ice2
a=group:BUNDLE a1 v1
a=group:LS a1 v1
m=audio 10100 UDP/TLS/RTP/SAVPF 96 0 8 97 98
c=IN IP4 203.0.113.100
a=mid:a1
a=sendrecv
a=rtpmap:96 opus/48000/2
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 telephone-event/8000
a=rtpmap:98 telephone-event/48000
a=fmtp:97 0-15
a=fmtp:98 0-15
a=maxptime:120
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=msid:47017fee-b6c1-4162-929c-a25110252400
a=ice-ufrag:ETEn
a=ice-pwd:OtSK0WpNtpUjkY4+86js7ZQl
a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2
a=setup:actpass
a=tls-id:91bbf309c0990a6bec11e38ba2933cee
a=rtcp:10101 IN IP4 203.0.113.100
a=rtcp-mux
a=rtcp-rsize
a=candidate:1 1 udp 2113929471 203.0.113.100 10100 typ host
a=candidate:1 2 udp 2113929470 203.0.113.100 10101 typ host
a=end-of-candidates
m=video 10102 UDP/TLS/RTP/SAVPF 100 101 102 103
c=IN IP4 203.0.113.100
a=mid:v1
a=sendrecv
a=rtpmap:100 VP8/90000
a=rtpmap:101 H264/90000
a=fmtp:101 packetization-mode=1;profile-level-id=42e01f
a=rtpmap:102 rtx/90000
a=fmtp:102 apt=100
a=rtpmap:103 rtx/90000
a=fmtp:103 apt=101
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
a=rtcp-fb:100 ccm fir
a=rtcp-fb:100 nack
a=rtcp-fb:100 nack pli
a=msid:47017fee-b6c1-4162-929c-a25110252400
a=ice-ufrag:BGKk
a=ice-pwd:mqyWsAjvtKwTGnvhPztQ9mIf
a=fingerprint:sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2
a=setup:actpass
a=tls-id:91bbf309c0990a6bec11e38ba2933cee
a=rtcp:10103 IN IP4 203.0.113.100
a=rtcp-mux
a=rtcp-rsize
a=candidate:1 1 udp 2113929471 203.0.113.100 10102 typ host
a=candidate:1 2 udp 2113929470 203.0.113.100 10103 typ host
a=end-of-candidates
`.replace(/\n/g, '\r\n');

/** RFC 8829 section 7.2 |offer-B1| (policy "max-bundle"): the data section is bundle-only. Fingerprint joined as above. */
const OFFER_B1 = `v=0
o=- 4962303333179871723 1 IN IP4 0.0.0.0
s=-
t=0 0
a=ice-options:trickle ice2
a=group:BUNDLE a1 d1
m=audio 9 UDP/TLS/RTP/SAVPF 96 0 8 97 98
c=IN IP4 0.0.0.0
a=mid:a1
a=sendrecv
a=rtpmap:96 opus/48000/2
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 telephone-event/8000
a=rtpmap:98 telephone-event/48000
a=fmtp:97 0-15
a=fmtp:98 0-15
a=maxptime:120
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=msid:57017fee-b6c1-4162-929c-a25110252400
a=ice-ufrag:ATEn
a=ice-pwd:AtSK0WpNtpUjkY4+86js7ZQl
a=fingerprint:sha-256 29:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2
a=setup:actpass
a=tls-id:17f0f4ba8a5f1213faca591b58ba52a7
a=rtcp-mux
a=rtcp-mux-only
a=rtcp-rsize
m=application 0 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=mid:d1
a=sctp-port:5000
a=max-message-size:65536
a=bundle-only
`.replace(/\n/g, '\r\n');

/** RFC 8843 section 18.4 (offerer moves "zen" out of the BUNDLE group), indentation and blank lines removed. */
const RFC8843_18_4_OFFER = `v=0
o=alice 2890844526 2890844526 IN IP6 2001:db8::3
s=
c=IN IP6 2001:db8::3
t=0 0
a=group:BUNDLE foo bar
m=audio 10000 RTP/AVP 0 8 97
b=AS:200
a=mid:foo
a=rtcp-mux
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
m=video 0 RTP/AVP 31 32
b=AS:1000
a=mid:bar
a=bundle-only
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
m=video 50000 RTP/AVP 66
b=AS:1000
a=mid:zen
a=rtcp-mux
a=rtpmap:66 H261/90000
`.replace(/\n/g, '\r\n');

/** RFC 8843 section 18.4, the answer. */
const RFC8843_18_4_ANSWER = `v=0
o=bob 2808844564 2808844564 IN IP6 2001:db8::1
s=
c=IN IP6 2001:db8::1
t=0 0
a=group:BUNDLE foo bar
m=audio 20000 RTP/AVP 0
b=AS:200
a=mid:foo
a=rtcp-mux
a=rtpmap:0 PCMU/8000
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
m=video 0 RTP/AVP 32
b=AS:1000
a=mid:bar
a=bundle-only
a=rtpmap:32 MPV/90000
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
m=video 60000 RTP/AVP 66
b=AS:1000
a=mid:zen
a=rtcp-mux
a=rtpmap:66 H261/90000
`.replace(/\n/g, '\r\n');

/** The session without its a=group:BUNDLE lines (a peer that does not bundle, RFC 8843 section 7.3). */
function stripBundle(sdp: string): string {
  return sdp.split('\r\n').filter((l) => !l.startsWith('a=group:BUNDLE')).join('\r\n');
}

/** Per section: does it carry transport attributes (ICE credentials, fingerprint, setup), its port, bundle-only. */
function shape(session: SessionDescription): { transport: boolean; port: number; bundleOnly: boolean }[] {
  return session.media.map((m) => ({
    transport: m.attributes.some((a) => a.type === 'ice-ufrag' || a.type === 'ice-pwd' || a.type === 'fingerprint' || a.type === 'setup'),
    port: m.port === 0 ? 0 : 9,
    bundleOnly: isBundleOnly(m),
  }));
}

const CERT = generateCertificate({ notBefore: new Date(Date.UTC(2026, 0, 1)), rng: seededRandom(99) });

function peer(policy: BundlePolicy | undefined, seed = 1, codecs?: ConstructorParameters<typeof PeerConnection>[0]['codecs']): PeerConnection {
  const pc = new PeerConnection({ certificate: CERT, random: seededRandom(seed), ...(policy ? { bundlePolicy: policy } : {}), ...(codecs ? { codecs } : {}) });
  pc.addHostBases(0, [{ address: '10.0.0.1', port: 10001 }]);
  return pc;
}

function answerTo(offer: string, policy: BundlePolicy, codecs?: ConstructorParameters<typeof PeerConnection>[0]['codecs']): SessionDescription {
  const pc = peer(policy, 7, codecs);
  pc.setRemoteDescription(0, { type: 'offer', sdp: offer });
  return parseSdp(pc.createAnswer(0).sdp);
}

const live = (m: MediaDescription): boolean => m.port !== 0;

describe('bundle policy in initial offers (RFC 8829 section 5.2.1)', () => {
  it('max-bundle: audio + data as |offer-B1|: the data section is bundle-only, port 0, without ICE/DTLS lines or candidates', () => {
    const rfc = parseSdp(OFFER_B1);
    const pc = peer('max-bundle');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.createDataChannel(0, { label: 'x' });
    const offer = pc.createOffer(0);
    pc.setLocalDescription(0, offer);
    for (let e = pc.pollEvent(); e; e = pc.pollEvent());
    const ours = parseSdp(pc.localDescription?.sdp ?? '');
    expect(shape(ours)).toEqual(shape(rfc));
    expect(ours.media.map((m) => m.kind)).toEqual(rfc.media.map((m) => m.kind));
    expect(bundleGroups(ours)).toEqual([ours.media.map((m) => mid(m))]);
    // Candidates only in the section that carries the transport (RFC 8829 5.2.1: "MUST NOT gather").
    expect(candidates(ours.media[0] as MediaDescription).length).toBeGreaterThan(0);
    expect(candidates(ours.media[1] as MediaDescription)).toEqual([]);
    // The fingerprint is also at session level (RFC 8829 5.2.1 "or these values MUST be
    // session-level attributes"), equal to the tagged section's; no other transport line is.
    const sessionFp = ours.attributes.filter((a) => a.type === 'fingerprint');
    expect(sessionFp).toEqual((ours.media[0] as MediaDescription).attributes.filter((a) => a.type === 'fingerprint'));
    expect(fingerprints(ours.media[1] as MediaDescription, ours)).toEqual(fingerprints(ours.media[0] as MediaDescription, ours));
    expect(ours.attributes.some((a) => a.type === 'ice-ufrag' || a.type === 'setup')).toBe(false);
    // Our offer passes the checks a remote applies to it (RFC 8829 5.8.3).
    expect(verifyDescription(ours, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
  });

  it('balanced: audio + video as |offer-A1| (no bundle-only); a second audio and a second video are bundle-only', () => {
    const rfc = parseSdp(OFFER_A1);
    const pc = peer(undefined);
    expect(pc.bundlePolicy).toBe('balanced');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.addTransceiver(0, 'video', 'sendrecv');
    const first = parseSdp(pc.createOffer(0).sdp);
    expect(shape(first)).toEqual(shape(rfc));
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.addTransceiver(0, 'video', 'sendrecv');
    pc.createDataChannel(0, { label: 'x' });
    const more = parseSdp(pc.createOffer(0).sdp);
    expect(more.media.map((m) => [m.kind, isBundleOnly(m), m.port === 0])).toEqual([
      ['audio', false, false], ['video', false, false], ['audio', true, true], ['video', true, true], ['application', false, false],
    ]);
  });

  it('max-compat: no section is bundle-only; every section carries the transport and stays in the BUNDLE group', () => {
    const pc = peer('max-compat');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.createDataChannel(0, { label: 'x' });
    const offer = parseSdp(pc.createOffer(0).sdp);
    expect(shape(offer).every((s) => s.transport && !s.bundleOnly && s.port === 9)).toBe(true);
    // Without bundle-only sections the fingerprint stays at media level only.
    expect(offer.attributes.some((a) => a.type === 'fingerprint')).toBe(false);
    expect(bundleGroups(offer)).toEqual([['0', '1', '2']]);
  });

  it('subsequent offers carry no a=bundle-only (RFC 8829 section 5.2.2)', () => {
    const p = new PeerPair(3, { a: { bundlePolicy: 'max-bundle' } });
    p.a.pc.addTransceiver(0, 'audio', 'sendrecv');
    p.a.pc.addTransceiver(0, 'video', 'sendrecv');
    negotiateMedia(p);
    p.run(() => connected(p));
    p.a.pc.addTransceiver(p.now, 'video', 'sendrecv');
    const again = parseSdp(p.a.pc.createOffer(p.now).sdp);
    expect(again.media.some((m) => isBundleOnly(m) || m.port === 0)).toBe(false);
  });

  it('bundleOnlyMids: the first section never, max-compat never, max-bundle all others, balanced the repeats of a kind', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('audio', 'video', 'application'), { maxLength: 12 }), fc.constantFrom<BundlePolicy>('balanced', 'max-compat', 'max-bundle'), (kinds, policy) => {
      const sections = kinds.map((kind, i) => ({ mid: String(i), kind }));
      const only = bundleOnlyMids(sections, policy);
      expect(only.has('0')).toBe(false);
      sections.forEach((s, i) => {
        const expected = policy === 'max-bundle' ? i > 0 : policy === 'balanced' ? kinds.slice(0, i).includes(s.kind) : false;
        expect(only.has(s.mid)).toBe(expected);
      });
    }));
  });

  it('an unknown policy is refused', () => {
    expect(() => new PeerConnection({ certificate: CERT, bundlePolicy: 'bogus' as BundlePolicy })).toThrow(InvalidArgumentError);
  });
});

describe('bundle policy in answers (RFC 8829 section 5.3.1, RFC 8843 section 7.3.3)', () => {
  it('|offer-B1| (bundle-only data) is accepted whole by every policy, as |answer-B1|: both sections live, one group, no a=bundle-only', () => {
    for (const policy of ['balanced', 'max-compat', 'max-bundle'] as const) {
      const answer = answerTo(OFFER_B1, policy);
      expect(answer.media.map(live)).toEqual([true, true]);
      expect(answer.media.some(isBundleOnly)).toBe(false);
      expect(bundleGroups(answer)).toEqual([['a1', 'd1']]);
      // Transport attributes as |answer-B1|: the tagged section carries ICE and a=setup:active.
      const a1 = answer.media[0] as MediaDescription;
      expect(iceCredentials(a1, answer)).toBeDefined();
      expect(setupRole(a1, answer)).toBe('active');
      expect(fingerprints(a1, answer).length).toBeGreaterThan(0);
      expect(verifyDescription(answer, { type: 'answer', offer: parseSdp(OFFER_B1), rtcpMuxRequired: true })).toEqual([]);
    }
  });

  it('policyRejections on |offer-A1|: with BUNDLE nothing; without it max-bundle rejects the video, balanced and max-compat nothing', () => {
    const bundled = parseSdp(OFFER_A1);
    const unbundled = parseSdp(stripBundle(OFFER_A1));
    for (const p of ['balanced', 'max-compat', 'max-bundle'] as const) expect([...policyRejections(bundled, p)]).toEqual([]);
    expect([...policyRejections(unbundled, 'max-bundle')]).toEqual([1]);
    expect([...policyRejections(unbundled, 'balanced')]).toEqual([]);
    expect([...policyRejections(unbundled, 'max-compat')]).toEqual([]);
    expect([...sharingTransport(bundled, 0)].sort()).toEqual([0, 1]);
    expect([...sharingTransport(unbundled, 0)]).toEqual([0]);
  });

  it('balanced rejects all but the first of each kind without BUNDLE, and a section left outside the first one\'s group', () => {
    const pc = peer('max-compat');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.addTransceiver(0, 'audio', 'sendrecv');
    pc.addTransceiver(0, 'video', 'sendrecv');
    pc.createDataChannel(0, { label: 'x' });
    const text = pc.createOffer(0).sdp;
    const unbundled = parseSdp(stripBundle(text));
    expect([...policyRejections(unbundled, 'balanced')]).toEqual([1]);
    expect([...policyRejections(unbundled, 'max-bundle')]).toEqual([1, 2, 3]);
    // Only the second audio in a group with the first: the video and data are first of their kind.
    const partial = parseSdp(text.replace(/a=group:BUNDLE [^\r]*/, 'a=group:BUNDLE 0 1'));
    expect([...policyRejections(partial, 'balanced')]).toEqual([]);
    expect([...policyRejections(partial, 'max-bundle')]).toEqual([2, 3]);
  });

  it('max-bundle answerer to |offer-A1| without BUNDLE: the video is rejected (port 0, no group), the audio kept', () => {
    const answer = answerTo(stripBundle(OFFER_A1), 'max-bundle');
    expect(answer.media.map(live)).toEqual([true, false]);
    expect(bundleGroups(answer)).toEqual([]);
    expect(verifyDescription(answer, { type: 'answer', offer: parseSdp(stripBundle(OFFER_A1)), rtcpMuxRequired: true })).toEqual([]);
  });

  it('a balanced or max-compat answerer to |offer-A1| without BUNDLE keeps both sections, each on a transport of its own (RFC 8843 7.4)', () => {
    for (const policy of ['balanced', 'max-compat'] as const) {
      const pc = peer(policy, 7);
      const offer = stripBundle(OFFER_A1);
      pc.setRemoteDescription(0, { type: 'offer', sdp: offer });
      const answer = parseSdp(pc.createAnswer(0).sdp);
      expect(answer.media.map(live)).toEqual([true, true]);
      expect(bundleGroups(answer)).toEqual([]);
      // Own ICE credentials per section (RFC 8843 section 10), each answering its section's a=setup.
      const creds = answer.media.map((m) => iceCredentials(m, answer)?.ufrag);
      expect(new Set(creds).size).toBe(2);
      expect(answer.media.map((m) => setupRole(m, answer))).toEqual(['active', 'active']);
      expect(verifyDescription(answer, { type: 'answer', offer: parseSdp(offer), rtcpMuxRequired: true })).toEqual([]);
      expect(pc.transportCount).toBe(2);
      expect(pc.transportInfo('a1')?.id).not.toBe(pc.transportInfo('v1')?.id);
    }
  });

  it('RFC 8843 7.3.3: when the offerer-tagged section is rejected (no common audio codec), its whole group is', () => {
    const videoOnly = [{ kind: 'video' as const, name: 'VP8', clockRate: 90000 }];
    const answer = answerTo(OFFER_A1, 'balanced', videoOnly);
    expect(answer.media.map(live)).toEqual([false, false]);
    expect(bundleGroups(answer)).toEqual([]);
    // Group order decides which section is tagged: with v1 first, the audio alone goes.
    const swapped = OFFER_A1.replace('a=group:BUNDLE a1 v1', 'a=group:BUNDLE v1 a1');
    const answer2 = answerTo(swapped, 'balanced', videoOnly);
    expect(answer2.media.map(live)).toEqual([false, true]);
    expect(bundleGroups(answer2)).toEqual([['v1']]);
    const offer = parseSdp(OFFER_A1);
    expect([...withTaggedGroupRejections(offer, new Set([1]))]).toEqual([1]);
    expect([...withTaggedGroupRejections(offer, new Set([0]))].sort()).toEqual([0, 1]);
  });

  it('transportAssignments on RFC 8843 18.4: foo and bundle-only bar share foo\'s transport, zen (moved out of the group) has its own', () => {
    for (const text of [RFC8843_18_4_OFFER, RFC8843_18_4_ANSWER]) {
      expect(transportAssignments(parseSdp(text))).toEqual([{ mid: 'foo', indexes: [0, 1] }, { mid: 'zen', indexes: [2] }]);
    }
  });

  it('transportAssignments on |offer-A1|: one transport with BUNDLE, one per section without it, the tagged mid as key', () => {
    expect(transportAssignments(parseSdp(OFFER_A1))).toEqual([{ mid: 'a1', indexes: [0, 1] }]);
    expect(transportAssignments(parseSdp(stripBundle(OFFER_A1)))).toEqual([{ mid: 'a1', indexes: [0] }, { mid: 'v1', indexes: [1] }]);
    const swapped = parseSdp(OFFER_A1.replace('a=group:BUNDLE a1 v1', 'a=group:BUNDLE v1 a1'));
    expect(transportAssignments(swapped)).toEqual([{ mid: 'v1', indexes: [0, 1] }]);
    // A rejected section (port 0 without a=bundle-only) carries no transport.
    const rejected = parseSdp(stripBundle(OFFER_A1).replace('m=video 10102', 'm=video 0'));
    expect(transportAssignments(rejected)).toEqual([{ mid: 'a1', indexes: [0] }]);
  });

  it('property: transportAssignments partitions the live sections and agrees with sharingTransport', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom<'audio' | 'video' | 'data'>('audio', 'video', 'data'), { minLength: 1, maxLength: 6 }),
      fc.constantFrom<BundlePolicy>('balanced', 'max-compat', 'max-bundle'),
      fc.array(fc.nat(5), { maxLength: 6 }),
      (kinds, policy, grouped) => {
        const pc = peer(policy, 13);
        for (const k of kinds) {
          if (k === 'data') pc.createDataChannel(0, { label: 'x' });
          else pc.addTransceiver(0, k, 'sendrecv');
        }
        const text = pc.createOffer(0).sdp;
        const mids = parseSdp(text).media.map((m) => mid(m) ?? '');
        const members = [...new Set(grouped.filter((i) => i < mids.length))].map((i) => mids[i] as string);
        const edited = members.length === 0 ? stripBundle(text) : text.replace(/a=group:BUNDLE [^\r]*/, `a=group:BUNDLE ${members.join(' ')}`);
        const session = parseSdp(edited);
        const assigned = transportAssignments(session);
        const all = assigned.flatMap((t) => t.indexes).sort((x, y) => x - y);
        expect(new Set(all).size).toBe(all.length);
        for (const t of assigned) {
          const first = t.indexes[0] as number;
          expect([...sharingTransport(session, first)].filter((i) => all.includes(i)).sort((x, y) => x - y)).toEqual(t.indexes);
          expect(t.indexes.map((i) => mids[i])).toContain(t.mid);
        }
      },
    ), { numRuns: 60 });
  });

  it('property: for random sections and policies, answers have no a=bundle-only, one group of every live section, and pass RFC 8829 5.8.3', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom<'audio' | 'video' | 'data'>('audio', 'video', 'data'), { minLength: 1, maxLength: 6 }),
      fc.constantFrom<BundlePolicy>('balanced', 'max-compat', 'max-bundle'),
      fc.constantFrom<BundlePolicy>('balanced', 'max-compat', 'max-bundle'),
      fc.boolean(),
      (kinds, offerPolicy, answerPolicy, strip) => {
        const pc = peer(offerPolicy, 11);
        for (const k of kinds) {
          if (k === 'data') pc.createDataChannel(0, { label: 'x' });
          else pc.addTransceiver(0, k, 'sendrecv');
        }
        const text = pc.createOffer(0).sdp;
        const offerText = strip ? stripBundle(text) : text;
        const offer = parseSdp(offerText);
        expect(verifyDescription(offer, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
        const answer = answerTo(offerText, answerPolicy);
        expect(answer.media.some(isBundleOnly)).toBe(false);
        const liveMids = answer.media.filter(live).map((m) => mid(m));
        expect(liveMids.length).toBeGreaterThan(0);
        if (strip) {
          // Without BUNDLE a bundle-only section has no transport (rejected); the others are
          // kept unless the answerer's policy rejects them, each on its own transport.
          const byPolicy = policyRejections(offer, answerPolicy);
          const expected = offer.media.flatMap((m, i) => (live(m) && !byPolicy.has(i) ? [mid(m)] : []));
          expect(liveMids).toEqual(expected);
          expect(bundleGroups(answer)).toEqual([]);
          const ufrags = answer.media.filter(live).map((m) => iceCredentials(m, answer)?.ufrag);
          expect(new Set(ufrags).size).toBe(ufrags.length);
        } else expect(bundleGroups(answer)).toEqual([liveMids]);
        expect(verifyDescription(answer, { type: 'answer', offer, rtcpMuxRequired: true })).toEqual([]);
      },
    ), { numRuns: 60 });
  });
});

/** a (max-compat) has set its offer of audio, video and a data channel: three transports, three ufrags. */
function maxCompatOffer(): { p: PeerPair; offer: { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp: string } } {
  const p = new PeerPair(7, { a: { bundlePolicy: 'max-compat' } });
  p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-audio', streams: ['s'] });
  p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-video', streams: ['s'] });
  p.a.pc.createDataChannel(0, { label: 'chat' });
  const offer = p.a.pc.createOffer(p.now);
  p.a.pc.setLocalDescription(p.now, offer);
  return { p, offer };
}

describe('two peers with bundle policies on a virtual clock', () => {
  for (const [offerer, answerer] of [['max-bundle', 'balanced'], ['balanced', 'max-bundle'], ['max-compat', 'max-compat']] as const) {
    it(`${offerer} offer, ${answerer} answer: audio, video and a data channel flow over the one transport`, () => {
      const p = new PeerPair(5, { a: { bundlePolicy: offerer }, b: { bundlePolicy: answerer } });
      const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-audio', streams: ['s'] });
      const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-video', streams: ['s'] });
      const ch = p.a.pc.createDataChannel(0, { label: 'chat' });
      negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] } });
      p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
      expect(p.b.events.filter((e) => e.type === 'track').map((e) => (e.type === 'track' ? e.kind : ''))).toEqual(['audio', 'video']);
      for (let i = 0; i < 5; i++) {
        expect(p.a.pc.sendFrame(p.now, video, vp8Frame(i, i === 0, 800))).toBe(true);
        expect(p.a.pc.sendFrame(p.now, audio, opusFrame(i))).toBe(true);
        advance(p, 20);
      }
      p.a.pc.send(p.now, ch.key, 'over the bundle');
      p.run(() => framesOn(p.b, video).length === 5 && framesOn(p.b, audio).length === 5 && p.messages(p.b).length === 1);
      expect(p.messages(p.b)).toEqual(['over the bundle']);
    });
  }

  it('an offer whose BUNDLE group is stripped in flight: a max-bundle answerer keeps the first section only, and it connects', () => {
    const p = new PeerPair(6, { b: { bundlePolicy: 'max-bundle' } });
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-audio', streams: ['s'] });
    const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-video', streams: ['s'] });
    p.a.pc.createDataChannel(0, { label: 'chat' });
    negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] }, editOffer: stripBundle });
    const answer = parseSdp(p.a.pc.remoteDescription?.sdp ?? '');
    expect(answer.media.map(live)).toEqual([true, false, false]);
    expect(bundleGroups(answer)).toEqual([]);
    p.run(() => connected(p));
    // The rejected video negotiated nothing to send or receive; its frames are not sent.
    expect(p.a.pc.transceiverInfo(video)?.currentDirection).toBe('inactive');
    expect(p.a.pc.sendFrame(p.now, video, vp8Frame(0, true, 800))).toBe(false);
    for (let i = 0; i < 5; i++) {
      expect(p.a.pc.sendFrame(p.now, audio, opusFrame(i))).toBe(true);
      advance(p, 20);
    }
    p.run(() => framesOn(p.b, audio).length === 5);
    expect(framesOn(p.b, video)).toEqual([]);
  });

  it('an initial offer gives every section that is not bundle-only ICE credentials of its own (RFC 8843 section 10)', () => {
    for (const [policy, distinct] of [['max-compat', 3], ['balanced', 3], ['max-bundle', 1]] as const) {
      const pc = peer(policy, 3);
      pc.addTransceiver(0, 'audio', 'sendrecv');
      pc.addTransceiver(0, 'video', 'sendrecv');
      pc.createDataChannel(0, { label: 'x' });
      const offer = parseSdp(pc.createOffer(0).sdp);
      const ufrags = offer.media.filter((m) => !isBundleOnly(m)).map((m) => iceCredentials(m, offer)?.ufrag);
      expect(new Set(ufrags).size).toBe(distinct);
      expect(pc.transportCount).toBe(distinct);
    }
  });

  it('an answer that bundles what the offer gave separate credentials keeps one transport, the tagged section\'s (RFC 8843 7.3.1)', () => {
    const { p, offer } = maxCompatOffer();
    expect(p.a.pc.transportCount).toBe(3);
    const first = p.a.pc.transportInfo('0')?.id;
    p.b.pc.setRemoteDescription(p.now, p.a.pc.localDescription ?? offer);
    const answer = p.b.pc.createAnswer(p.now);
    p.b.pc.setLocalDescription(p.now, answer);
    p.a.pc.setRemoteDescription(p.now, p.b.pc.localDescription ?? answer);
    expect(p.a.pc.transportCount).toBe(1);
    expect(['0', '1', '2'].map((m) => p.a.pc.transportInfo(m)?.id)).toEqual([first, first, first]);
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
  });

  it('answers carry ICE credentials in the tagged section only (RFC 8829 5.3.1); stripped of BUNDLE in flight, such an answer is refused', () => {
    const { p, offer } = maxCompatOffer();
    p.b.pc.setRemoteDescription(p.now, p.a.pc.localDescription ?? offer);
    const answer = p.b.pc.createAnswer(p.now);
    p.b.pc.setLocalDescription(p.now, answer);
    const text = p.b.pc.localDescription?.sdp ?? answer.sdp;
    const parsed = parseSdp(text);
    // Only the answerer-tagged section has ICE credentials and candidates; all have DTLS lines.
    expect(parsed.media.map((m) => m.attributes.some((a) => a.type === 'ice-ufrag'))).toEqual([true, false, false]);
    expect(parsed.media.map((m) => candidates(m).length > 0)).toEqual([true, false, false]);
    expect(parsed.media.every((m) => fingerprints(m, parsed).length > 0 && setupRole(m, parsed) === 'active')).toBe(true);
    expect(() => p.a.pc.setRemoteDescription(p.now, { type: 'answer', sdp: stripBundle(text) })).toThrow(/m= section 1: no a=ice-ufrag/);
    p.a.pc.setRemoteDescription(p.now, { type: 'answer', sdp: text });
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    // A subsequent offer: ICE credentials and candidates in the tagged section only (RFC 8829 5.2.2).
    const reoffer = parseSdp(p.a.pc.createOffer(p.now).sdp);
    expect(reoffer.media.map((m) => m.attributes.some((a) => a.type === 'ice-ufrag'))).toEqual([true, false, false]);
  });

  it('two purertc peers without BUNDLE, each transport on a port of its own (transportBases own): audio, video and data flow through 5% loss', () => {
    const own = { transportBases: 'own' as const };
    const p = new PeerPair(13, { a: own, b: own });
    const seeded = seededRandom(77);
    p.drop = () => (seeded.fill(new Uint8Array(1))[0] as number) < 13; // about 5%
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-audio', streams: ['s'] });
    const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-video', streams: ['s'] });
    const ch = p.a.pc.createDataChannel(0, { label: 'chat' });
    negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] }, editOffer: stripBundle });
    expect(p.a.pc.transportCount).toBe(3);
    expect(p.b.pc.transportCount).toBe(3);
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    // The answerer's transports each picked a pair on a port of their own; the offerer's
    // (its initial offer's) share its port and are told apart by the answerer's ports.
    const ports = (e: typeof p.a): (number | undefined)[] => e.pc.statsSnapshot().transports.map((t) => t.selectedPair?.local.port);
    expect(new Set(ports(p.b)).size).toBe(3);
    expect(new Set(ports(p.a)).size).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect(p.a.pc.sendFrame(p.now, video, vp8Frame(i, i === 0, 2500))).toBe(true);
      expect(p.a.pc.sendFrame(p.now, audio, opusFrame(i))).toBe(true);
      advance(p, 20);
    }
    for (let i = 0; i < 10; i++) p.a.pc.send(p.now, ch.key, `m${i}`);
    p.run(() => framesOn(p.b, video).length >= 18 && framesOn(p.b, audio).length >= 17 && p.messages(p.b).length === 10);
    expect(p.messages(p.b)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it('transportBases own: the answerer asks ports for its extra transports ("transport-bases") and releases them when a later exchange bundles ("transport-closed")', () => {
    const own = { transportBases: 'own' as const };
    const p = new PeerPair(14, { a: own, b: own });
    p.a.pc.addTransceiver(0, 'audio', 'sendrecv');
    p.a.pc.addTransceiver(0, 'video', 'sendrecv');
    p.a.pc.createDataChannel(0, { label: 'chat' });
    // The initial offer's extra transports share a's port: a asks for none.
    negotiateMedia(p, 'a', { editOffer: stripBundle });
    const ids = (e: typeof p.a, type: 'transport-bases' | 'transport-closed'): string[] => e.events.flatMap((x) => (x.type === type ? [x.transportId] : []));
    expect(ids(p.a, 'transport-bases')).toEqual([]);
    expect(ids(p.b, 'transport-bases')).toHaveLength(2);
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    // A subsequent offer with BUNDLE: b's answer bundles, its two own-port transports go.
    negotiateMedia(p, 'a');
    expect(p.b.pc.transportCount).toBe(1);
    expect(ids(p.b, 'transport-closed').sort()).toEqual(ids(p.b, 'transport-bases').sort());
    p.run(() => connected(p));
  });

  it('rollback (W3C 4.4.1.5) drops the transports an offer made and keeps the stable ones; the glare winner\'s offer then connects', () => {
    const p = new PeerPair(12);
    p.a.pc.createDataChannel(0, { label: 'chat' });
    negotiateMedia(p, 'a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    const stable = p.a.pc.transportInfo('0')?.id;
    // a offers audio + video on top (balanced: the new sections would join the negotiated
    // BUNDLE transport), then rolls back: still the one transport, still connected.
    p.a.pc.addTransceiver(p.now, 'audio', 'sendrecv');
    p.a.pc.setLocalDescription(p.now, p.a.pc.createOffer(p.now));
    expect(p.a.pc.transportCount).toBe(1);
    p.a.pc.setLocalDescription(p.now, { type: 'rollback', sdp: '' });
    expect(p.a.pc.transportCount).toBe(1);
    expect(p.a.pc.transportInfo('0')?.id).toBe(stable);
    // An initial balanced offer made two (audio, video); its rollback keeps only the first.
    const c = peer('balanced', 21);
    c.addTransceiver(0, 'audio', 'sendrecv');
    c.addTransceiver(0, 'video', 'sendrecv');
    c.setLocalDescription(0, c.createOffer(0));
    expect(c.transportCount).toBe(2);
    c.setLocalDescription(0, { type: 'rollback', sdp: '' });
    expect(c.transportCount).toBe(1);
    expect(c.signalingState).toBe('stable');
    p.run(() => connected(p));
  });

  it('a purertc answerer with the default policy accepts a max-bundle offer of repeated kinds in one group', () => {
    const a = makePeer(8, '10.0.0.1', 1, { bundlePolicy: 'max-bundle' });
    const b = makePeer(9, '10.0.0.2', 2);
    for (const k of ['audio', 'audio', 'video', 'video'] as const) a.pc.addTransceiver(0, k, 'sendrecv');
    const offer = a.pc.createOffer(0);
    b.pc.setRemoteDescription(0, offer);
    const answer = parseSdp(b.pc.createAnswer(0).sdp);
    expect(answer.media.map(live)).toEqual([true, true, true, true]);
    expect(bundleGroups(answer)).toEqual([['0', '1', '2', '3']]);
  });
});
