// RFC 8489 5 and 14: message codec properties (round trip of every attribute type,
// random bytes throw only ParseError, bit flips break integrity/fingerprint).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import {
  ATTRIBUTE_CODES,
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  longTermKey,
  messageType,
  PasswordAlgorithm,
  shortTermKey,
  StunMethod,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
  looksLikeStun,
} from '../../src/stun/index.js';
import type { StunAttribute, StunMessage } from '../../src/stun/index.js';
import { attribute, message, plainAttribute } from './arbitraries.js';

function strip(m: StunMessage): StunMessage {
  return { class: m.class, method: m.method, transactionId: m.transactionId, attributes: m.attributes };
}

function throwsOnlyParseError(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
}

describe('STUN message type field (RFC 8489 5, Figure 3)', () => {
  it('encodes class and method bits as the RFC figure shows', () => {
    expect(messageType('request', StunMethod.Binding)).toBe(0x0001);
    expect(messageType('indication', StunMethod.Binding)).toBe(0x0011);
    expect(messageType('success', StunMethod.Binding)).toBe(0x0101);
    expect(messageType('error', StunMethod.Binding)).toBe(0x0111);
    // RFC 8656: Allocate request 0x0003, Allocate error response 0x0113, Send indication 0x0016, Data indication 0x0017.
    expect(messageType('request', StunMethod.Allocate)).toBe(0x0003);
    expect(messageType('error', StunMethod.Allocate)).toBe(0x0113);
    expect(messageType('indication', StunMethod.Send)).toBe(0x0016);
    expect(messageType('indication', StunMethod.Data)).toBe(0x0017);
    expect(messageType('request', 0xfff)).toBe(0x3eef);
  });
});

describe('attribute codec properties', () => {
  it('every named attribute type has a generator', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(attribute, (a) => {
        seen.add(a.type);
      }),
      { numRuns: 3000 },
    );
    for (const name of Object.keys(ATTRIBUTE_CODES)) expect(seen, name).toContain(name);
    expect(seen).toContain('unknown');
  });

  it('decode(encode(attribute)) equals the attribute, for every attribute type', () => {
    fc.assert(
      fc.property(attribute, fc.uint8Array({ minLength: 12, maxLength: 12 }), (a, transactionId) => {
        const m: StunMessage = { class: 'request', method: 1, transactionId, attributes: [a] };
        const back = decodeStunMessage(encodeStunMessage(m));
        expect(strip(back)).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('decode(encode(message)) equals the message and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeStunMessage(m);
        const back = decodeStunMessage(bytes);
        expect(strip(back)).toEqual(m);
        expect(toHex(encodeStunMessage(back))).toBe(toHex(bytes));
        expect(looksLikeStun(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('decoder robustness', () => {
  it('random bytes throw only ParseError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => throwsOnlyParseError(() => decodeStunMessage(b))), { numRuns: 3000 });
  });

  it('random bodies behind a valid header throw only ParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainAttribute.map((a) => ({ a })), fc.uint8Array({ maxLength: 12 }).map((raw) => ({ raw })))), (parts) => {
        const body: number[] = [];
        for (const p of parts) {
          if ('raw' in p) body.push(...p.raw);
          else body.push(...encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12), attributes: [p.a] }).subarray(20));
        }
        while (body.length % 4) body.push(0);
        const msg = new Uint8Array(20 + body.length);
        msg.set([0, 1, body.length >> 8, body.length & 0xff, 0x21, 0x12, 0xa4, 0x42]);
        msg.set(body, 20);
        throwsOnlyParseError(() => decodeStunMessage(msg));
      }),
      { numRuns: 1000 },
    );
  });

  it('random single-attribute values of every known type throw only ParseError', () => {
    const codes = Object.values(ATTRIBUTE_CODES);
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.uint8Array({ maxLength: 40 }), (code, value) => {
        const padded = (value.length + 3) & ~3;
        const msg = new Uint8Array(24 + padded);
        msg.set([0, 1, (4 + padded) >> 8, (4 + padded) & 0xff, 0x21, 0x12, 0xa4, 0x42]);
        msg.set([code >> 8, code & 0xff, value.length >> 8, value.length & 0xff], 20);
        msg.set(value, 24);
        throwsOnlyParseError(() => decodeStunMessage(msg));
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a wrong cookie, bad length, and attributes after FINGERPRINT', () => {
    const ok = encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12), attributes: [] }, { fingerprint: true });
    const badCookie = ok.slice();
    badCookie[4] = 0;
    expect(() => decodeStunMessage(badCookie)).toThrow(ParseError);
    expect(() => decodeStunMessage(ok.subarray(0, ok.length - 4))).toThrow(ParseError);
    const after = new Uint8Array(ok.length + 8);
    after.set(ok);
    after.set([0x80, 0x22, 0, 0], ok.length);
    after[3] = ok.length - 20 + 4;
    expect(() => decodeStunMessage(after.subarray(0, ok.length + 4))).toThrow(/after FINGERPRINT/);
  });

  it('drops (and counts) unauthenticated attributes after MESSAGE-INTEGRITY', () => {
    const key = shortTermKey('pw');
    const signed = encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12), attributes: [{ type: 'USERNAME', value: 'a:b' }] }, { integrityKey: key });
    // Append SOFTWARE after MESSAGE-INTEGRITY: a receiver must ignore it.
    const extra = new Uint8Array(signed.length + 8);
    extra.set(signed);
    extra.set([0x80, 0x22, 0, 4, 0x65, 0x76, 0x69, 0x6c], signed.length);
    extra[3] = signed.length - 20 + 8;
    const m = decodeStunMessage(extra);
    expect(m.ignoredAfterIntegrity).toBe(1);
    expect(getAttribute(m, 'SOFTWARE')).toBeUndefined();
    expect(verifyMessageIntegrity(m, key)).toBe(true);
  });
});

