/**
 * fast-check generators of valid SDP models in canonical form (RFC 8866 section 9
 * grammar, RFC 8839 section 5.1 candidates, the attribute grammars of sdp/attributes),
 * shared by the property tests of test/sdp.
 */
import fc from 'fast-check';
import { KNOWN_ATTRIBUTE_NAMES } from '../../src/sdp/index.js';
import type { Attribute, Candidate, MediaDescription, SessionDescription } from '../../src/sdp/index.js';

/** Plain objects with no undefined-valued keys and ordinary prototypes (fc.record makes null-prototype ones). */
export function plain<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

const iceChar = fc.constantFrom(...'abcXYZ019+/'.split(''));
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const mdns = fc.uuid().map((u) => `${u}.local`);
export const address = fc.oneof(ipv4, ipv6, mdns, fc.constant('::1'), fc.constant('2001:db8::10'));
const tokenChar = fc.constantFrom(...'abz09-_.!'.split(''));
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 });
const vchar = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 8 });
const KNOWN = new Set(['raddr', 'rport', 'tcptype', 'generation', 'ufrag', 'network-id', 'network-cost']);

export const candidateArbitrary: fc.Arbitrary<Candidate> = fc
  .record(
    {
      foundation: fc.string({ unit: iceChar, minLength: 1, maxLength: 32 }),
      component: fc.integer({ min: 1, max: 256 }),
      transport: fc.constantFrom('udp', 'UDP', 'tcp'),
      priority: fc.integer({ min: 0, max: 0xffffffff }),
      address,
      port: fc.integer({ min: 0, max: 65535 }),
      type: fc.constantFrom('host', 'srflx', 'prflx', 'relay'),
      relatedAddress: address,
      relatedPort: fc.integer({ min: 0, max: 65535 }),
      tcpType: fc.constantFrom('active', 'passive', 'so'),
      generation: fc.integer({ min: 0, max: 0xffffffff }),
      ufrag: vchar,
      networkId: fc.integer({ min: 0, max: 0xffffffff }),
      networkCost: fc.integer({ min: 0, max: 0xffffffff }),
      extensions: fc.array(fc.record({ name: token.filter((n) => !KNOWN.has(n)), value: vchar }), { maxLength: 3 }),
    },
    { requiredKeys: ['foundation', 'component', 'transport', 'priority', 'address', 'port', 'type', 'extensions'] },
  )
  // fc.record builds null-prototype objects; toStrictEqual compares prototypes.
  .map((c) => ({ ...c, extensions: c.extensions.map((e) => ({ ...e })) }) as Candidate);

const TOKEN_CHARS = "abcxyzABZ0189!#$%&'*+-.^_`{|}~".split('');
const tok = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 10 });
const digits = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 1, maxLength: 22 });
/** Visible ASCII and some non-ASCII, no white space. */
const nonWs = fc.string({ unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom('é', 'ü', '漢')), minLength: 1, maxLength: 12 });
/** RFC 8866 byte-string: anything but NUL, CR, LF. */
const text = fc.string({ unit: fc.oneof(fc.integer({ min: 0x01, max: 0x7e }).filter((c) => c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c)), fc.constantFrom('é', '漢')), minLength: 1, maxLength: 16 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: 65535 });
const direction = fc.constantFrom('sendrecv', 'sendonly', 'recvonly', 'inactive') as fc.Arbitrary<'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'>;
const ridId = fc.string({ unit: fc.constantFrom(...'abAZ09_-'.split('')), minLength: 1, maxLength: 6 });
const hex2 = fc.integer({ min: 0, max: 255 }).map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
const unknownName = tok.filter((n) => !KNOWN_ATTRIBUTE_NAMES.has(n));

