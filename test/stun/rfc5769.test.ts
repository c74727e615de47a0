// RFC 5769 test vectors (vectors/rfc5769/*.json): decode, re-encode byte for byte,
// and verify MESSAGE-INTEGRITY and FINGERPRINT with the RFC's credentials.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/common/hex.js';
import {
  decodeStunMessage,
  encodeStunMessage,
  longTermKey,
  saslPrep,
  shortTermKey,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../../src/stun/index.js';
import type { StunAttribute } from '../../src/stun/index.js';

interface Vector {
  source: string;
  description: string;
  parameters: Record<string, string>;
  paddingByte: number;
  bytes: { hex: string; comment: string }[];
  expect: { class: string; method: number; transactionId: string; attributes: Record<string, unknown>[] };
}

const dir = join(import.meta.dirname, '../../vectors/rfc5769');
const vectors = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector] as const);

function plain(a: StunAttribute): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v instanceof Uint8Array) out[k] = toHex(v);
    else if (typeof v === 'bigint') out[k] = v.toString(16).padStart(16, '0');
    else out[k] = v;
  }
  return out;
}

function keyFor(v: Vector): Uint8Array {
  const p = v.parameters;
  if (p.credential === 'short-term') return shortTermKey(p.password as string);
  return longTermKey(p.username as string, p.realm as string, p.password as string, { prep: 'saslPrep' });
}

describe('RFC 5769 test vectors', () => {
  it('has all four vectors', () => {
    expect(vectors.map(([f]) => f).sort()).toEqual([
      'sample-ipv4-response.json',
      'sample-ipv6-response.json',
      'sample-long-term-request.json',
      'sample-request.json',
    ]);
  });

  for (const [file, v] of vectors) {
    describe(`${v.source}: ${file}`, () => {
      const bytes = fromHex(v.bytes.map((b) => b.hex).join(' '));

      it('decodes to the fields the RFC lists', () => {
        const msg = decodeStunMessage(bytes);
        expect(msg.class).toBe(v.expect.class);
        expect(msg.method).toBe(v.expect.method);
        expect(toHex(msg.transactionId)).toBe(v.expect.transactionId);
        expect(msg.attributes.map(plain)).toEqual(v.expect.attributes);
      });

      it('verifies MESSAGE-INTEGRITY with the RFC credentials, and rejects a wrong key', () => {
        const msg = decodeStunMessage(bytes);
        expect(verifyMessageIntegrity(msg, keyFor(v))).toBe(true);
        expect(verifyMessageIntegrity(msg, shortTermKey('wrong'))).toBe(false);
      });

      it('verifies FINGERPRINT when present', () => {
        const msg = decodeStunMessage(bytes);
        const has = msg.attributes.some((a) => a.type === 'FINGERPRINT');
        expect(verifyFingerprint(msg)).toBe(has);
        expect(has).toBe(v.expect.attributes.some((a) => a.type === 'FINGERPRINT'));
      });

      it('re-encodes byte for byte, as stored and with MI/FINGERPRINT recomputed', () => {
        const msg = decodeStunMessage(bytes);
        const stored = encodeStunMessage(msg, { paddingByte: v.paddingByte });
        expect(toHex(stored)).toBe(toHex(bytes));
        const hasFp = msg.attributes.some((a) => a.type === 'FINGERPRINT');
        const recomputed = encodeStunMessage(
          { ...msg, attributes: msg.attributes.map((a) => (a.type === 'MESSAGE-INTEGRITY' ? { type: a.type, value: new Uint8Array(20) } : a.type === 'FINGERPRINT' ? { type: a.type, value: 0 } : a)) },
          { paddingByte: v.paddingByte, integrityKey: keyFor(v), fingerprint: hasFp },
        );
        expect(toHex(recomputed)).toBe(toHex(bytes));
      });
    });
  }

  it('SASLprep maps the 2.4 password as the RFC says (and leaves the username alone)', () => {
    expect(saslPrep('The\u00adM\u00aatr\u2168')).toBe('TheMatrIX');
    const user = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
    expect(saslPrep(user)).toBe(user);
  });

  it('RFC 8489 9.2.2 example: MD5("user:realm:pass")', () => {
    expect(toHex(longTermKey('user', 'realm', 'pass'))).toBe('8493fbc53ba582fb4c044c456bdc40eb');
  });
});