describe('integrity and fingerprint', () => {
  const key = shortTermKey('VOkJxbRl1RmTxUk/WvJxBt');
  const key256 = longTermKey('user', 'realm', 'pass', { algorithm: PasswordAlgorithm.SHA256 });

  it('MESSAGE-INTEGRITY, -SHA256 and FINGERPRINT computed on encode verify on decode', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeStunMessage(m, { integrityKey: key, integritySha256Key: key256, fingerprint: true });
        const d = decodeStunMessage(bytes);
        expect(verifyMessageIntegrity(d, key)).toBe(true);
        expect(verifyMessageIntegritySha256(d, key256)).toBe(true);
        expect(verifyFingerprint(d)).toBe(true);
        expect(d.attributes.slice(-3).map((a: StunAttribute) => a.type)).toEqual(['MESSAGE-INTEGRITY', 'MESSAGE-INTEGRITY-SHA256', 'FINGERPRINT']);
      }),
      { numRuns: 300 },
    );
  });

  it('a truncated MESSAGE-INTEGRITY-SHA256 (16..32 bytes) verifies', () => {
    const m: StunMessage = { class: 'request', method: 1, transactionId: new Uint8Array(12).fill(7), attributes: [{ type: 'MESSAGE-INTEGRITY-SHA256', value: new Uint8Array(16) }] };
    const d = decodeStunMessage(encodeStunMessage(m, { integritySha256Key: key256 }));
    expect(getAttribute(d, 'MESSAGE-INTEGRITY-SHA256')?.value.length).toBe(16);
    expect(verifyMessageIntegritySha256(d, key256)).toBe(true);
  });

  it('a random bit flip fails the integrity or fingerprint check (or the decode) and never throws anything else', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 7 }), (m, pos, bit) => {
        const bytes = encodeStunMessage(m, { integrityKey: key, fingerprint: true });
        const flipped = bytes.slice();
        const at = pos % flipped.length;
        flipped[at] = (flipped[at] as number) ^ (1 << bit);
        let d;
        try {
          d = decodeStunMessage(flipped);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
          return;
        }
        const miOk = verifyMessageIntegrity(d, key);
        const fpOk = verifyFingerprint(d);
        // The CRC-32 catches every single-bit error; the HMAC catches all but flips in bytes it does not cover.
        expect(fpOk).toBe(false);
        if (at < bytes.length - 8) expect(miOk).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Chrome-style Binding request', () => {
  it('decodes GOOG-NETWORK-INFO (0xC057) as network id and cost', () => {
    // A Chrome ICE check carries GOOG-NETWORK-INFO with network id 1 and cost 10 (libwebrtc kNetworkCostLow).
    const m = decodeStunMessage(fromHex('0001 0008 2112a442 000102030405060708090a0b c057 0004 0001 000a'));
    expect(m.attributes).toEqual([{ type: 'GOOG-NETWORK-INFO', networkId: 1, networkCost: 10 }]);
  });
});

describe('node Buffer input', () => {
  it('decoding and verifying a Buffer (as dgram delivers) leaves it unchanged', () => {
    const key = shortTermKey('pw');
    const bytes = encodeStunMessage(
      { class: 'success', method: 1, transactionId: new Uint8Array(12).fill(3), attributes: [{ type: 'XOR-MAPPED-ADDRESS', family: 'IPv6', address: '2001:db8::5', port: 7 }] },
      { integrityKey: key, fingerprint: true },
    );
    const buf = Buffer.from(bytes);
    for (let i = 0; i < 2; i++) {
      const d = decodeStunMessage(buf);
      expect(getAttribute(d, 'XOR-MAPPED-ADDRESS')?.address).toBe('2001:db8::5');
      expect(verifyMessageIntegrity(d, key)).toBe(true);
      expect(verifyFingerprint(d)).toBe(true);
    }
    expect(toHex(buf)).toBe(toHex(bytes));
  });
});
