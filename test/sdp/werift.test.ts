/**
 * Cross-check against werift 0.25.2, an SDP implementation we did not write
 * (RFC 8866 parse/serialize, RFC 8839 candidates, RFC 8842 fingerprints, RFC 8843
 * BUNDLE): on Chrome's captures both parsers must read the same mids, codecs,
 * candidates, fingerprints and BUNDLE groups; werift must read our serialized output
 * (including a description we edited); and we must read werift's own output.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Candidate as WeriftCandidate, SessionDescription, candidateToSdp, candidateFromSdp } from 'werift';
import {
  bundleGroups,
  candidates,
  codecs,
  direction,
  fingerprints,
  headerExtensions,
  iceCredentials,
  maxMessageSize,
  mid,
  parseCandidate,
  parseSdp,
  sctpPort,
  serializeCandidate,
  serializeSdp,
  ssrcs,
} from '../../src/sdp/index.js';
import type { Attribute, SessionDescription as Sdp } from '../../src/sdp/index.js';

const chromeDir = new URL('../../vectors/chromium-156/', import.meta.url);
const CAPTURES = readdirSync(chromeDir).filter((f) => f.endsWith('.sdp')).map((f) => [f, readFileSync(new URL(f, chromeDir), 'utf8')] as const);
const chromeCandidates = JSON.parse(readFileSync(new URL('../../vectors/sdp/chromium-156-candidates.json', import.meta.url), 'utf8')) as { loopbackAllowed: string[]; default: string[] };

/** What both parsers can say about a description, in werift's vocabulary. */
function fromWerift(w: SessionDescription) {
  return {
    bundle: w.group.filter((g) => g.semantic === 'BUNDLE').map((g) => g.items),
    media: w.media.map((m) => ({
      kind: m.kind,
      mid: m.rtp.muxId,
      direction: m.direction ?? 'sendrecv',
      ice: m.iceParams ? { ufrag: m.iceParams.usernameFragment, pwd: m.iceParams.password } : undefined,
      fingerprints: (m.dtlsParams?.fingerprints ?? []).map((f) => ({ algorithm: f.algorithm, value: f.value })),
      codecs: m.rtp.codecs.map((c) => ({
        payloadType: c.payloadType,
        mimeType: c.mimeType,
        clockRate: c.clockRate,
        channels: c.channels,
        parameters: c.parameters,
        feedback: c.rtcpFeedback.map((f) => (f.parameter === undefined ? f.type : `${f.type} ${f.parameter}`)),
      })),
      extensions: m.rtp.headerExtensions.map((e) => ({ id: e.id, uri: e.uri })),
      ssrcs: m.ssrc.map((s) => ({ ssrc: s.ssrc, cname: s.cname })),
      candidates: m.iceCandidates.map((c) => ({ foundation: c.foundation, component: c.component, protocol: c.protocol, priority: c.priority, ip: c.ip, port: c.port, type: c.type, relatedAddress: c.relatedAddress, relatedPort: c.relatedPort })),
      sctpPort: m.sctpPort,
      maxMessageSize: m.sctpCapabilities?.maxMessageSize,
    })),
  };
}

function fromOurs(d: Sdp) {
  return {
    bundle: bundleGroups(d),
    media: d.media.map((m) => ({
      kind: m.kind,
      mid: mid(m),
      direction: direction(m, d),
      ice: iceCredentials(m, d),
      fingerprints: fingerprints(m, d),
      codecs: codecs(m).map((c) => ({
        payloadType: c.payloadType,
        mimeType: `${m.kind}/${c.name}`,
        clockRate: c.clockRate,
        channels: c.channels,
        parameters: c.fmtp === '' ? undefined : c.fmtp,
        feedback: c.feedback.map((f) => (f.parameter === undefined ? f.type : `${f.type} ${f.parameter}`)),
      })),
      extensions: headerExtensions(m).map((e) => ({ id: e.id, uri: e.uri })),
      ssrcs: ssrcs(m).map((s) => ({ ssrc: s.ssrc, cname: s.cname })),
      candidates: candidates(m).map((c) => ({ foundation: c.foundation, component: c.component, protocol: c.transport, priority: c.priority, ip: c.address, port: c.port, type: c.type, relatedAddress: c.relatedAddress, relatedPort: c.relatedPort })),
      sctpPort: sctpPort(m),
      maxMessageSize: maxMessageSize(m),
    })),
  };
}

