/**
 * Builders (RFC 8829 sections 5.2.1 and 5.3.1): they must reproduce Chrome 156's own
 * offers byte for byte from the values we parsed out of them (so our layout is Chrome's),
 * and the offers and answers they build must be accepted by libwebrtc (@roamhq/wrtc)
 * and read alike by werift.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { SessionDescription as WeriftSession } from 'werift';
import {
  addCandidate,
  addEndOfCandidates,
  answerBundleGroups,
  candidates,
  isIceRestart,
  parseCandidate,
  setDefaultCandidate,
  answerDirection,
  answerSetup,
  attributesOf,
  buildDataChannelMedia,
  buildRejectedMedia,
  buildRtpMedia,
  buildSession,
  codecs,
  direction,
  fingerprints,
  headerExtensions,
  iceCredentials,
  iceOptions,
  maxMessageSize,
  mid,
  msids,
  negotiateCodecs,
  negotiateHeaderExtensions,
  parseSdp,
  rtxApt,
  sctpPort,
  serializeSdp,
  setupRole,
  ssrcGroups,
  ssrcs,
  unknownAttributes,
  verifyDescription,
} from '../../src/sdp/index.js';
import type { CodecCapability, CodecToWrite, MediaDescription, SessionDescription, TransportAttributes } from '../../src/sdp/index.js';

const vector = (name: string): string => readFileSync(new URL(`../../vectors/chromium-156/${name}`, import.meta.url), 'utf8');
const AV = vector('offer-audio-video-datachannel.sdp');
const DC = vector('offer-datachannel.sdp');

function transportOf(m: MediaDescription, d: SessionDescription): TransportAttributes {
  const ice = iceCredentials(m, d)!;
  return { ufrag: ice.ufrag, pwd: ice.pwd, iceOptions: iceOptions(m, d), fingerprints: fingerprints(m, d), setup: setupRole(m, d)! };
}

/** Rebuilds an m= section from what the accessors read out of it. */
function rebuild(m: MediaDescription, d: SessionDescription): MediaDescription {
  if (m.kind === 'application') {
    return buildDataChannelMedia({ mid: mid(m)!, transport: transportOf(m, d), sctpPort: sctpPort(m)!, maxMessageSize: maxMessageSize(m)! });
  }
  const all = codecs(m);
  const rtxFor = new Map(all.filter((c) => rtxApt(c) !== undefined).map((c) => [rtxApt(c)!, c.payloadType]));
  const list: CodecToWrite[] = all
    .filter((c) => c.name !== 'rtx')
    .map((c) => ({ payloadType: c.payloadType, name: c.name, clockRate: c.clockRate, channels: c.channels, fmtp: c.fmtp, feedback: c.feedback, rtxPayloadType: rtxFor.get(c.payloadType) }));
  const groups = ssrcGroups(m);
  const info = ssrcs(m);
  const streams = info
    .filter((s) => !groups.some((g) => g.ssrcs[1] === s.ssrc))
    .map((s) => ({ ssrc: s.ssrc, cname: s.cname!, rtxSsrc: groups.find((g) => g.ssrcs[0] === s.ssrc)?.ssrcs[1] }));
  const msid = msids(m)[0]!;
  return buildRtpMedia({
    kind: m.kind as 'audio' | 'video', mid: mid(m)!, direction: direction(m, d), codecs: list, extensions: headerExtensions(m),
    transport: transportOf(m, d), msid: { streamId: msid.streamId, trackId: msid.trackId! }, streams,
    extraAttributes: unknownAttributes(m, 'rtcp-xr'),
  });
}

function rebuildSession(d: SessionDescription): SessionDescription {
  return buildSession({
    sessionId: d.origin.sessionId, sessionVersion: Number(d.origin.sessionVersion), media: d.media.map((m) => rebuild(m, d)),
    bundleGroups: attributesOf(d, 'group').map((g) => g.mids), msidStreams: attributesOf(d, 'msid-semantic')[0]?.identifiers,
  });
}

describe('builders reproduce Chrome 156 offers byte for byte', () => {
  it('data-channel offer', () => {
    expect(serializeSdp(rebuildSession(parseSdp(DC)))).toBe(DC);
  });
  it('audio+video+data-channel offer (23 video payload types, RTX, FID groups)', () => {
    expect(serializeSdp(rebuildSession(parseSdp(AV)))).toBe(AV);
  });
});

