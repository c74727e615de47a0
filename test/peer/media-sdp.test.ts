/**
 * The m= sections we write for a sending transceiver, against what Chrome 156 writes
 * (vectors/chromium-156/offer-audio-video-datachannel.sdp, from ../shared/captures): the same
 * attributes in the same order (RFC 8829 5.2.1 order as Chrome applies it), a=msid
 * (RFC 8830 section 2), a=ssrc-group:FID (RFC 5576 4.2, RFC 4588 8.3) and a=ssrc
 * cname/msid (RFC 5576 4.1) with the same relations between values, and
 * a=msid-semantic listing the stream. werift 0.25.2 parses what we write to the same
 * SSRCs, groups and msid. Also: a '-' stream when the track has none (W3C webrtc-pc
 * 5.2 / RFC 8830), several streams, and answers that send.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SessionDescription as WeriftSdp } from 'werift';
import { parseSdp } from '../../src/sdp/index.js';
import type { Attribute, MediaDescription, SessionDescription } from '../../src/sdp/index.js';
import { PeerPair, negotiateMedia } from './helpers.js';

const CHROME_TEXT = readFileSync('vectors/chromium-156/offer-audio-video-datachannel.sdp', 'utf8');
const CHROME = parseSdp(CHROME_TEXT);
/** Attributes Chrome writes that we do not implement (RFC 3611 rcvr-rtt reports). */
const NOT_IMPLEMENTED = new Set(['rtcp-xr']);

function attrName(a: Attribute): string {
  return a.type === 'unknown' ? a.name : a.type;
}

/** Attribute names in order, codec lines (rtpmap/rtcp-fb/fmtp) folded into one 'codecs' entry and repeats collapsed. */
function shape(m: MediaDescription): string[] {
  const out: string[] = [];
  for (const a of m.attributes) {
    let n = attrName(a);
    if (NOT_IMPLEMENTED.has(n) || n === 'candidate' || n === 'end-of-candidates') continue;
    if (n === 'rtpmap' || n === 'rtcp-fb' || n === 'fmtp') n = 'codecs';
    if (out[out.length - 1] !== n) out.push(n);
  }
  return out;
}

/** The SSRC block's structure with values replaced by their roles. */
function ssrcStructure(m: MediaDescription): { group: string; lines: string[] } {
  const group = m.attributes.find((a): a is Extract<Attribute, { type: 'ssrc-group' }> => a.type === 'ssrc-group');
  const msid = m.attributes.find((a): a is Extract<Attribute, { type: 'msid' }> => a.type === 'msid');
  const cname = m.attributes.find((a): a is Extract<Attribute, { type: 'ssrc' }> => a.type === 'ssrc' && a.attribute === 'cname')?.value;
  const role = (ssrc: number): string => (group ? (ssrc === group.ssrcs[0] ? 'media' : ssrc === group.ssrcs[1] ? 'rtx' : '?') : 'media');
  const lines = m.attributes.flatMap((a) => {
    if (a.type !== 'ssrc') return [];
    const value = a.attribute === 'cname' ? (a.value === cname ? 'CNAME' : a.value) : a.value === `${msid?.streamId} ${msid?.trackId}` ? 'MSID' : a.value;
    return [`${role(a.ssrc)} ${a.attribute}:${value}`];
  });
  return { group: group ? `${group.semantics} ${group.ssrcs.map(role).join(' ')}` : '', lines };
}

function video(s: SessionDescription): MediaDescription {
  return s.media.find((m) => m.kind === 'video') as MediaDescription;
}
function audio(s: SessionDescription): MediaDescription {
  return s.media.find((m) => m.kind === 'audio') as MediaDescription;
}

