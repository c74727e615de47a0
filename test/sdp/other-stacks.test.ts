/**
 * SDP written by other stacks (vectors/sdp, captured from werift 0.25.2 and
 * node-datachannel 0.33.4 / libdatachannel): RFC 8866 round trip byte for byte and the
 * values that matter, including their departures from canonical form
 * (`msid-semantic:WMS *`, RFC 8839 section 5.6 ice-options written with a comma).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attributesOf,
  bundleGroups,
  candidates,
  codecs,
  direction,
  endOfCandidates,
  iceCredentials,
  iceOptions,
  maxMessageSize,
  parseSdp,
  sctpPort,
  serializeSdp,
  setupRole,
  verifyDescription,
} from '../../src/sdp/index.js';

const vector = (name: string): string => readFileSync(new URL(`../../vectors/sdp/${name}`, import.meta.url), 'utf8');

describe('werift 0.25.2 offer', () => {
  const text = vector('werift-0.25.2-offer.sdp');
  const d = parseSdp(text);
  it('round-trips byte for byte', () => expect(serializeSdp(d)).toBe(text));
  it('reads its values', () => {
    expect(attributesOf(d, 'msid-semantic')).toEqual([{ type: 'msid-semantic', semantics: 'WMS', identifiers: ['*'], compact: true }]);
    expect(bundleGroups(d)).toEqual([['0', '1', '2']]);
    expect(codecs(d.media[0]!).map((c) => [c.payloadType, c.name, c.clockRate, c.channels])).toEqual([[96, 'OPUS', 48000, 2], [0, 'PCMU', 8000, 1]]);
    expect(direction(d.media[1]!)).toBe('recvonly');
    expect(codecs(d.media[1]!)[0]?.feedback).toEqual([{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }]);
    expect(maxMessageSize(d.media[2]!)).toBe(65536);
    expect(verifyDescription(d, { type: 'offer', rtcpMuxRequired: true })).toEqual([]);
  });
});

describe('node-datachannel 0.33.4 (libdatachannel) gathered offer', () => {
  const text = vector('node-datachannel-0.33.4-gathered.sdp');
  const d = parseSdp(text);
  const m = d.media[0]!;
  it('round-trips byte for byte', () => expect(serializeSdp(d)).toBe(text));
  it('reads its values', () => {
    expect(attributesOf(d, 'ice-options')).toEqual([{ type: 'ice-options', options: ['ice2,trickle'] }]);
    expect(iceOptions(m, d)).toEqual(['ice2', 'trickle']);
    expect(iceCredentials(m, d)).toEqual({ ufrag: 'OHTE', pwd: '+VksReHkshauSxIwgvZ1Bp' });
    expect(setupRole(m, d)).toBe('actpass');
    expect(sctpPort(m)).toBe(5000);
    expect(candidates(m)).toEqual([{ foundation: '1', component: 1, transport: 'UDP', priority: 2114977791, address: '127.0.0.1', port: 51720, type: 'host', extensions: [] }]);
    expect(endOfCandidates(m)).toBe(true);
    // Session-level fingerprint applies to the m= section (RFC 8122 section 5).
    expect(verifyDescription(d, { type: 'offer' })).toEqual([]);
  });
});
