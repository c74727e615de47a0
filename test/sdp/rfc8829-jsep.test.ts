/**
 * JSEP answerer decisions (RFC 8829 sections 5.3.1 and 5.8, RFC 3264 section 6.1,
 * RFC 8843 section 7.3, RFC 8841 section 6, RFC 6184 section 8.1) on Chrome 156's
 * audio+video+data offer, with the capabilities of a typical Node peer (Opus, VP8, H.264
 * 42e01f packetization-mode 1, data channel); cross-checked against libwebrtc
 * (@roamhq/wrtc), which answers the same offer from its own capabilities.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { ProtocolError } from '../../src/common/errors.js';
import {
  answerBundleGroups,
  answerDirection,
  answerSimulcast,
  mediaIndexForCandidate,
  serializeAttribute,
  answerSetup,
  attributesOf,
  bundleTransportMid,
  codecs,
  codecsMatch,
  describeCodec,
  direction,
  dtlsRole,
  headerExtensions,
  maxSendableMessageSize,
  mid,
  negotiateCodecs,
  negotiateHeaderExtensions,
  parseH264ProfileLevelId,
  parseSdp,
  remoteSctpParameters,
  reverseDirection,
  rtxApt,
  serializeSdp,
  setupRole,
  verifyDescription,
} from '../../src/sdp/index.js';
import type { CodecCapability, Direction, MediaDescription, SessionDescription } from '../../src/sdp/index.js';

const CHROME_OFFER = readFileSync(new URL('../../vectors/chromium-156/offer-audio-video-datachannel.sdp', import.meta.url), 'utf8');
const rfcVector = (name: string): string => readFileSync(new URL(`../../vectors/sdp/${name}`, import.meta.url), 'utf8');
const offer = parseSdp(CHROME_OFFER);
const [audio, video, app] = offer.media as [MediaDescription, MediaDescription, MediaDescription];

const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'transport-cc' }];
/** What a Node peer built on purertc would offer: Opus, VP8, H.264 CB 3.1 mode 1. */
const NODE_PEER: readonly CodecCapability[] = [
  { kind: 'audio', name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: [{ type: 'transport-cc' }] },
  { kind: 'video', name: 'VP8', clockRate: 90000, feedback: VIDEO_FEEDBACK, rtx: true },
  { kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', feedback: VIDEO_FEEDBACK, rtx: true },
];
const NODE_EXTENSIONS = [
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
];

describe('RFC 6184 section 8.1: H.264 profile-level-id', () => {
  it.each([
    ['42e01f', 'constrained-baseline', 31],
    ['42c01f', 'constrained-baseline', 31],
    ['4d801f', 'constrained-baseline', 31], // 4D with constraint_set0 (Table 5: 1xxx0000)
    ['4d401f', 'main', 31], // 4D with constraint_set1 only (Table 5: 0x0x0000)
    ['58c01e', 'constrained-baseline', 30],
    ['42001f', 'baseline', 31],
    ['42a01e', 'baseline', 30],
    ['58801e', 'baseline', 30],
    ['4d001f', 'main', 31],
    ['58001e', 'extended', 30],
    ['64001f', 'high', 31],
    ['640c1f', 'constrained-high', 31],
    ['6e0028', 'high-10', 40],
    ['7a1028', 'high-422-intra', 40],
    ['f40028', 'high-444', 40],
    ['2c1028', 'cavlc-444-intra', 40],
    ['42f00b', 'constrained-baseline', 9], // level_idc 11 with constraint_set3: Level 1b
    ['42e00b', 'constrained-baseline', 11],
  ])('%s is %s level %i', (hex, profile, level) => {
    expect(parseH264ProfileLevelId(hex)).toEqual({ profile, level });
  });
  it('absent means Baseline level 1 (42000a); malformed or unknown pairs are undefined', () => {
    expect(parseH264ProfileLevelId(undefined)).toEqual({ profile: 'baseline', level: 10 });
    expect(parseH264ProfileLevelId('42e01')).toBeUndefined();
    expect(parseH264ProfileLevelId('zze01f')).toBeUndefined();
    expect(parseH264ProfileLevelId('640101')).toBeUndefined();
    expect(parseH264ProfileLevelId('4d2001')).toBeUndefined();
  });
  it('matches profile and packetization-mode, not level', () => {
    const cb31 = describeCodec('H264', 90000, 'packetization-mode=1;profile-level-id=42e01f');
    expect(codecsMatch(cb31, describeCodec('h264', 90000, 'profile-level-id=42E034; packetization-mode=1'))).toBe(true);
    expect(codecsMatch(cb31, describeCodec('H264', 90000, 'packetization-mode=1;profile-level-id=4d801f'))).toBe(true);
    expect(codecsMatch(cb31, describeCodec('H264', 90000, 'packetization-mode=1;profile-level-id=4d401f'))).toBe(false);
    expect(codecsMatch(cb31, describeCodec('H264', 90000, 'packetization-mode=0;profile-level-id=42e01f'))).toBe(false);
    expect(codecsMatch(cb31, describeCodec('H264', 90000, 'profile-level-id=42e01f'))).toBe(false);
    expect(codecsMatch(cb31, describeCodec('H264', 90000, 'packetization-mode=1;profile-level-id=42001f'))).toBe(false);
    expect(codecsMatch(describeCodec('VP9', 90000, 'profile-id=0'), describeCodec('VP9', 90000))).toBe(true);
    expect(codecsMatch(describeCodec('VP9', 90000, 'profile-id=2'), describeCodec('VP9', 90000))).toBe(false);
    expect(codecsMatch(describeCodec('opus', 48000, '', 2), describeCodec('opus', 48000))).toBe(false);
    expect(codecsMatch(describeCodec('PCMU', 8000), describeCodec('PCMU', 8000, '', 1))).toBe(true);
  });
});

describe('RFC 8829 section 5.3.1 answer to Chrome 156 for a Node peer', () => {
  it('audio: Opus 111 only, with transport-cc', () => {
    const list = negotiateCodecs(audio, NODE_PEER);
    expect(list.map((c) => [c.payloadType, c.name, c.clockRate, c.channels, c.fmtp])).toEqual([[111, 'opus', 48000, 2, 'minptime=10;useinbandfec=1']]);
    expect(list[0]?.feedback).toEqual([{ type: 'transport-cc' }]);
    expect(list[0]?.rtxPayloadType).toBeUndefined();
  });
  it('video: VP8 96 with rtx 97, H264 108 (42e01f mode 1) with rtx 109, in offer order', () => {
    const list = negotiateCodecs(video, NODE_PEER);
    expect(list.map((c) => [c.payloadType, c.name, c.rtxPayloadType])).toEqual([[96, 'VP8', 97], [108, 'H264', 109]]);
    expect(list[1]?.fmtp).toBe('level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
    // Chrome offers goog-remb too; we do not implement it, so it is left out.
    expect(list[0]?.feedback).toEqual([{ type: 'transport-cc' }, { type: 'ccm', parameter: 'fir' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }]);
  });
  it('no codecs for the application section, and none when nothing matches', () => {
    expect(negotiateCodecs(app, NODE_PEER)).toEqual([]);
    expect(negotiateCodecs(video, [{ kind: 'video', name: 'H265', clockRate: 90000 }])).toEqual([]);
  });
  it('H264 mode 0 and Main capabilities pick 114 and 116 instead', () => {
    expect(negotiateCodecs(video, [{ kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'profile-level-id=42e01f' }]).map((c) => c.payloadType)).toEqual([114]);
    expect(negotiateCodecs(video, [{ kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1;profile-level-id=4d0032', rtx: true }]).map((c) => [c.payloadType, c.rtxPayloadType])).toEqual([[116, 117]]);
  });
  it('RED is kept only with the codec it carries', () => {
    const red = { kind: 'audio', name: 'red', clockRate: 48000, channels: 2 } as const;
    expect(negotiateCodecs(audio, [red]).map((c) => c.payloadType)).toEqual([]);
    expect(negotiateCodecs(audio, [...NODE_PEER, red]).map((c) => c.payloadType)).toEqual([111, 63]);
  });
  it('header extensions we implement, with the offer ids', () => {
    expect(negotiateHeaderExtensions(audio, NODE_EXTENSIONS).map((e) => e.id)).toEqual([1, 2, 3, 4]);
    // RFC 8285 section 7: sendonly/recvonly mirror in the answer; 4096-4351 ids are not usable.
    const withDirections = parseSdp(CHROME_OFFER.replace('a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:1/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level')
      .replace('a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\na=extmap:3', 'a=extmap:2/recvonly http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\na=extmap:4096 urn:x-a\r\na=extmap:4096 urn:x-b\r\na=extmap:3'));
    expect(verifyDescription(withDirections, { type: 'offer' })).toEqual([]);
    expect(negotiateHeaderExtensions(withDirections.media[0]!, [...NODE_EXTENSIONS, 'urn:x-a']).map((e) => [e.id, e.direction])).toEqual([
      [1, 'recvonly'], [2, 'sendonly'], [3, undefined], [4, undefined],
    ]);
    expect(negotiateHeaderExtensions(video, NODE_EXTENSIONS)).toEqual([
      { id: 2, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' },
      { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
      { id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
      { id: 10, uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' },
      { id: 11, uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id' },
    ]);
  });
  it('setup: actpass -> active (we are the DTLS client)', () => {
    expect(setupRole(audio, offer)).toBe('actpass');
    expect(answerSetup(setupRole(audio, offer))).toBe('active');
    expect(dtlsRole(answerSetup('actpass'))).toBe('client');
    expect(answerSetup('active')).toBe('passive');
    expect(answerSetup('passive')).toBe('active');
    expect(answerSetup(undefined)).toBe('passive');
    expect(() => answerSetup('holdconn')).toThrow(ProtocolError);
  });
  it('data channel: sctp-port 5000, max-message-size 262144, sendable size', () => {
    expect(remoteSctpParameters(app)).toEqual({ sctpPort: 5000, maxMessageSize: 262144 });
    expect(remoteSctpParameters(audio)).toBeUndefined();
    expect(maxSendableMessageSize(262144, 65536)).toBe(65536);
    expect(maxSendableMessageSize(262144, 0)).toBe(262144);
    expect(maxSendableMessageSize(undefined, 1 << 20)).toBe(65536);
    expect(maxSendableMessageSize(0, 1 << 20)).toBe(1 << 20);
    expect(maxSendableMessageSize(0, 0)).toBe(Number.POSITIVE_INFINITY);
    const noPort = parseSdp(CHROME_OFFER.replace('a=sctp-port:5000\r\n', '').replace('a=max-message-size:262144\r\n', ''));
    expect(remoteSctpParameters(noPort.media[2]!)).toBeUndefined();
  });
  it('BUNDLE: all accepted keeps the group; rejecting the tagged section moves the tag (RFC 8843 7.3.1)', () => {
    expect(answerBundleGroups(offer, new Set(['0', '1', '2']))).toEqual({ groups: [['0', '1', '2']], unbundledMids: [] });
    expect(answerBundleGroups(offer, new Set(['1', '2']))).toEqual({ groups: [['1', '2']], unbundledMids: [] });
    expect(answerBundleGroups(offer, new Set())).toEqual({ groups: [], unbundledMids: ['0', '1', '2'] });
    expect(bundleTransportMid(offer, '2')).toBe('0');
    // RFC 8843 section 18.1: the answerer keeps "foo" as tag and drops rejected "bar".
    const rfc = parseSdp(rfcVector('rfc8843-section18.1-offer.sdp'));
    expect(answerBundleGroups(rfc, new Set(['foo']))).toEqual({ groups: [['foo']], unbundledMids: [] });
  });
});

describe('RFC 3264 section 6.1 answer direction', () => {
  const all: Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
  it.each([
    ['sendonly', 'sendrecv', 'recvonly'], // RFC 8829 section 5.3.1 example
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendrecv', 'recvonly', 'recvonly'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['recvonly', 'recvonly', 'inactive'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendonly', 'sendonly', 'inactive'],
  ] as const)('offer %s, local %s -> %s', (o, l, a) => {
    expect(answerDirection(o, l)).toBe(a);
  });
  it('never sends what the offerer will not receive, never receives what it will not send', () => {
    for (const o of all) {
      for (const l of all) {
        const a = answerDirection(o, l);
        const answerSends = a === 'sendrecv' || a === 'sendonly';
        const answerReceives = a === 'sendrecv' || a === 'recvonly';
        expect(!answerSends || o === 'sendrecv' || o === 'recvonly').toBe(true);
        expect(!answerReceives || o === 'sendrecv' || o === 'sendonly').toBe(true);
        expect(answerDirection(o, 'sendrecv')).toBe(reverseDirection(o));
      }
    }
  });
});

describe('RFC 8829 section 5.8.3 verification', () => {
  it('accepts the Chrome offer and the RFC 8829 section 7 examples', () => {
    expect(verifyDescription(offer, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
    expect(verifyDescription(parseSdp(rfcVector('rfc8829-section7.1-offer-A1.sdp')), { type: 'offer' })).toEqual([]);
    const b1 = parseSdp(rfcVector('rfc8829-section7.2-offer-B1.sdp'));
    expect(verifyDescription(b1, { type: 'offer' })).toEqual([]);
    expect(verifyDescription(parseSdp(rfcVector('rfc8829-section7.2-answer-B1.sdp')), { type: 'answer', offer: b1 })).toEqual([]);
  });
  const edit = (fn: (lines: string[]) => string[]): SessionDescription => parseSdp(fn(CHROME_OFFER.split('\r\n')).join('\r\n'));
  it.each([
    ['a duplicate mid', (l: string[]) => l.map((x) => (x === 'a=mid:2' ? 'a=mid:1' : x)), 'used twice'],
    ['a BUNDLE mid without m= section', (l: string[]) => l.map((x) => (x === 'a=group:BUNDLE 0 1 2' ? 'a=group:BUNDLE 0 1 2 9' : x)), 'no m= section has'],
    ['no fingerprint in the tagged section', (l: string[]) => l.filter((x, i) => !(x.startsWith('a=fingerprint') && i < 20)), 'fingerprint'],
    ['a short ice-pwd', (l: string[]) => l.map((x) => (x.startsWith('a=ice-pwd') ? 'a=ice-pwd:short' : x)), 'ice-pwd'],
    ['two a=setup lines', (l: string[]) => l.flatMap((x) => (x === 'a=setup:actpass' ? [x, x] : [x])), 'more than one a=setup'],
    ['a=setup:holdconn', (l: string[]) => l.map((x) => (x === 'a=setup:actpass' ? 'a=setup:holdconn' : x)), 'holdconn'],
    ['a repeated extmap id', (l: string[]) => l.map((x) => (x.startsWith('a=extmap:14 ') ? 'a=extmap:2 urn:ietf:params:rtp-hdrext:toffset' : x)), 'mapped twice'],
    ['rtx without a valid apt', (l: string[]) => l.map((x) => (x === 'a=fmtp:97 apt=96' ? 'a=fmtp:97 apt=55' : x)), 'apt'],
    ['no sctp-port', (l: string[]) => l.filter((x) => x !== 'a=sctp-port:5000'), 'sctp-port'],
    ['rtcp-mux-only without rtcp-mux', (l: string[]) => l.map((x) => (x === 'a=rtcp-mux' ? 'a=rtcp-mux-only' : x)), 'rtcp-mux-only'],
    ['simulcast naming an unknown rid', (l: string[]) => l.flatMap((x) => (x === 'a=mid:1' ? [x, 'a=rid:h send', 'a=simulcast:send h;l'] : [x])), 'rid "l"'],
  ])('reports %s', (_what, fn, reason) => {
    const problems = verifyDescription(edit(fn), { type: 'offer', rtcpMuxRequired: true });
    expect(problems.map((p) => p.reason).join('\n')).toContain(reason);
  });
  it('an answer must say active or passive and match the offer m= lines', () => {
    const answer = parseSdp(CHROME_OFFER);
    expect(verifyDescription(answer, { type: 'answer', offer }).map((p) => p.reason)).toContain('an answer must say a=setup:active or passive (RFC 8829 section 5.3.1)');
    const shorter: SessionDescription = { ...answer, media: answer.media.slice(0, 2) };
    expect(verifyDescription(shorter, { type: 'answer', offer }).some((p) => p.reason.includes('m= sections'))).toBe(true);
  });
});

describe('cross-check with libwebrtc (@roamhq/wrtc) answering the same Chrome offer', () => {
  it('our negotiation from libwebrtc\'s capabilities gives libwebrtc\'s answer', async () => {
    // libwebrtc's capabilities: its own offer for a recvonly audio and video transceiver.
    const capsPc = new wrtc.RTCPeerConnection({ iceServers: [] });
    capsPc.addTransceiver('audio', { direction: 'recvonly' });
    capsPc.addTransceiver('video', { direction: 'recvonly' });
    const capsSdp = parseSdp((await capsPc.createOffer()).sdp ?? '');
    capsPc.close();
    const answerPc = new wrtc.RTCPeerConnection({ iceServers: [] });
    await answerPc.setRemoteDescription({ type: 'offer', sdp: CHROME_OFFER });
    const answerText = (await answerPc.createAnswer()).sdp ?? '';
    answerPc.close();
    const answer = parseSdp(answerText);
    expect(serializeSdp(answer)).toBe(answerText);
    expect(verifyDescription(answer, { type: 'answer', offer, rtcpMuxRequired: true })).toEqual([]);

    const caps: CodecCapability[] = capsSdp.media.flatMap((m) => {
      const list = codecs(m);
      const withRtx = new Set(list.map(rtxApt).filter((x) => x !== undefined));
      return list
        .filter((c) => c.name.toLowerCase() !== 'rtx')
        .map((c) => ({ kind: m.kind as 'audio' | 'video', name: c.name, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp, feedback: c.feedback, rtx: withRtx.has(c.payloadType) }));
    });
    for (const [i, offered] of offer.media.entries()) {
      const theirs = answer.media[i]!;
      expect(mid(theirs)).toBe(mid(offered));
      expect(setupRole(theirs, answer)).toBe(answerSetup(setupRole(offered, offer)));
      if (offered.kind === 'application') continue;
      expect(direction(theirs)).toBe(answerDirection(direction(offered, offer), 'recvonly'));
      const ours = negotiateCodecs(offered, caps);
      const theirCodecs = codecs(theirs);
      expect(ours.map((c) => c.payloadType)).toEqual(theirCodecs.filter((c) => c.name !== 'rtx').map((c) => c.payloadType));
      expect(ours.filter((c) => c.rtxPayloadType !== undefined).map((c) => [c.payloadType, c.rtxPayloadType])).toEqual(
        theirCodecs.filter((c) => c.name === 'rtx').map((c) => [rtxApt(c), c.payloadType]),
      );
      for (const c of ours) expect(c.feedback).toEqual(theirCodecs.find((t) => t.payloadType === c.payloadType)?.feedback);
      const capsMedia = capsSdp.media.find((m) => m.kind === offered.kind)!;
      expect(negotiateHeaderExtensions(offered, headerExtensions(capsMedia).map((e) => e.uri))).toEqual(headerExtensions(theirs).map((e) => ({ id: e.id, uri: e.uri })));
    }
    const acceptedMids = new Set(offer.media.map((m) => mid(m) ?? ''));
    expect(answerBundleGroups(offer, acceptedMids).groups).toEqual(attributesOf(answer, 'group').map((g) => g.mids));
  });
});

describe('RFC 8853 section 5.3.2 simulcast answer', () => {
  it('turns the RFC 8853 section 5.6.1 offer into the rid/simulcast lines of its answer', () => {
    const rfcOffer = parseSdp(rfcVector('rfc8853-section5.6.1-offer.sdp'));
    const rfcAnswer = rfcVector('rfc8853-section5.6.1-answer.sdp').split('\r\n').filter((l) => l.startsWith('a=rid:') || l.startsWith('a=simulcast:'));
    expect(answerSimulcast(rfcOffer.media[1]!).map((a) => `a=${serializeAttribute(a)}`)).toEqual(rfcAnswer);
  });
  it('drops rids whose payload types were not negotiated, keeps pause marks, may reduce streams', () => {
    const bar = parseSdp(rfcVector('rfc8853-section5.6.2-offer.sdp')).media[1]!;
    const lines = (o: Parameters<typeof answerSimulcast>[1]) => answerSimulcast(bar, o).map((a) => `a=${serializeAttribute(a)}`);
    expect(lines({})).toEqual([
      'a=rid:1 recv pt=100;max-width=1280;max-height=720;max-fps=60;depend=2',
      'a=rid:2 recv pt=101;max-width=1280;max-height=720;max-fps=30',
      'a=rid:3 recv pt=101;max-width=640;max-height=360',
      'a=rid:4 recv pt=103;max-width=640;max-height=360',
      'a=simulcast:recv 1;2;~4,3',
    ]);
    expect(lines({ payloadTypes: new Set([101, 103]) })).toEqual([
      'a=rid:2 recv pt=101;max-width=1280;max-height=720;max-fps=30',
      'a=rid:3 recv pt=101;max-width=640;max-height=360',
      'a=rid:4 recv pt=103;max-width=640;max-height=360',
      'a=simulcast:recv 2;~4,3',
    ]);
    expect(lines({ payloadTypes: new Set([101]), maxStreams: 1 })).toEqual(['a=rid:2 recv pt=101;max-width=1280;max-height=720;max-fps=30', 'a=simulcast:recv 2']);
    expect(lines({ payloadTypes: new Set([96]) })).toEqual([]);
  });
  it('no simulcast, or two a=simulcast lines, give nothing', () => {
    expect(answerSimulcast(video)).toEqual([]);
    const twice = parseSdp(rfcVector('rfc8853-section5.6.1-offer.sdp').replace('a=simulcast:send 1;2 recv 3\r\n', 'a=simulcast:send 1;2 recv 3\r\na=simulcast:send 1\r\n'));
    expect(answerSimulcast(twice.media[1]!)).toEqual([]);
  });
});

describe('RFC 8829 section 3.5.2.1 candidate placement', () => {
  it('uses the mid when present, else the m= line index', () => {
    expect(mediaIndexForCandidate(offer, { sdpMid: '2', sdpMLineIndex: 0 })).toBe(2);
    expect(mediaIndexForCandidate(offer, { sdpMid: 'nope', sdpMLineIndex: 0 })).toBe(-1);
    expect(mediaIndexForCandidate(offer, { sdpMid: null, sdpMLineIndex: 1 })).toBe(1);
    expect(mediaIndexForCandidate(offer, { sdpMLineIndex: 3 })).toBe(-1);
    expect(mediaIndexForCandidate(offer, { sdpMLineIndex: 1.5 })).toBe(-1);
    expect(mediaIndexForCandidate(offer, {})).toBe(-1);
  });
});
