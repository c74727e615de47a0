// RFC 8839 5.1 candidate-attribute, RFC 8445 5.1.2 priorities and 5.1.1.3 foundations,
// checked against Chrome 156's own candidates and werift's independent parser.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import {
  type Candidate,
  TYPE_PREFERENCE,
  computeFoundation,
  computePriority,
  parseCandidate,
  serializeCandidate,
} from '../../src/ice/index.js';

const require = createRequire(import.meta.url);
const weriftCandidate = require(path.resolve('node_modules/werift/lib/ice/src/candidate.js')) as {
  Candidate: { fromSdp(s: string): { foundation: string; component: number; transport: string; priority: number; host: string; port: number; type: string; relatedAddress?: string; relatedPort?: number; toSdp(): string } };
  candidatePriority(type: string, localPref?: number): number;
};

const chromeFile = JSON.parse(readFileSync('vectors/sdp/chromium-156-candidates.json', 'utf8')) as Record<string, unknown>;
const chrome: string[] = [];
JSON.stringify(chromeFile, (_k, v: unknown) => {
  if (typeof v === 'string' && v.startsWith('candidate:')) chrome.push(v);
  return v;
});
const sdpLines = readFileSync('vectors/chromium-156/gathered-datachannel.sdp', 'utf8')
  .split(/\r?\n/)
  .filter((l) => l.startsWith('a=candidate:'));

describe('RFC 8839 candidate-attribute', () => {
  it('parses every candidate Chrome 156 trickled, and serializes it back byte for byte', () => {
    expect(chrome.length).toBeGreaterThan(5);
    for (const text of chrome) {
      const c = parseCandidate(text);
      expect(serializeCandidate(c)).toBe(text);
      expect(c.component).toBe(1);
    }
  });

  it('reads a=candidate lines of Chrome SDP and agrees with werift field by field', () => {
    expect(sdpLines.length).toBeGreaterThan(3);
    for (const line of sdpLines) {
      const ours = parseCandidate(line);
      const theirs = weriftCandidate.Candidate.fromSdp(line.slice('a=candidate:'.length));
      expect(ours.foundation).toBe(theirs.foundation);
      expect(ours.priority).toBe(theirs.priority);
      expect(ours.address).toBe(theirs.host);
      expect(ours.port).toBe(theirs.port);
      expect(ours.type).toBe(theirs.type);
      expect(ours.transport).toBe(theirs.transport.toLowerCase());
      expect(ours.relatedAddress).toBe(theirs.relatedAddress);
      expect(ours.relatedPort).toBe(theirs.relatedPort);
    }
  });

  it('reads the candidates of the RFC 8839 4.2.6 example', () => {
    const lines = readFileSync('vectors/sdp/rfc8839-section4.2.6.sdp', 'utf8').split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const c = parseCandidate(l);
      expect(['host', 'srflx', 'relay', 'prflx']).toContain(c.type);
    }
  });

  // werift's fromSdp takes the attribute value without the 'candidate:' name.
  it('werift parses what we serialize', () => {
    const c: Candidate = {
      foundation: '12345', component: 1, transport: 'udp', priority: 1686052607, address: '203.0.113.7', port: 61000, type: 'srflx',
      relatedAddress: '10.0.0.2', relatedPort: 5000, extensions: [['generation', '0']],
    };
    const w = weriftCandidate.Candidate.fromSdp(serializeCandidate(c).slice('candidate:'.length));
    expect([w.foundation, w.priority, w.host, w.port, w.type, w.relatedAddress, w.relatedPort]).toEqual(['12345', 1686052607, '203.0.113.7', 61000, 'srflx', '10.0.0.2', 5000]);
  });

  const iceChars = fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/);
  const ipv4 = fc.ipV4();
  const candidateArb = fc.record({
    foundation: iceChars,
    component: fc.integer({ min: 1, max: 256 }),
    transport: fc.constantFrom('udp' as const, 'tcp' as const),
    priority: fc.integer({ min: 1, max: 0xffffffff }),
    address: fc.oneof(ipv4, fc.constant('2001:db8::1'), fc.uuid().map((u) => `${u}.local`)),
    port: fc.integer({ min: 0, max: 65535 }),
    type: fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
    related: fc.option(fc.tuple(ipv4, fc.integer({ min: 0, max: 65535 })), { nil: undefined }),
    extensions: fc.array(fc.tuple(fc.constantFrom('generation', 'ufrag', 'network-id', 'network-cost'), fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/)), { maxLength: 4 }),
  }).map(({ related, ...r }): Candidate => ({ ...r, ...(related ? { relatedAddress: related[0], relatedPort: related[1] } : {}) }));

  it('property: parse(serialize(c)) equals c', () => {
    fc.assert(fc.property(candidateArb, (c) => {
      expect(parseCandidate(serializeCandidate(c))).toEqual(c);
    }));
  });

  it('property: random text throws only ParseError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), candidateArb.map(serializeCandidate).chain((s) => fc.integer({ min: 0, max: s.length }).map((n) => s.slice(0, n) + '\u0000' + s.slice(n)))), (s) => {
      try {
        parseCandidate(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }));
  });

  it('rejects malformed attributes', () => {
    for (const bad of [
      'candidate:1 1 udp 1 1.2.3.4 5 host',
      'candidate:1 0 udp 1 1.2.3.4 5 typ host',
      'candidate:1 1 sctp 1 1.2.3.4 5 typ host',
      'candidate:1 1 udp 1 1.2.3.4 70000 typ host',
      'candidate:1 1 udp 1 1.2.3.4 5 typ magic',
      'candidate:1 1 udp 99999999999 1.2.3.4 5 typ host',
      'candidate:1 1 udp 1 1.2.3.4 5 typ host raddr',
      `candidate:${'a'.repeat(33)} 1 udp 1 1.2.3.4 5 typ host`,
    ]) expect(() => parseCandidate(bad)).toThrow(ParseError);
  });
});