export const attributeArbitrary: fc.Arbitrary<Attribute> = fc.oneof(
  fc.record({ type: fc.constant('group'), semantics: tok, mids: fc.array(tok, { maxLength: 4 }) }),
  fc.constantFrom('extmap-allow-mixed', 'ice-lite', 'rtcp-mux', 'rtcp-mux-only', 'rtcp-rsize', 'end-of-candidates').map((type) => ({ type })),
  fc.record({ type: fc.constant('msid-semantic'), semantics: tok, identifiers: fc.array(nonWs, { maxLength: 3 }), compact: fc.constant(true as const) }, { requiredKeys: ['type', 'semantics', 'identifiers'] }),
  fc.record({ type: fc.constantFrom('ice-ufrag', 'ice-pwd'), value: nonWs }),
  fc.record({ type: fc.constant('ice-options'), options: fc.array(nonWs, { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('fingerprint'), algorithm: tok, value: fc.array(hex2, { minLength: 1, maxLength: 32 }).map((a) => a.join(':')) }),
  fc.record({ type: fc.constant('setup'), role: fc.constantFrom('active', 'passive', 'actpass', 'holdconn') }),
  fc.record({ type: fc.constant('mid'), value: tok }),
  fc.record(
    { type: fc.constant('extmap'), id: fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 4096, max: 4351 })), direction, uri: nonWs, attributes: text },
    { requiredKeys: ['type', 'id', 'uri'] },
  ),
  fc.record({ type: fc.constant('direction'), direction }),
  fc.record({ type: fc.constant('msid'), streamId: nonWs, trackId: nonWs }, { requiredKeys: ['type', 'streamId'] }),
  fc.oneof(
    fc.record({ type: fc.constant('rtcp'), port }),
    fc.record({ type: fc.constant('rtcp'), port, netType: tok, addrType: tok, address }),
  ),
  fc.record(
    { type: fc.constant('rtpmap'), payloadType: fc.integer({ min: 0, max: 127 }), encodingName: tok, clockRate: fc.integer({ min: 1, max: 0xffffffff }), encodingParameters: fc.integer({ min: 1, max: 255 }) },
    { requiredKeys: ['type', 'payloadType', 'encodingName', 'clockRate'] },
  ),
  fc.record({ type: fc.constant('fmtp'), format: tok, parameters: fc.oneof(fc.constant(''), text) }),
  fc.record({ type: fc.constant('rtcp-fb'), format: fc.oneof(fc.constant('*'), tok), feedbackType: tok, parameter: text }, { requiredKeys: ['type', 'format', 'feedbackType'] }),
  fc.record({ type: fc.constant('ssrc'), ssrc: u32, attribute: tok, value: fc.oneof(fc.constant(''), text) }, { requiredKeys: ['type', 'ssrc', 'attribute'] }),
  fc.record({ type: fc.constant('ssrc-group'), semantics: tok, ssrcs: fc.array(u32, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('rid'),
    id: ridId,
    direction: fc.constantFrom('send', 'recv'),
    formats: fc.array(tok, { maxLength: 3 }),
    restrictions: fc.array(
      fc.record(
        { name: fc.string({ unit: fc.constantFrom(...'abmx-09'.split('')), minLength: 1, maxLength: 8 }).filter((n) => n !== 'pt'), value: fc.string({ unit: fc.constantFrom(...'0123456789.,ab='.split('')), minLength: 1, maxLength: 6 }) },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 3 },
    ),
  }),
  fc
    .subarray(['send', 'recv'] as const, { minLength: 1 })
    .chain((dirs) =>
      fc.tuple(
        fc.shuffledSubarray([...dirs], { minLength: dirs.length, maxLength: dirs.length }),
        fc.array(fc.array(fc.array(fc.record({ rid: ridId, paused: fc.boolean() }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), { minLength: dirs.length, maxLength: dirs.length }),
      ),
    )
    .map(([dirs, streams]) => ({ type: 'simulcast' as const, directions: dirs.map((d, i) => ({ direction: d, streams: streams[i] ?? [] })) })),
  fc.record({ type: fc.constant('sctp-port'), port }),
  fc.record({ type: fc.constant('max-message-size'), sizeBytes: fc.maxSafeNat() }),
  candidateArbitrary.map((candidate) => ({ type: 'candidate' as const, candidate })),
  fc.record({ type: fc.constant('unknown'), name: unknownName, value: fc.oneof(fc.constant(''), text) }, { requiredKeys: ['type', 'name'] }),
) as fc.Arbitrary<Attribute>;

const connection = fc.record({ netType: tok, addrType: tok, address: nonWs });
const bandwidth = fc.record({ type: tok, value: fc.maxSafeNat() });
const protocol = fc.array(tok, { minLength: 1, maxLength: 4 }).map((t) => t.join('/'));

export const mediaArbitrary: fc.Arbitrary<MediaDescription> = fc.record(
  {
    kind: tok,
    port,
    portCount: fc.integer({ min: 1, max: 65535 }),
    protocol,
    formats: fc.array(tok, { minLength: 1, maxLength: 5 }),
    information: text,
    connections: fc.array(connection, { maxLength: 2 }),
    bandwidths: fc.array(bandwidth, { maxLength: 2 }),
    key: text,
    attributes: fc.array(attributeArbitrary, { maxLength: 12 }),
  },
  { requiredKeys: ['kind', 'port', 'protocol', 'formats', 'connections', 'bandwidths', 'attributes'] },
) as fc.Arbitrary<MediaDescription>;

export const sessionArbitrary: fc.Arbitrary<SessionDescription> = fc
  .record(
    {
      origin: fc.record({ username: nonWs, sessionId: digits, sessionVersion: digits, netType: tok, addrType: tok, address: nonWs }),
      sessionName: fc.oneof(fc.constant(''), fc.constant('-'), text),
      information: text,
      uri: text,
      emails: fc.array(text, { maxLength: 2 }),
      phones: fc.array(text, { maxLength: 2 }),
      connection,
      bandwidths: fc.array(bandwidth, { maxLength: 2 }),
      timing: fc.array(
        fc.record({ start: digits, stop: digits, repeats: fc.array(text, { maxLength: 2 }), zone: text }, { requiredKeys: ['start', 'stop', 'repeats'] }),
        { maxLength: 3 },
      ),
      key: text,
      attributes: fc.array(attributeArbitrary, { maxLength: 8 }),
      media: fc.array(mediaArbitrary, { maxLength: 4 }),
    },
    { requiredKeys: ['origin', 'sessionName', 'emails', 'phones', 'bandwidths', 'timing', 'attributes', 'media'] },
  )
  .map((d) => plain(d as SessionDescription));
