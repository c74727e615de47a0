/**
 * RFC 8866 (SDP) examples and rules, plus the WebRTC examples of RFC 8829 section 7,
 * RFC 8839 section 4.2.6, RFC 8843 section 18.1 and RFC 8853 section 5.6 (vectors/sdp):
 * byte-exact round trip, the values each example states, line order, line ends, and a
 * ParseError naming the line for bad input.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import {
  MAX_MEDIA_SECTIONS,
  MAX_SDP_LENGTH,
  attributesOf,
  bundleGroups,
  candidates,
  codecs,
  connections,
  direction,
  endOfCandidates,
  fingerprints,
  groups,
  iceCredentials,
  iceOptions,
  isBundleOnly,
  maxMessageSize,
  mid,
  parseSdp,
  rids,
  rtcpMux,
  rtxApt,
  sctpPort,
  serializeSdp,
  setupRole,
  simulcast,
  unknownAttributes,
} from '../../src/sdp/index.js';

const dir = new URL('../../vectors/sdp/', import.meta.url);
const vector = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const files = readdirSync(dir).filter((f) => f.startsWith('rfc') && f.endsWith('.sdp'));

function parseError(text: string): ParseError {
  try {
    parseSdp(text);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('RFC example descriptions (vectors/sdp)', () => {
  it('has the eleven examples', () => expect(files).toHaveLength(11));
  it.each(files)('%s round-trips byte for byte', (name) => {
    const text = vector(name);
    expect(serializeSdp(parseSdp(text))).toBe(text);
  });
  it('RFC 8866 section 5: every session-level field, and media-level c= overriding it', () => {
    const d = parseSdp(vector('rfc8866-section5.sdp'));
    expect(d.origin).toEqual({ username: 'jdoe', sessionId: '3724394400', sessionVersion: '3724394405', netType: 'IN', addrType: 'IP4', address: '198.51.100.1' });
    expect(d.sessionName).toBe('Call to John Smith');
    expect(d.information).toBe('SDP Offer #1');
    expect(d.uri).toBe('http://www.jdoe.example.com/home.html');
    expect(d.emails).toEqual(['Jane Doe <jane@jdoe.example.com>']);
    expect(d.phones).toEqual(['+1 617 555-6011']);
    expect(d.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '198.51.100.1' });
    expect(d.media.map((m) => [m.kind, m.port, m.protocol, m.formats])).toEqual([
      ['audio', 49170, 'RTP/AVP', ['0']],
      ['audio', 49180, 'RTP/AVP', ['0']],
      ['video', 51372, 'RTP/AVP', ['99']],
    ]);
    // "each audio media description behaves as if it were given a c=IN IP4 198.51.100.1"
    expect(connections(d.media[0]!, d)).toEqual([{ netType: 'IN', addrType: 'IP4', address: '198.51.100.1' }]);
    expect(connections(d.media[2]!, d)).toEqual([{ netType: 'IN', addrType: 'IP6', address: '2001:db8::2' }]);
    // PT 0 has no rtpmap: RFC 3551 static assignment.
    expect(codecs(d.media[0]!)).toEqual([{ payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, fmtp: '', parameters: [], feedback: [] }]);
    expect(codecs(d.media[2]!)).toMatchObject([{ payloadType: 99, name: 'h263-1998', clockRate: 90000 }]);
  });
  it('RFC 8839 section 4.2.6: session-level ICE attributes, b= lines, candidates', () => {
    const d = parseSdp(vector('rfc8839-section4.2.6.sdp'));
    const m = d.media[0]!;
    expect(d.sessionName).toBe('');
    expect(iceCredentials(m)).toBeUndefined();
    expect(iceCredentials(m, d)).toEqual({ ufrag: '8hhY', pwd: 'asd88fgpdd777uzjYhagZg' });
    expect(iceOptions(m, d)).toEqual(['ice2']);
    expect(unknownAttributes(d, 'ice-pacing')).toEqual([{ type: 'unknown', name: 'ice-pacing', value: '50' }]);
    expect(m.bandwidths).toEqual([{ type: 'RS', value: 0 }, { type: 'RR', value: 0 }]);
    expect(candidates(m).map((c) => [c.type, c.address, c.port, c.relatedAddress, c.relatedPort])).toEqual([
      ['host', '203.0.113.141', 8998, undefined, undefined],
      ['srflx', '192.0.2.3', 45664, '203.0.113.141', 8998],
    ]);
  });
  it('RFC 8829 section 7.1: offer-A1 and answer-A1', () => {
    const offer = parseSdp(vector('rfc8829-section7.1-offer-A1.sdp'));
    const answer = parseSdp(vector('rfc8829-section7.1-answer-A1.sdp'));
    expect(bundleGroups(offer)).toEqual([['a1', 'v1']]);
    expect(groups(offer, 'LS')).toEqual([['a1', 'v1']]);
    const [audio, video] = offer.media;
    expect(mid(audio!)).toBe('a1');
    expect(direction(audio!)).toBe('sendrecv');
    expect(setupRole(audio!)).toBe('actpass');
    expect(setupRole(answer.media[0]!)).toBe('active');
    expect(fingerprints(audio!)[0]?.value).toBe('19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2');
    expect(attributesOf(audio!, 'rtcp')).toEqual([{ type: 'rtcp', port: 10101, netType: 'IN', addrType: 'IP4', address: '203.0.113.100' }]);
    expect(candidates(audio!).map((c) => c.component)).toEqual([1, 2]);
    expect(endOfCandidates(audio!)).toBe(true);
    expect(codecs(audio!).map((c) => [c.payloadType, c.name, c.clockRate, c.fmtp])).toEqual([
      [96, 'opus', 48000, ''], [0, 'PCMU', 8000, ''], [8, 'PCMA', 8000, ''], [97, 'telephone-event', 8000, '0-15'], [98, 'telephone-event', 48000, '0-15'],
    ]);
    expect(codecs(video!).filter((c) => c.name === 'rtx').map((c) => [c.payloadType, rtxApt(c)])).toEqual([[102, 100], [103, 101]]);
    expect(codecs(video!)[0]?.feedback).toEqual([{ type: 'ccm', parameter: 'fir' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }]);
    expect(unknownAttributes(audio!, 'tls-id')[0]?.value).toBe('91bbf309c0990a6bec11e38ba2933cee');
  });
  it('RFC 8829 section 7.2: bundle-only data channel with port 0, rtcp-mux-only', () => {
    const d = parseSdp(vector('rfc8829-section7.2-offer-B1.sdp'));
    const app = d.media[1]!;
    expect(app.port).toBe(0);
    expect(isBundleOnly(app)).toBe(true);
    expect(sctpPort(app)).toBe(5000);
    expect(maxMessageSize(app)).toBe(65536);
    expect(rtcpMux(d.media[0]!)).toBe(true);
    expect(attributesOf(d.media[0]!, 'rtcp-mux-only')).toHaveLength(1);
  });
  it('RFC 8843 section 18.1: BUNDLE over IPv6, b=AS, bundle-only answer', () => {
    const offer = parseSdp(vector('rfc8843-section18.1-offer.sdp'));
    const answer = parseSdp(vector('rfc8843-section18.1-answer.sdp'));
    expect(bundleGroups(offer)).toEqual([['foo', 'bar']]);
    expect(offer.connection?.address).toBe('2001:db8::3');
    expect(offer.media[0]?.bandwidths).toEqual([{ type: 'AS', value: 200 }]);
    expect(answer.media[1]?.port).toBe(0);
    expect(isBundleOnly(answer.media[1]!)).toBe(true);
  });
  it('RFC 8853 section 5.6: rid and simulcast, paused streams and alternatives', () => {
    const offer = parseSdp(vector('rfc8853-section5.6.1-offer.sdp'));
    const video = offer.media[1]!;
    expect(rids(video)).toEqual([
      { id: '1', direction: 'send', formats: ['97'], restrictions: [] },
      { id: '2', direction: 'send', formats: ['98'], restrictions: [] },
      { id: '3', direction: 'recv', formats: ['97'], restrictions: [] },
    ]);
    expect(simulcast(video)).toEqual([
      { direction: 'send', streams: [[{ rid: '1', paused: false }], [{ rid: '2', paused: false }]] },
      { direction: 'recv', streams: [[{ rid: '3', paused: false }]] },
    ]);
    expect(simulcast(parseSdp(vector('rfc8853-section5.6.1-answer.sdp')).media[1]!)?.map((s) => s.direction)).toEqual(['recv', 'send']);
    const multi = parseSdp(vector('rfc8853-section5.6.2-offer.sdp'));
    const bar = multi.media[1]!;
    expect(rids(bar)[0]).toEqual({
      id: '1', direction: 'send', formats: ['100'],
      restrictions: [{ name: 'max-width', value: '1280' }, { name: 'max-height', value: '720' }, { name: 'max-fps', value: '60' }, { name: 'depend', value: '2' }],
    });
    expect(simulcast(bar)).toEqual([
      { direction: 'send', streams: [[{ rid: '1', paused: false }], [{ rid: '2', paused: false }], [{ rid: '4', paused: true }, { rid: '3', paused: false }]] },
    ]);
    // rtcp-fb:* applies to every payload type.
    expect(codecs(bar).every((c) => c.feedback.some((f) => f.type === 'ccm' && f.parameter === 'pause nowait'))).toBe(true);
    expect(codecs(bar).find((c) => c.payloadType === 103)?.parameters).toEqual([{ name: 'max-fs', value: '900' }, { name: 'max-fr', value: '30' }]);
    expect(rids(multi.media[2]!)[0]?.formats).toEqual([]);
  });
});

const HEAD = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

describe('RFC 8866 section 5 line rules', () => {
  it('keeps unknown attributes, in order, at session and media level', () => {
    const text = `${HEAD}a=x-first:1\r\na=group:BUNDLE 0\r\na=x-flag\r\na=x-empty:\r\nm=audio 9 RTP/AVP 0\r\na=x-m:  two  spaces \r\na=mid:0\r\na=x-m:again\r\na=ptime:20\r\n`;
    const d = parseSdp(text);
    expect(d.attributes).toEqual([
      { type: 'unknown', name: 'x-first', value: '1' },
      { type: 'group', semantics: 'BUNDLE', mids: ['0'] },
      { type: 'unknown', name: 'x-flag' },
      { type: 'unknown', name: 'x-empty', value: '' },
    ]);
    expect(d.media[0]?.attributes.map((a) => a.type)).toEqual(['unknown', 'mid', 'unknown', 'unknown']);
    expect(unknownAttributes(d.media[0]!, 'x-m').map((a) => a.value)).toEqual(['  two  spaces ', 'again']);
    expect(serializeSdp(d)).toBe(text);
  });
  it('accepts bare LF, a missing final line end and trailing blank lines; writes CRLF', () => {
    const crlf = `${HEAD}m=audio 9 RTP/AVP 0\r\n`;
    expect(serializeSdp(parseSdp(crlf.replaceAll('\r\n', '\n')))).toBe(crlf);
    expect(serializeSdp(parseSdp(crlf.slice(0, -2)))).toBe(crlf);
    expect(serializeSdp(parseSdp(`${crlf}\r\n\n`))).toBe(crlf);
  });
  it('keeps several time descriptions with r= and z= lines', () => {
    const text = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=3724394400 3724398000\r\nr=604800 3600 0 90000\r\nr=7d 1h 0 25h\r\nz=3730922900 -1h\r\nt=0 0\r\nk=prompt\r\n';
    const d = parseSdp(text);
    expect(d.timing).toEqual([
      { start: '3724394400', stop: '3724398000', repeats: ['604800 3600 0 90000', '7d 1h 0 25h'], zone: '3730922900 -1h' },
      { start: '0', stop: '0', repeats: [] },
    ]);
    expect(d.key).toBe('prompt');
    expect(serializeSdp(d)).toBe(text);
  });
  it('m= port count, several c= and b= lines in a media section', () => {
    const text = `${HEAD}m=video 49170/2 RTP/AVP 31\r\ni=cam\r\nc=IN IP4 233.252.0.1/127/2\r\nc=IN IP4 233.252.0.3/127\r\nb=AS:512\r\nb=TIAS:500000\r\nk=prompt\r\na=recvonly\r\n`;
    const d = parseSdp(text);
    expect(d.media[0]).toMatchObject({ port: 49170, portCount: 2, information: 'cam', key: 'prompt' });
    expect(d.media[0]?.connections.map((c) => c.address)).toEqual(['233.252.0.1/127/2', '233.252.0.3/127']);
    expect(direction(d.media[0]!)).toBe('recvonly');
    expect(serializeSdp(d)).toBe(text);
  });
  it('session-level direction is the default for media without one', () => {
    const d = parseSdp(`${HEAD}a=sendonly\r\nm=audio 9 RTP/AVP 0\r\nm=audio 9 RTP/AVP 0\r\na=inactive\r\n`);
    expect(d.media.map((m) => direction(m, d))).toEqual(['sendonly', 'inactive']);
  });

  it.each([
    ['', 1, 'no v= line'],
    ['o=- 1 1 IN IP4 127.0.0.1\r\n', 1, 'first line must be v='],
    ['v=1\r\n', 1, 'version'],
    ['v=0\r\ns=-\r\n', 2, 'o='],
    ['v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n', 2, 'o= needs'],
    ['v=0\r\no=- x 1 IN IP4 127.0.0.1\r\ns=-\r\n', 2, 'sess-id'],
    ['v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n', 2, 'ends before'],
    [`${HEAD}x=1\r\n`, 5, 'unknown line type'],
    [`${HEAD}c=IN IP4 1.2.3.4\r\n`, 5, 'out of order'],
    [`${HEAD}a=x\r\nt=0 0\r\n`, 6, 'out of order'],
    [`${HEAD}m=audio 9 RTP/AVP 0\r\na=x\r\nc=IN IP4 1.2.3.4\r\n`, 7, 'out of order'],
    [`${HEAD}m=audio 9 RTP/AVP 0\r\no=- 1 1 IN IP4 127.0.0.1\r\n`, 6, 'not allowed in a media section'],
    [`${HEAD}m=audio 9 RTP/AVP 0\r\ni=a\r\ni=b\r\n`, 7, 'twice'],
    ['v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\no=- 1 1 IN IP4 127.0.0.1\r\n', 3, 'twice'],
    [`${HEAD}m=audio 99999 RTP/AVP 0\r\n`, 5, 'port'],
    [`${HEAD}m=audio 9 RTP/AVP\r\n`, 5, 'm= needs'],
    [`${HEAD}m=audio 9 RTP//AVP 0\r\n`, 5, 'proto'],
    [`${HEAD}m=audio 9  RTP/AVP 0\r\n`, 5, 'exactly one space'],
    ['v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS\r\n', 4, 'b= needs'],
    ['v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS:x\r\n', 4, 'bandwidth'],
    [`${HEAD}a=x\r\nr=1 2 3\r\n`, 6, 'out of order'],
    ['v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nr=1d 1h\r\n', 4, 'must follow a t= line'],
    [`${HEAD}a=rtpmap:96 VP8\r\n`, 5, 'rtpmap'],
    [`${HEAD}a=rtpmap:128 VP8/90000\r\n`, 5, 'payload type 128'],
    [`${HEAD}a=setup:server\r\n`, 5, 'setup'],
    [`${HEAD}a=fingerprint:sha-256 AB:C\r\n`, 5, 'fingerprint'],
    [`${HEAD}a=extmap:0 urn:x\r\n`, 5, 'extmap id'],
    [`${HEAD}a=extmap:300 urn:x\r\n`, 5, 'extmap id 300'],
    [`${HEAD}a=extmap:1/sideways urn:x\r\n`, 5, 'extmap direction'],
    [`${HEAD}a=rtcp-mux:1\r\n`, 5, 'takes no value'],
    [`${HEAD}a=sctp-port:70000\r\n`, 5, 'sctp-port'],
    [`${HEAD}a=ssrc:4294967296 cname:x\r\n`, 5, 'ssrc'],
    [`${HEAD}a=rid:a b\r\n`, 5, 'rid direction'],
    [`${HEAD}a=simulcast:send 1 send 2\r\n`, 5, 'twice'],
    [`${HEAD}a=candidate:1 1 udp 1 1.2.3.4 1 typ bogus\r\n`, 5, 'candidate type'],
    [`${HEAD}a=bad name\r\n`, 5, 'not a token'],
    [`${HEAD}a=candidate:candidate:1 1 udp 1 1.2.3.4 1 typ host\r\n`, 5, 'foundation'],
    [`${HEAD}a=x\0y\r\n`, 5, 'NUL'],
    [`${HEAD}a=x\ry\r\n`, 5, 'CR'],
    [`${HEAD}\r\na=x\r\n`, 5, 'not a <type>=<value> line'],
    [`${HEAD} a=x\r\n`, 5, 'not a <type>=<value> line'],
  ])('rejects %j at line %i (%s)', (text, line, reason) => {
    const e = parseError(text);
    expect(e.line).toBe(line);
    expect(e.message).toContain(reason);
    if (line > 0 && text !== '') expect(e.message).toContain(`line ${line}`);
  });
  it('bounds: input length and number of m= sections', () => {
    expect(parseError(`${HEAD}a=x:${'y'.repeat(MAX_SDP_LENGTH)}`).message).toContain('longer than');
    const many = HEAD + 'm=audio 9 RTP/AVP 0\r\n'.repeat(MAX_MEDIA_SECTIONS + 1);
    const e = parseError(many);
    expect(e.line).toBe(4 + MAX_MEDIA_SECTIONS + 1);
    expect(e.message).toContain(`more than ${MAX_MEDIA_SECTIONS}`);
  });
  it('throws ParseError, not TypeError, for a non-string', () => {
    expect(() => parseSdp(undefined as unknown as string)).toThrow(ParseError);
  });
});