describe('sending sections as Chrome 156 writes them', () => {
  const p = new PeerPair(41);
  p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: '34c048aa-60e9-40a7-88cb-4e8e4f21e995', streams: ['82644dd6-814a-4234-9223-daca0e2d2ac9'] });
  p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'c4d4e750-e0dd-435e-b333-ee9e1152b648', streams: ['82644dd6-814a-4234-9223-daca0e2d2ac9'] });
  p.a.pc.createDataChannel(0, { label: 'x' });
  const text = p.a.pc.createOffer(0).sdp;
  const ours = parseSdp(text);

  it('the video section has Chrome\'s attributes in Chrome\'s order', () => {
    expect(shape(video(ours))).toEqual(shape(video(CHROME)));
    expect(shape(video(ours))).toEqual([
      'rtcp', 'ice-ufrag', 'ice-pwd', 'ice-options', 'fingerprint', 'setup', 'mid', 'extmap', 'direction', 'msid', 'rtcp-mux', 'rtcp-rsize', 'codecs', 'ssrc-group', 'ssrc',
    ]);
  });

  it('the audio section too (no FID group for audio)', () => {
    expect(shape(audio(ours))).toEqual(shape(audio(CHROME)));
  });

  it('the SSRC lines relate to a=msid and the CNAME as Chrome\'s do', () => {
    expect(ssrcStructure(video(ours))).toEqual(ssrcStructure(video(CHROME)));
    expect(ssrcStructure(video(ours))).toEqual({
      group: 'FID media rtx',
      lines: ['media cname:CNAME', 'media msid:MSID', 'rtx cname:CNAME', 'rtx msid:MSID'],
    });
    expect(ssrcStructure(audio(ours))).toEqual(ssrcStructure(audio(CHROME)));
    // One CNAME for the whole peer connection (RFC 7022 4.2), as in Chrome's offer.
    const cnames = new Set(ours.media.flatMap((m) => m.attributes.flatMap((a) => (a.type === 'ssrc' && a.attribute === 'cname' ? [a.value] : []))));
    expect(cnames).toEqual(new Set([p.a.pc.cname]));
    expect(p.a.pc.cname).toMatch(/^[A-Za-z0-9+/]{16}$/);
  });

  it('the msid values and msid-semantic match Chrome\'s for the same stream and track ids', () => {
    const lines = (s: SessionDescription, m: MediaDescription): string[] =>
      [...s.attributes, ...m.attributes].flatMap((a) => (a.type === 'msid' || a.type === 'msid-semantic' ? [JSON.stringify(a)] : []));
    expect(lines(ours, video(ours))).toEqual(lines(CHROME, video(CHROME)));
    expect(lines(ours, audio(ours))).toEqual(lines(CHROME, audio(CHROME)));
  });

  it('werift parses our SSRCs, FID group and msid', () => {
    const w = WeriftSdp.parse(text);
    const v = w.media.find((m) => m.kind === 'video')!;
    const info = p.a.pc.transceiverInfo('1')!;
    expect(v.ssrc.map((s) => [s.ssrc, s.cname, s.msid])).toEqual([
      [info.localSsrc, p.a.pc.cname, '82644dd6-814a-4234-9223-daca0e2d2ac9 c4d4e750-e0dd-435e-b333-ee9e1152b648'],
      [info.localRtxSsrc, p.a.pc.cname, '82644dd6-814a-4234-9223-daca0e2d2ac9 c4d4e750-e0dd-435e-b333-ee9e1152b648'],
    ]);
    expect(v.ssrcGroup.map((g) => [g.semantic, g.items.map(Number)])).toEqual([['FID', [info.localSsrc, info.localRtxSsrc]]]);
    expect(v.msid).toBe('82644dd6-814a-4234-9223-daca0e2d2ac9 c4d4e750-e0dd-435e-b333-ee9e1152b648');
    expect(v.direction).toBe('sendrecv');
    // werift reads Chrome's "a=msid-semantic: WMS <id>" as it reads ours.
    const chromeW = WeriftSdp.parse(CHROME_TEXT);
    expect(w.msidSemantic.map((g) => [g.semantic, g.items])).toEqual(chromeW.msidSemantic.map((g) => [g.semantic, g.items]));
  });

  it('local SSRCs are distinct and non-zero', () => {
    const all = ['0', '1'].flatMap((mid) => {
      const i = p.a.pc.transceiverInfo(mid)!;
      return i.localRtxSsrc === undefined ? [i.localSsrc] : [i.localSsrc, i.localRtxSsrc];
    });
    expect(new Set(all).size).toBe(3);
    expect(all.every((x) => x > 0)).toBe(true);
  });
});