const NODE_PEER: readonly CodecCapability[] = [
  { kind: 'audio', name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: [{ type: 'transport-cc' }] },
  { kind: 'video', name: 'VP8', clockRate: 90000, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'transport-cc' }], rtx: true },
  { kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }], rtx: true },
];
const NODE_EXTENSIONS = ['urn:ietf:params:rtp-hdrext:sdes:mid', 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'];
const OUR_TRANSPORT = {
  ufrag: 'Nd3q', pwd: 'x9Lk2Pq7Rt5Vw3Yz1Ab4Cd6E',
  fingerprints: [{ algorithm: 'sha-256', value: '0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9' }],
} as const;

/** The answer a Node peer (recvonly media, data channel) gives to an offer, from the JSEP helpers. */
function answerTo(offer: SessionDescription): SessionDescription {
  // Accept the data channel and every RTP section with at least one common codec.
  const accepted = new Set(offer.media.filter((m) => m.kind === 'application' || negotiateCodecs(m, NODE_PEER).length > 0).map((m) => mid(m)!));
  const { groups } = answerBundleGroups(offer, accepted);
  const tagged = new Set(groups.map((g) => g[0]));
  const setup = answerSetup(setupRole(offer.media[0]!, offer));
  return buildSession({
    sessionId: '4611686018427387904', sessionVersion: 2, bundleGroups: groups,
    media: offer.media.map((m) => {
      const m0 = mid(m)!;
      if (!accepted.has(m0)) return buildRejectedMedia(m);
      const transport = tagged.has(m0) ? { ...OUR_TRANSPORT, setup } : undefined;
      if (m.kind === 'application') return buildDataChannelMedia({ mid: m0, transport, maxMessageSize: 65536 });
      return buildRtpMedia({
        kind: m.kind as 'audio' | 'video', mid: m0, direction: answerDirection(direction(m, offer), 'recvonly'), transport,
        codecs: negotiateCodecs(m, NODE_PEER), extensions: negotiateHeaderExtensions(m, NODE_EXTENSIONS, offer),
      });
    }),
  });
}

describe('an answer to Chrome built with the JSEP helpers', () => {
  const offer = parseSdp(AV);
  const answer = answerTo(offer);
  const text = serializeSdp(answer);
  it('passes RFC 8829 section 5.8.3 checks against the offer and round-trips', () => {
    expect(verifyDescription(answer, { type: 'answer', offer, rtcpMuxRequired: true })).toEqual([]);
    expect(parseSdp(text)).toStrictEqual(answer);
  });
  it('has the expected lines', () => {
    expect(text).toContain('a=group:BUNDLE 0 1 2\r\n');
    expect(text).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n');
    expect(text).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96 97 108 109\r\n');
    expect(text).toContain('a=fmtp:109 apt=108\r\n');
    expect(text).toContain('a=setup:active\r\n');
    expect(text.match(/a=ice-ufrag:/g)).toHaveLength(1); // transport only in the tagged section
    expect(text).toContain('a=recvonly\r\n');
    expect(text).toContain('a=max-message-size:65536\r\n');
  });
  it('werift reads it as we meant it', () => {
    const w = WeriftSession.parse(text);
    expect(w.group.map((g) => [g.semantic, g.items])).toEqual([['BUNDLE', ['0', '1', '2']]]);
    expect(w.media.map((m) => m.rtp.codecs.map((c) => `${c.payloadType} ${c.mimeType}`))).toEqual([
      ['111 audio/opus'], ['96 video/VP8', '97 video/rtx', '108 video/H264', '109 video/rtx'], [],
    ]);
    expect(w.media[0]?.dtlsParams?.role).toBe('client');
    expect(w.media[0]?.iceParams?.usernameFragment).toBe('Nd3q');
    expect(w.media[2]?.sctpCapabilities?.maxMessageSize).toBe(65536);
    expect(w.media[1]?.rtp.headerExtensions.map((e) => e.id)).toEqual([3, 4]);
  });
  it('a rejected section keeps its mid, has port 0 and leaves the BUNDLE group', () => {
    const onlyAudioCaps = answerTo({ ...offer, media: offer.media.map((m) => (m.kind === 'video' ? { ...m, formats: ['118'] } : m)) });
    const text2 = serializeSdp(onlyAudioCaps);
    expect(text2).toContain('m=video 0 UDP/TLS/RTP/SAVPF 118\r\n');
    expect(text2).toContain('a=group:BUNDLE 0 2\r\n');
  });
});

describe('an offer built with the helpers, answered by libwebrtc (@roamhq/wrtc)', () => {
  it('libwebrtc accepts it and answers with our payload types and ids', async () => {
    const transport: TransportAttributes = { ...OUR_TRANSPORT, setup: 'actpass' };
    const ourOffer = buildSession({
      sessionId: '1234567890123456789', sessionVersion: 1, bundleGroups: [['a0', 'v1', 'd2']], msidStreams: ['s1'],
      media: [
        buildRtpMedia({
          kind: 'audio', mid: 'a0', direction: 'sendrecv', transport,
          codecs: [{ payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: [{ type: 'transport-cc' }] }],
          extensions: [{ id: 1, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }, { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' }],
          msid: { streamId: 's1', trackId: 't-audio' }, streams: [{ ssrc: 1001, cname: 'purertc' }],
        }),
        buildRtpMedia({
          kind: 'video', mid: 'v1', direction: 'sendonly', transport,
          codecs: [
            { payloadType: 96, name: 'VP8', clockRate: 90000, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'transport-cc' }], rtxPayloadType: 97 },
            { payloadType: 102, name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', rtxPayloadType: 103 },
          ],
          extensions: [{ id: 1, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }, { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' }],
          msid: { streamId: 's1', trackId: 't-video' }, streams: [{ ssrc: 2001, cname: 'purertc', rtxSsrc: 2002 }],
        }),
        buildDataChannelMedia({ mid: 'd2', transport }),
      ],
    });
    expect(verifyDescription(ourOffer, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
    const text = serializeSdp(ourOffer);
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: text });
      const answerText = (await pc.createAnswer()).sdp ?? '';
      const answer = parseSdp(answerText);
      expect(verifyDescription(answer, { type: 'answer', offer: ourOffer, rtcpMuxRequired: true })).toEqual([]);
      expect(answer.media.map((m) => mid(m))).toEqual(['a0', 'v1', 'd2']);
      expect(attributesOf(answer, 'group').map((g) => g.mids)).toEqual([['a0', 'v1', 'd2']]);
      expect(setupRole(answer.media[0]!, answer)).toBe('active');
      expect(direction(answer.media[0]!)).toBe('recvonly');
      expect(direction(answer.media[1]!)).toBe('recvonly');
      expect(codecs(answer.media[0]!).map((c) => c.payloadType)).toEqual([111]);
      // This libwebrtc build has no H.264: VP8 and its RTX remain, with our payload types.
      expect(codecs(answer.media[1]!).map((c) => [c.payloadType, c.name])).toEqual([[96, 'VP8'], [97, 'rtx']]);
      expect(headerExtensions(answer.media[1]!).map((e) => e.id).sort()).toEqual([1, 3]);
      expect(sctpPort(answer.media[2]!)).toBe(5000);
      // And the remote streams libwebrtc saw are ours.
      const receivers = pc.getTransceivers().map((t) => t.mid);
      expect(receivers).toEqual(['a0', 'v1']);
    } finally {
      pc.close();
    }
  });
});

describe('local description updates while gathering', () => {
  const gathered = vector('gathered-datachannel.sdp');
  const trickled = (JSON.parse(readFileSync(new URL('../../vectors/sdp/chromium-156-candidates.json', import.meta.url), 'utf8')) as { loopbackAllowed: string[] }).loopbackAllowed;
  it("adding Chrome's trickled candidates and its default candidate gives Chrome's gathered description", () => {
    const before = gathered
      .split('\r\n')
      .filter((l) => !l.startsWith('a=candidate:'))
      .map((l) => l.replace(/^m=application \d+ /, 'm=application 9 ').replace(/^c=IN IP4 .*/, 'c=IN IP4 0.0.0.0'))
      .join('\r\n');
    let d = parseSdp(before);
    expect(candidates(d.media[0]!)).toEqual([]);
    for (const line of trickled) {
      // Chrome writes the ufrag in trickled candidates but not in SDP candidate lines.
      const { ufrag: _ufrag, ...c } = parseCandidate(line);
      d = addCandidate(d, 0, c);
    }
    const relay = candidates(d.media[0]!).find((c) => c.type === 'relay')!;
    d = setDefaultCandidate(d, 0, relay);
    expect(serializeSdp(d)).toBe(gathered);
  });
  it('end-of-candidates goes after the last candidate, once; bad indexes change nothing', () => {
    const d = parseSdp(gathered);
    const text = serializeSdp(addEndOfCandidates(addEndOfCandidates(d, 0), 0));
    expect(text.match(/a=end-of-candidates/g)).toHaveLength(1);
    expect(text).toContain('network-id 2\r\na=end-of-candidates\r\na=ice-ufrag');
    expect(addCandidate(d, 5, candidates(d.media[0]!)[0]!)).toBe(d);
    expect(addEndOfCandidates(d, -1)).toBe(d);
  });
  it('ICE restart is a change of ufrag or pwd, not of where they are written (RFC 8839 4.4.1.1.1)', () => {
    const d = parseSdp(gathered);
    const m = d.media[0]!;
    expect(isIceRestart(m, d, m, d)).toBe(false);
    const moved = parseSdp(gathered.replace('a=ice-ufrag:hVvL\r\na=ice-pwd:FNhR9HYQyK4GAAz1zfxrhD8C\r\n', '').replace('a=msid-semantic: WMS\r\n', 'a=msid-semantic: WMS\r\na=ice-ufrag:hVvL\r\na=ice-pwd:FNhR9HYQyK4GAAz1zfxrhD8C\r\n'));
    expect(isIceRestart(m, d, moved.media[0]!, moved)).toBe(false);
    const restarted = parseSdp(gathered.replace('a=ice-ufrag:hVvL', 'a=ice-ufrag:Xy12').replace('a=ice-pwd:FNhR9HYQyK4GAAz1zfxrhD8C', 'a=ice-pwd:AAAAAAAAAAAAAAAAAAAAAAAA'));
    expect(isIceRestart(m, d, restarted.media[0]!, restarted)).toBe(true);
  });
});
