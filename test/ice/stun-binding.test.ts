// The ICE agent's view of Binding messages (src/ice/stun-binding.ts over src/stun) against the RFC 5769 vectors and werift's
// independent STUN implementation; fast-check round trips and random bytes.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { type BindingFields, decodeBinding, encodeBinding, isStun, shortTermKey, verifyIntegrity } from '../../src/ice/stun-binding.js';

const require = createRequire(import.meta.url);
interface WMessage {
  messageClass: number;
  messageMethod: number;
  transactionId: Buffer;
  getAttributeValue(k: string): unknown;
  setAttribute(k: string, v: unknown): WMessage;
  addMessageIntegrity(key: Buffer): WMessage;
  addFingerprint(): WMessage;
  bytes: Buffer;
}
const werift = require(path.resolve('node_modules/werift/lib/ice-server/src/stun/message.js')) as {
  parseMessage(d: Buffer, key?: Buffer): WMessage | undefined;
  Message: new (method: number, cls: number, tid?: Buffer) => WMessage;
};

function vector(name: string): { bytes: Uint8Array; password: string } {
  const v = JSON.parse(readFileSync(`vectors/rfc5769/${name}.json`, 'utf8')) as { bytes: { hex: string }[]; parameters: { password: string } };
  return { bytes: fromHex(v.bytes.map((b) => b.hex).join(' ')), password: v.parameters.password };
}

describe('RFC 5769 vectors', () => {
  it('2.1 sample request: USERNAME, PRIORITY, ICE-CONTROLLED, integrity, fingerprint', () => {
    const { bytes, password } = vector('sample-request');
    const m = decodeBinding(bytes);
    expect(m.cls).toBe('request');
    expect(toHex(m.transactionId)).toBe('b7e7a701bc34d686fa87dfae');
    expect(m.username).toBe('evtj:h6vY');
    expect(m.priority).toBe(0x6e0001ff);
    expect(m.iceControlled).toBe(0x932ff9b151263b36n);
    expect(m.fingerprint).toBe(true);
    expect(verifyIntegrity(bytes, m, shortTermKey(password))).toBe(true);
    expect(verifyIntegrity(bytes, m, shortTermKey(password + 'x'))).toBe(false);
  });

  it('2.2 / 2.3 sample responses: XOR-MAPPED-ADDRESS IPv4 and IPv6', () => {
    const v4 = vector('sample-ipv4-response');
    const m4 = decodeBinding(v4.bytes);
    expect(m4.cls).toBe('success');
    expect(m4.xorMappedAddress).toEqual({ address: '192.0.2.1', port: 32853 });
    expect(verifyIntegrity(v4.bytes, m4, shortTermKey(v4.password))).toBe(true);
    const v6 = vector('sample-ipv6-response');
    const m6 = decodeBinding(v6.bytes);
    expect(m6.xorMappedAddress).toEqual({ address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    expect(verifyIntegrity(v6.bytes, m6, shortTermKey(v6.password))).toBe(true);
  });

  it('a flipped bit breaks the fingerprint or the integrity', () => {
    const { bytes, password } = vector('sample-request');
    for (let i = 20; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] = (copy[i] as number) ^ 0x01;
      let ok = false;
      try {
        const m = decodeBinding(copy);
        ok = verifyIntegrity(copy, m, shortTermKey(password)) && m.fingerprint;
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
      // FINGERPRINT covers every byte before it, padding included.
      expect(ok).toBe(false);
    }
  });
});

describe('cross-check with werift STUN', () => {
  it('werift verifies our check requests and reads every ICE attribute', () => {
    const tid = fromHex('0102030405060708090a0b0c');
    const data = encodeBinding({
      cls: 'request', transactionId: tid, username: 'remote:local', priority: 1853824767, useCandidate: true, iceControlling: 0x1122334455667788n,
      integrityKey: shortTermKey('s3cr3t-password-of-22ch'),
    });
    const w = werift.parseMessage(Buffer.from(data), Buffer.from('s3cr3t-password-of-22ch'));
    expect(w).toBeDefined();
    expect(w?.getAttributeValue('USERNAME')).toBe('remote:local');
    expect(w?.getAttributeValue('PRIORITY')).toBe(1853824767);
    expect(w?.getAttributeValue('ICE-CONTROLLING')).toBe(0x1122334455667788n);
    expect(w?.getAttributeValue('USE-CANDIDATE')).not.toBeUndefined();
    expect(werift.parseMessage(Buffer.from(data), Buffer.from('wrong'))).toBeUndefined();
  });

  it('we verify werift responses', () => {
    const tid = Buffer.from('aabbccddeeff001122334455', 'hex');
    const m = new werift.Message(1, 0x100, tid);
    m.setAttribute('XOR-MAPPED-ADDRESS', ['2001:db8::7', 40000]);
    m.addMessageIntegrity(Buffer.from('pw-pw-pw-pw-pw-pw-pw-pw'));
    m.addFingerprint();
    const bytes = new Uint8Array(m.bytes);
    const ours = decodeBinding(bytes);
    expect(ours.cls).toBe('success');
    expect(ours.xorMappedAddress).toEqual({ address: '2001:db8::7', port: 40000 });
    expect(ours.fingerprint).toBe(true);
    expect(verifyIntegrity(bytes, ours, shortTermKey('pw-pw-pw-pw-pw-pw-pw-pw'))).toBe(true);
  });
});

describe('properties', () => {
  const fields = fc.record({
    cls: fc.constantFrom('request' as const, 'success' as const, 'error' as const, 'indication' as const),
    transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    username: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
    priority: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
    useCandidate: fc.option(fc.constant(true), { nil: undefined }),
    iceControlling: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: undefined }),
    iceControlled: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: undefined }),
    xorMappedAddress: fc.option(fc.record({ address: fc.oneof(fc.ipV4(), fc.constant('2001:db8::1')), port: fc.integer({ min: 0, max: 65535 }) }), { nil: undefined }),
    errorCode: fc.option(fc.record({ code: fc.integer({ min: 300, max: 699 }), reason: fc.string({ maxLength: 40 }) }), { nil: undefined }),
    integrityKey: fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }),
  });

  it('decode(encode(x)) equals x, with valid fingerprint and integrity', () => {
    fc.assert(fc.property(fields, (f) => {
      const clean = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as BindingFields;
      const data = encodeBinding(clean);
      expect(isStun(data)).toBe(true);
      const m = decodeBinding(data);
      expect(m.cls).toBe(f.cls);
      expect([...m.transactionId]).toEqual([...f.transactionId]);
      expect(m.username).toBe(f.username);
      expect(m.priority).toBe(f.priority);
      expect(m.useCandidate).toBe(f.useCandidate);
      expect(m.iceControlling).toBe(f.iceControlling);
      expect(m.iceControlled).toBe(f.iceControlled);
      expect(m.xorMappedAddress).toEqual(f.xorMappedAddress);
      expect(m.errorCode).toEqual(f.errorCode);
      expect(m.fingerprint).toBe(true);
      if (f.integrityKey) expect(verifyIntegrity(data, m, f.integrityKey)).toBe(true);
      else expect(m.integrityOffset).toBeUndefined();
    }));
  });

  it('random bytes (and mutated messages) throw only ParseError', () => {
    const mutated = fields.chain((f) => {
      const data = encodeBinding(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as BindingFields);
      return fc.tuple(fc.integer({ min: 0, max: data.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: data.length })).map(([i, b, cut]) => {
        const c = data.slice(0, Math.max(cut, i + 1));
        c[i] = b;
        return c;
      });
    });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
      try {
        decodeBinding(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 2000 });
  });
});