describe('werift 0.25.2 cross-check', () => {
  it.each(CAPTURES)('%s: werift and we read the same values', (_name, text) => {
    const ours = fromOurs(parseSdp(text));
    expect(ours.media.length).toBeGreaterThan(0);
    expect(ours).toEqual(fromWerift(SessionDescription.parse(text)));
  });
  it('the audio+video capture gives both parsers 8 audio and 23 video codecs', () => {
    const text = CAPTURES.find(([n]) => n === 'offer-audio-video-datachannel.sdp')![1];
    expect(SessionDescription.parse(text).media.map((m) => m.rtp.codecs.length)).toEqual([8, 23, 0]);
  });
  it('werift reads a description we edited and serialized', () => {
    const text = CAPTURES.find(([n]) => n === 'offer-audio-video-datachannel.sdp')![1];
    const d = parseSdp(text);
    const newCandidate = parseCandidate(chromeCandidates.loopbackAllowed[3]!);
    const edit = (attrs: readonly Attribute[]): Attribute[] => [
      ...attrs.map((a): Attribute => {
        if (a.type === 'ice-ufrag') return { type: 'ice-ufrag', value: 'Zq9x' };
        if (a.type === 'setup') return { type: 'setup', role: 'active' };
        if (a.type === 'direction') return { type: 'direction', direction: 'recvonly' };
        return a;
      }),
      { type: 'candidate', candidate: newCandidate },
    ];
    const edited: Sdp = { ...d, media: d.media.map((m) => ({ ...m, attributes: edit(m.attributes) })) };
    const w = SessionDescription.parse(serializeSdp(edited));
    expect(w.media.map((m) => m.iceParams?.usernameFragment)).toEqual(['Zq9x', 'Zq9x', 'Zq9x']);
    expect(w.media.map((m) => m.dtlsParams?.role)).toEqual(['client', 'client', 'client']);
    expect(w.media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly', undefined]);
    expect(w.media[0]?.iceCandidates.map((c) => [c.type, c.ip, c.port, c.relatedAddress, c.relatedPort])).toEqual([['relay', '192.0.2.10', 40022, '127.0.0.1', 34074]]);
    expect(fromWerift(w)).toEqual(fromOurs(parseSdp(serializeSdp(edited))));
  });
  it.each(CAPTURES)("%s: we read werift's own serialization of it the same way werift does", (_name, text) => {
    const weriftText = SessionDescription.parse(text).string;
    const ours = parseSdp(weriftText);
    expect(fromOurs(ours)).toEqual(fromWerift(SessionDescription.parse(weriftText)));
    // Round trip of werift's text too (its lines are in canonical form).
    expect(serializeSdp(ours)).toBe(weriftText.endsWith('\r\n') ? weriftText : `${weriftText}\r\n`);
  });
  it.each([...chromeCandidates.loopbackAllowed, ...chromeCandidates.default])('candidate %s: werift and we agree, both ways', (line) => {
    const ours = parseCandidate(line);
    const theirs = WeriftCandidate.fromSdp(line.replace(/^candidate:/, ''));
    expect({
      foundation: ours.foundation, component: ours.component, transport: ours.transport, priority: ours.priority, host: ours.address, port: ours.port,
      type: ours.type, relatedAddress: ours.relatedAddress, relatedPort: ours.relatedPort, tcptype: ours.tcpType, generation: ours.generation, ufrag: ours.ufrag,
    }).toEqual({
      foundation: theirs.foundation, component: theirs.component, transport: theirs.transport, priority: theirs.priority, host: theirs.host, port: theirs.port,
      type: theirs.type, relatedAddress: theirs.relatedAddress, relatedPort: theirs.relatedPort, tcptype: theirs.tcptype, generation: theirs.generation, ufrag: theirs.ufrag,
    });
    // werift re-serializes without network-id/network-cost; we must read its text back to the same core fields.
    const weriftText = candidateToSdp(candidateFromSdp(serializeCandidate(ours).slice('candidate:'.length)));
    const back = parseCandidate(weriftText);
    expect([back.foundation, back.component, back.priority, back.address, back.port, back.type, back.relatedAddress, back.relatedPort]).toEqual([
      ours.foundation, ours.component, ours.priority, ours.address, ours.port, ours.type, ours.relatedAddress, ours.relatedPort,
    ]);
  });
});
