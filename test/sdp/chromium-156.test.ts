/**
 * Chrome 156's own SDP (vectors/chromium-156, captured from a real browser): RFC 8866
 * parse/serialize must give back the exact bytes (attribute order included), and the
 * values the peer connection will read must be what Chrome wrote.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bundleGroups,
  candidates,
  codecs,
  direction,
  extmapAllowMixed,
  fingerprintBytes,
  fingerprints,
  fmtpValue,
  headerExtensions,
  iceCredentials,
  iceOptions,
  maxMessageSize,
  mid,
  msids,
  parseSdp,
  rtcpMux,
  rtcpReducedSize,
  rtxApt,
  sctpPort,
  serializeSdp,
  setupRole,
  ssrcGroups,
  ssrcs,
  unknownAttributes,
  attributesOf,
  rids,
  simulcast,
  answerSimulcast,
  serializeAttribute,
  verifyDescription,
} from '../../src/sdp/index.js';

const vector = (name: string): string => readFileSync(new URL(`../../vectors/chromium-156/${name}`, import.meta.url), 'utf8');
const AV = vector('offer-audio-video-datachannel.sdp');
const DC = vector('offer-datachannel.sdp');
const GATHERED = vector('gathered-datachannel.sdp');
const SIMULCAST = vector('offer-simulcast.sdp');
const CHROME_FINGERPRINT = 'B7:14:0D:9C:EB:0B:C8:54:1D:8B:F2:23:93:43:C7:FD:FE:15:EE:8D:84:83:4E:22:96:5C:66:7E:14:71:BC:29';

describe('chromium-156 captures: byte-exact round trip', () => {
  it.each([
    ['offer-audio-video-datachannel.sdp', AV],
    ['offer-datachannel.sdp', DC],
    ['gathered-datachannel.sdp', GATHERED],
    ['offer-simulcast.sdp', SIMULCAST],
  ])('%s', (_name, text) => {
    expect(text.includes('\r\n')).toBe(true);
    expect(serializeSdp(parseSdp(text))).toBe(text);
  });
  it('accepts the same text with bare LF line ends and writes CRLF back', () => {
    expect(serializeSdp(parseSdp(AV.replaceAll('\r\n', '\n')))).toBe(AV);
  });
  it('parse(serialize(parse(x))) equals parse(x)', () => {
    const d = parseSdp(AV);
    expect(parseSdp(serializeSdp(d))).toStrictEqual(d);
  });
});

describe('chromium-156 audio+video+datachannel offer: parsed values', () => {
  const d = parseSdp(AV);
  const [audio, video, app] = d.media;
  it('session level: origin, BUNDLE, extmap-allow-mixed, msid-semantic', () => {
    expect(d.origin).toEqual({ username: '-', sessionId: '7526753026520121912', sessionVersion: '2', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' });
    expect(d.sessionName).toBe('-');
    expect(d.timing).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(bundleGroups(d)).toEqual([['0', '1', '2']]);
    expect(extmapAllowMixed(d)).toBe(true);
    expect(attributesOf(d, 'msid-semantic')).toEqual([{ type: 'msid-semantic', semantics: 'WMS', identifiers: ['82644dd6-814a-4234-9223-daca0e2d2ac9'] }]);
    expect(d.media.map((m) => [m.kind, m.port, m.protocol])).toEqual([
      ['audio', 9, 'UDP/TLS/RTP/SAVPF'],
      ['video', 9, 'UDP/TLS/RTP/SAVPF'],
      ['application', 9, 'UDP/DTLS/SCTP'],
    ]);
  });
  it('transport attributes of every m= section', () => {
    for (const [i, m] of d.media.entries()) {
      expect(mid(m)).toBe(String(i));
      expect(iceCredentials(m, d)).toEqual({ ufrag: 'bKlc', pwd: '2cW6eoGoTqwiI6pMuMIxrOor' });
      expect(iceOptions(m, d)).toEqual(['trickle']);
      expect(fingerprints(m, d)).toEqual([{ algorithm: 'sha-256', value: CHROME_FINGERPRINT }]);
      expect(setupRole(m, d)).toBe('actpass');
      expect(m.connections).toEqual([{ netType: 'IN', addrType: 'IP4', address: '0.0.0.0' }]);
    }
    expect(fingerprintBytes(fingerprints(audio!)[0]!)).toHaveLength(32);
    expect(fingerprintBytes(fingerprints(audio!)[0]!)[0]).toBe(0xb7);
    expect(attributesOf(audio!, 'rtcp')).toEqual([{ type: 'rtcp', port: 9, netType: 'IN', addrType: 'IP4', address: '0.0.0.0' }]);
  });
  it('audio: Opus 111 with fmtp and transport-cc, RED, static and dynamic PTs', () => {
    const list = codecs(audio!);
    expect(list.map((c) => c.payloadType)).toEqual([111, 63, 9, 0, 8, 13, 110, 126]);
    expect(list[0]).toEqual({
      payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1',
      parameters: [{ name: 'minptime', value: '10' }, { name: 'useinbandfec', value: '1' }], feedback: [{ type: 'transport-cc' }],
    });
    expect(list[1]).toMatchObject({ name: 'red', clockRate: 48000, channels: 2, parameters: [{ name: '111/111' }] });
    expect(list.find((c) => c.payloadType === 126)).toMatchObject({ name: 'telephone-event', clockRate: 8000 });
    expect(direction(audio!, d)).toBe('sendrecv');
    expect(rtcpMux(audio!)).toBe(true);
    expect(rtcpReducedSize(audio!)).toBe(true);
    expect(unknownAttributes(audio!, 'rtcp-xr')).toEqual([{ type: 'unknown', name: 'rtcp-xr', value: 'rcvr-rtt=all' }]);
    expect(msids(audio!)).toEqual([{ streamId: '82644dd6-814a-4234-9223-daca0e2d2ac9', trackId: '34c048aa-60e9-40a7-88cb-4e8e4f21e995' }]);
    expect(ssrcs(audio!)).toEqual([
      {
        ssrc: 260961514, cname: 'c+RzY/HkdWbdmSov',
        msid: { streamId: '82644dd6-814a-4234-9223-daca0e2d2ac9', trackId: '34c048aa-60e9-40a7-88cb-4e8e4f21e995' },
        attributes: [{ name: 'cname', value: 'c+RzY/HkdWbdmSov' }, { name: 'msid', value: '82644dd6-814a-4234-9223-daca0e2d2ac9 34c048aa-60e9-40a7-88cb-4e8e4f21e995' }],
      },
    ]);
  });
  it('audio and video extmap ids', () => {
    expect(headerExtensions(audio!).map((e) => [e.id, e.uri])).toEqual([
      [1, 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
      [2, 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'],
      [3, 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'],
      [4, 'urn:ietf:params:rtp-hdrext:sdes:mid'],
    ]);
    expect(headerExtensions(video!).map((e) => e.id)).toEqual([14, 2, 13, 3, 5, 6, 7, 8, 4, 10, 11]);
    expect(headerExtensions(video!).find((e) => e.id === 10)?.uri).toBe('urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
  });
  it('video: VP8 96 with rtx 97, six H264 profiles, AV1, VP9 profiles, RED/ULPFEC', () => {
    const list = codecs(video!);
    expect(list).toHaveLength(23);
    const vp8 = list.find((c) => c.name === 'VP8');
    expect(vp8).toMatchObject({ payloadType: 96, clockRate: 90000, fmtp: '' });
    expect(vp8?.feedback).toEqual([{ type: 'goog-remb' }, { type: 'transport-cc' }, { type: 'ccm', parameter: 'fir' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }]);
    const rtx = list.filter((c) => c.name === 'rtx');
    expect(rtx.find((c) => rtxApt(c) === 96)?.payloadType).toBe(97);
    expect(rtx.map((c) => [c.payloadType, rtxApt(c)])).toEqual([[97, 96], [103, 102], [107, 104], [109, 108], [115, 114], [117, 116], [40, 39], [46, 45], [99, 98], [101, 100], [119, 118]]);
    const h264 = list.filter((c) => c.name === 'H264').map((c) => [c.payloadType, fmtpValue(c, 'profile-level-id'), fmtpValue(c, 'packetization-mode')]);
    expect(h264).toEqual([[102, '42001f', '1'], [104, '42001f', '0'], [108, '42e01f', '1'], [114, '42e01f', '0'], [116, '4d001f', '1'], [39, '4d001f', '0']]);
    expect(list.filter((c) => c.name === 'VP9').map((c) => [c.payloadType, fmtpValue(c, 'profile-id')])).toEqual([[98, '0'], [100, '2']]);
    expect(list.find((c) => c.name === 'AV1')?.parameters).toEqual([{ name: 'level-idx', value: '5' }, { name: 'profile', value: '0' }, { name: 'tier', value: '0' }]);
    expect(list.find((c) => c.name === 'ulpfec')?.payloadType).toBe(120);
    expect(ssrcGroups(video!)).toEqual([{ semantics: 'FID', ssrcs: [4022901499, 372539053] }]);
    expect(ssrcs(video!).map((s) => s.ssrc)).toEqual([4022901499, 372539053]);
  });
  it('application: sctp-port 5000, max-message-size 262144, no codecs', () => {
    expect(app!.formats).toEqual(['webrtc-datachannel']);
    expect(sctpPort(app!)).toBe(5000);
    expect(maxMessageSize(app!)).toBe(262144);
    expect(codecs(app!)).toEqual([]);
  });
});

describe('chromium-156 data-channel offers', () => {
  it('offer-datachannel: one bundled m=application', () => {
    const d = parseSdp(DC);
    expect(bundleGroups(d)).toEqual([['0']]);
    expect(attributesOf(d, 'msid-semantic')).toEqual([{ type: 'msid-semantic', semantics: 'WMS', identifiers: [] }]);
    const m = d.media[0]!;
    expect(iceCredentials(m)).toEqual({ ufrag: 'rnt7', pwd: 'zzh+Oy5OOuC0h+lgWAVEKLqZ' });
    expect(sctpPort(m)).toBe(5000);
    expect(maxMessageSize(m)).toBe(262144);
  });
  it('gathered-datachannel: candidates of every kind Chrome gathered', () => {
    const d = parseSdp(GATHERED);
    const m = d.media[0]!;
    expect(m.port).toBe(40022);
    const list = candidates(m);
    expect(list).toHaveLength(8);
    expect(list[0]).toEqual({
      foundation: '4194326168', component: 1, transport: 'udp', priority: 2122260223, address: '127.0.0.1', port: 34074,
      type: 'host', generation: 0, networkId: 3, networkCost: 50, extensions: [],
    });
    expect(list[2]?.address).toBe('2001:db8::10');
    expect(list[3]).toMatchObject({ type: 'relay', relatedAddress: '127.0.0.1', relatedPort: 34074 });
    expect(list.filter((c) => c.transport === 'tcp').every((c) => c.tcpType === 'active' && c.port === 9)).toBe(true);
  });
});

describe('chromium-156 simulcast offer', () => {
  const d = parseSdp(SIMULCAST);
  const m = d.media[0]!;
  it('rids q, h, f and simulcast send q;h;f', () => {
    expect(rids(m)).toEqual([
      { id: 'q', direction: 'send', formats: [], restrictions: [] },
      { id: 'h', direction: 'send', formats: [], restrictions: [] },
      { id: 'f', direction: 'send', formats: [], restrictions: [] },
    ]);
    expect(simulcast(m)).toEqual([{ direction: 'send', streams: [[{ rid: 'q', paused: false }], [{ rid: 'h', paused: false }], [{ rid: 'f', paused: false }]] }]);
    expect(headerExtensions(m).find((e) => e.id === 13)?.uri).toBe('https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension');
    expect(verifyDescription(d, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
  });
  it('an answerer receives the three layers (RFC 8853 section 5.3.2)', () => {
    expect(answerSimulcast(m).map(serializeAttribute)).toEqual(['rid:q recv', 'rid:h recv', 'rid:f recv', 'simulcast:recv q;h;f']);
  });
});