describe('msid edge cases', () => {
  it('a track without stream is written with the "-" stream id; several streams give several a=msid lines', () => {
    const p = new PeerPair(42);
    p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'lonely' });
    p.a.pc.addTransceiver(0, 'audio', { direction: 'sendonly', trackId: 'shared', streams: ['s1', 's2'] });
    const offer = p.a.pc.createOffer(0).sdp;
    expect(offer).toContain('a=msid:- lonely\r\n');
    expect(offer).toContain('msid:- lonely\r\n');
    expect(offer).toContain('a=msid:s1 shared\r\na=msid:s2 shared\r\n');
    const w = WeriftSdp.parse(offer);
    expect(w.media[1]!.msids).toEqual(['s1 shared', 's2 shared']);
    // The remote side reports no stream for '-' and both streams otherwise.
    negotiateMedia(p, 'a');
    const t = p.b.events.flatMap((e) => (e.type === 'track' ? [[e.trackId, e.streamIds]] : []));
    expect(t).toEqual([['lonely', []], ['shared', ['s1', 's2']]]);
  });

  it('no a=msid or a=ssrc for recvonly sections or sections without a track', () => {
    const p = new PeerPair(43);
    p.a.pc.addTransceiver(0, 'video', 'recvonly');
    p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv' });
    const offer = p.a.pc.createOffer(0).sdp;
    expect(offer).not.toMatch(/a=msid:|a=ssrc/);
  });

  it('an answer that sends carries a=msid and the SSRC lines, with the offer\'s RTX payload type', () => {
    const p = new PeerPair(44);
    p.a.pc.addTransceiver(0, 'video', 'recvonly');
    negotiateMedia(p, 'a', { b: { direction: 'sendonly', streams: ['answer-stream'] } });
    const answer = parseSdp(p.b.pc.currentLocalDescription!.sdp);
    const m = video(answer);
    expect(m.attributes.find((a) => a.type === 'direction')).toEqual({ type: 'direction', direction: 'sendonly' });
    expect(ssrcStructure(m).group).toBe('FID media rtx');
    expect(m.attributes.some((a) => a.type === 'msid' && a.streamId === 'answer-stream' && a.trackId === 'b-video')).toBe(true);
    // The track fires at the offerer with the answer's msid.
    expect(p.a.events.flatMap((e) => (e.type === 'track' ? [[e.trackId, e.streamIds]] : []))).toEqual([['b-video', ['answer-stream']]]);
  });

  it('codec preferences order and filter the codecs of offers and answers (RFC 8829 5.2.1, 5.3.1); payload types stay put', () => {
    const p = new PeerPair(45);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
    const full = p.a.pc.createOffer(0).sdp;
    const vp8Pt = /a=rtpmap:(\d+) VP8\/90000/.exec(full)![1];
    const h264Pt = /a=rtpmap:(\d+) H264\/90000/.exec(full)![1];
    p.a.pc.setCodecPreferences(v, [{ name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' }, { name: 'rtx', clockRate: 90000 }, { name: 'VP8', clockRate: 90000 }]);
    const offer = p.a.pc.createOffer(0).sdp;
    expect(/m=video \d+ \S+ ([\d ]+)/.exec(offer)![1]!.split(' ')[0]).toBe(h264Pt);
    expect(offer).toContain(`a=rtpmap:${vp8Pt} VP8/90000`);
    // The answerer prefers VP8 alone: its answer lists VP8 (with RTX) and nothing else.
    p.b.pc.setRemoteDescription(0, { type: 'offer', sdp: offer });
    p.b.pc.setCodecPreferences(v, [{ name: 'VP8', clockRate: 90000 }]);
    const answer = p.b.pc.createAnswer(0).sdp;
    const names = [...answer.matchAll(/a=rtpmap:\d+ ([^/]+)\//g)].map((m) => m[1]);
    expect(names).toEqual(['VP8', 'rtx']);
    expect(answer).toContain(`a=rtpmap:${vp8Pt} VP8/90000`);
    // Audio preferences without channels still match Opus (2 channels).
    p.a.pc.addTransceiver(0, 'audio', { direction: 'recvonly' });
    p.a.pc.setCodecPreferences('1', [{ name: 'opus', clockRate: 48000 }]);
    expect(p.a.pc.createOffer(0).sdp).toContain('a=rtpmap:111 opus/48000/2');
  });
});