describe('RFC 8445 5.1.2 candidate priority', () => {
  it("decomposes Chrome's host priorities with the recommended formula", () => {
    for (const text of chrome) {
      const c = parseCandidate(text);
      if (c.type !== 'host' || c.transport !== 'udp') continue;
      expect(Math.floor(c.priority / 2 ** 24)).toBe(TYPE_PREFERENCE.host);
      expect(computePriority(126, (c.priority >>> 8) & 0xffff, c.component)).toBe(c.priority);
    }
  });

  it('agrees with werift for every type and local preference', () => {
    fc.assert(fc.property(fc.constantFrom('host', 'srflx', 'prflx', 'relay'), fc.integer({ min: 0, max: 65535 }), (type, lp) => {
      expect(computePriority(TYPE_PREFERENCE[type as keyof typeof TYPE_PREFERENCE], lp, 1)).toBe(weriftCandidate.candidatePriority(type, lp));
    }));
  });

  it('property: within 1..2^31-1, and the type preference dominates (5.1.2.1)', () => {
    const t = fc.integer({ min: 0, max: 126 });
    const lp = fc.integer({ min: 0, max: 65535 });
    const comp = fc.integer({ min: 1, max: 256 });
    fc.assert(fc.property(t, t, lp, lp, comp, comp, (t1, t2, l1, l2, c1, c2) => {
      const p1 = computePriority(t1, l1, c1);
      const p2 = computePriority(t2, l2, c2);
      expect(p1).toBeGreaterThanOrEqual(0);
      expect(p1).toBeLessThanOrEqual(2 ** 31 - 1);
      if (t1 > t2) expect(p1).toBeGreaterThan(p2);
      if (t1 === t2 && l1 > l2) expect(p1).toBeGreaterThan(p2);
      if (t1 === t2 && l1 === l2 && c1 < c2) expect(p1).toBeGreaterThan(p2);
    }));
  });

  it('host 65535 component 1 is 2130706431 (the value in RFC 8839 4.2.6 and every browser)', () => {
    expect(computePriority(126, 65535, 1)).toBe(2130706431);
    expect(() => computePriority(127, 0, 1)).toThrow(RangeError);
    expect(() => computePriority(0, 65536, 1)).toThrow(RangeError);
    expect(() => computePriority(0, 0, 0)).toThrow(RangeError);
  });
});

describe('RFC 8445 5.1.1.3 foundations', () => {
  it('property: equal exactly when type, base IP, server IP and transport are equal', () => {
    const type = fc.constantFrom('host' as const, 'srflx' as const, 'relay' as const, 'prflx' as const);
    const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::1');
    const server = fc.option(fc.constantFrom('198.51.100.1', '198.51.100.2'), { nil: undefined });
    const tr = fc.constantFrom('udp' as const, 'tcp' as const);
    fc.assert(fc.property(type, ip, server, tr, type, ip, server, tr, (t1, i1, s1, r1, t2, i2, s2, r2) => {
      const same = t1 === t2 && i1 === i2 && s1 === s2 && r1 === r2;
      const f1 = computeFoundation(t1, i1, s1, r1);
      expect(f1).toMatch(/^[0-9]{1,10}$/);
      if (same) expect(f1).toBe(computeFoundation(t2, i2, s2, r2));
      else expect(f1).not.toBe(computeFoundation(t2, i2, s2, r2));
    }));
  });
});
