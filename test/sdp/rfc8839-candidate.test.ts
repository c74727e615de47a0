/**
 * RFC 8839 section 5.1 candidate lines: vectors from RFC 8839 section 4.2.6, RFC 8829
 * section 7.2 and Chromium 156's trickled candidates (vectors/sdp), bad input, and
 * fast-check properties (round trip, random text throws only ParseError).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { candidateAddressFamily, isMdnsCandidate, parseCandidate, serializeCandidate } from '../../src/sdp/index.js';
import { candidateArbitrary } from './arbitraries.js';

const chrome = JSON.parse(readFileSync(new URL('../../vectors/sdp/chromium-156-candidates.json', import.meta.url), 'utf8')) as {
  loopbackAllowed: string[];
  default: string[];
};

describe('RFC 8839 candidate vectors', () => {
  it('RFC 8839 section 4.2.6 host and srflx candidates', () => {
    expect(parseCandidate('a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host')).toEqual({
      foundation: '1', component: 1, transport: 'UDP', priority: 2130706431, address: '203.0.113.141', port: 8998, type: 'host', extensions: [],
    });
    expect(parseCandidate('a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998')).toEqual({
      foundation: '2', component: 1, transport: 'UDP', priority: 1694498815, address: '192.0.2.3', port: 45664, type: 'srflx',
      relatedAddress: '203.0.113.141', relatedPort: 8998, extensions: [],
    });
  });
  it('RFC 8829 section 7.2 offer-B1 candidates 1-3 (host, srflx, relay)', () => {
    const lines = [
      'candidate:1 1 udp 2113929471 203.0.113.100 10100 typ host',
      'candidate:1 1 udp 1845494015 198.51.100.100 11100 typ srflx raddr 203.0.113.100 rport 10100',
      'candidate:1 1 udp 255 192.0.2.100 12100 typ relay raddr 198.51.100.100 rport 11100',
    ];
    const parsed = lines.map(parseCandidate);
    expect(parsed.map((c) => c.type)).toEqual(['host', 'srflx', 'relay']);
    expect(parsed[2]?.priority).toBe(255);
    expect(parsed.map(serializeCandidate)).toEqual(lines);
  });
  it.each([...chrome.loopbackAllowed, ...chrome.default])('Chromium 156 trickled candidate round-trips byte for byte: %s', (line) => {
    const c = parseCandidate(line);
    expect(serializeCandidate(c)).toBe(line);
    expect(c.generation).toBe(0);
    expect(c.ufrag).toMatch(/^[A-Za-z0-9+/]{4}$/);
    expect(c.networkId).toBeGreaterThan(0);
    expect(c.extensions).toEqual([]);
    if (c.transport === 'tcp') expect(c.tcpType).toBe('active');
    if (c.type === 'relay') expect(c.relatedAddress).toBeDefined();
  });
  it('address families: IPv4, IPv6, FQDN, mDNS .local', () => {
    const ipv6 = parseCandidate(chrome.loopbackAllowed.find((l) => l.includes('2001:db8::10'))!);
    expect(candidateAddressFamily(ipv6)).toBe('ipv6');
    const mdns = parseCandidate('candidate:3574357512 1 udp 2113937151 4f1a5c1e-6a4f-4a53-9a4c-59ad0e0c7b6f.local 54321 typ host generation 0 network-cost 999');
    expect(candidateAddressFamily(mdns)).toBe('fqdn');
    expect(isMdnsCandidate(mdns)).toBe(true);
    expect(mdns.networkCost).toBe(999);
    const fqdn = parseCandidate('candidate:1 1 udp 1 turn.example.com 3478 typ relay raddr 0.0.0.0 rport 0');
    expect(candidateAddressFamily(fqdn)).toBe('fqdn');
    expect(isMdnsCandidate(fqdn)).toBe(false);
    expect(candidateAddressFamily(parseCandidate('candidate:1 1 udp 1 ::ffff:192.0.2.1 1 typ host'))).toBe('ipv6');
  });
  it('accepts a=candidate:, candidate: and the bare value alike', () => {
    const bare = '842163049 1 udp 1677729535 198.51.100.7 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag 5eKQ network-cost 999';
    const c = parseCandidate(bare);
    expect(parseCandidate(`candidate:${bare}`)).toEqual(c);
    expect(parseCandidate(`a=candidate:${bare}`)).toEqual(c);
    expect(parseCandidate(`a=candidate:${bare}\r\n`)).toEqual(c);
    expect(serializeCandidate(c)).toBe(`candidate:${bare}`);
  });
  it('keeps unknown extensions in order, after the known ones', () => {
    const c = parseCandidate('candidate:a+/Z 2 tcp 1 192.0.2.1 9 typ host x-b 2 tcptype so x-a 1 generation 3');
    expect(c.component).toBe(2);
    expect(c.tcpType).toBe('so');
    expect(c.generation).toBe(3);
    expect(c.extensions).toEqual([{ name: 'x-b', value: '2' }, { name: 'x-a', value: '1' }]);
    expect(serializeCandidate(c)).toBe('candidate:a+/Z 2 tcp 1 192.0.2.1 9 typ host tcptype so generation 3 x-b 2 x-a 1');
  });
  it('boundaries: component 1..256, port 0..65535, priority u32', () => {
    expect(parseCandidate('candidate:1 256 udp 4294967295 192.0.2.1 65535 typ host')).toMatchObject({ component: 256, priority: 4294967295, port: 65535 });
    expect(parseCandidate('candidate:1 1 udp 0 192.0.2.1 0 typ host')).toMatchObject({ priority: 0, port: 0 });
  });
  it.each([
    ['', 'fields'],
    ['candidate:1 0 udp 1 192.0.2.1 1 typ host', 'component-id 0 is outside 1..256'],
    ['candidate:1 257 udp 1 192.0.2.1 1 typ host', 'component-id 257'],
    ['candidate:1 1 udp 4294967296 192.0.2.1 1 typ host', 'priority'],
    ['candidate:1 1 udp 1 192.0.2.1 65536 typ host', 'port 65536'],
    ['candidate:1 1 udp 1 192.0.2.1 -1 typ host', 'port is not a decimal integer'],
    ['candidate:1 1 udp 1 192.0.2.256 1 typ host', 'address'],
    ['candidate:1 1 udp 1 2001:db8:::1 1 typ host', 'address'],
    ['candidate:1 1 udp 1 192.0.2.1 1 type host', 'expected "typ"'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ foo', 'host, srflx, prflx or relay'],
    ['candidate:123456789012345678901234567890123 1 udp 1 192.0.2.1 1 typ host', 'foundation'],
    ['candidate:f-1 1 udp 1 192.0.2.1 1 typ host', 'foundation'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ host generation', 'has no value'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ host tcptype both', 'tcptype'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ host generation 0 generation 1', 'twice'],
    ['candidate:1 1 udp 1 192.0.2.1 1 typ srflx generation 0 raddr 192.0.2.2', 'right after the type'],
    ['candidate:1 1 udp 1 192.0.2.1  1 typ host', 'exactly one space'],
  ])('rejects %j with a ParseError naming the reason', (line, reason) => {
    let error: unknown;
    try {
      parseCandidate(line);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as Error).message).toContain(reason);
  });
});

describe('candidate properties', () => {
  it('parseCandidate(serializeCandidate(c)) equals c', () => {
    fc.assert(fc.property(candidateArbitrary, (c) => {
      expect(parseCandidate(serializeCandidate(c))).toStrictEqual(c);
    }), { numRuns: 500 });
  });
  it('random text throws only ParseError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        parseCandidate(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 1000 });
  });
  it('mutated valid candidates parse or throw only ParseError', () => {
    const pieces = fc.constantFrom('typ', 'raddr', 'rport', 'host', 'relay', 'generation', 'tcptype', '1', '-1', '', ' ', '::', '99999999999', 'x.local');
    fc.assert(fc.property(candidateArbitrary, fc.nat(20), pieces, (c, at, piece) => {
      const fields = serializeCandidate(c).split(' ');
      fields.splice(at % (fields.length + 1), 1, piece);
      try {
        const parsed = parseCandidate(fields.join(' '));
        expect(parseCandidate(serializeCandidate(parsed))).toStrictEqual(parsed);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 500 });
  });
});
