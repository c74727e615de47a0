/**
 * The node:crypto (OpenSSL) fast path for the handshake's curve operations
 * (src/crypto/node-keys.ts, ecdsa.ts, ecdh.ts) against things we did not write:
 * RFC 7748 5.2 and 6.1 X25519 vectors, RFC 6979 A.2.5 P-256/SHA-256 signatures and the
 * C2SP CCTV RFC 6979 rejection-sampling vector (a P-256 message whose first nonce
 * candidate is >= n), @noble/curves (the previous provider) on random keys and
 * messages, and OpenSSL's own point validation for hostile public values.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { seededRandom } from '../../src/common/random.js';
import { ProtocolError } from '../../src/common/errors.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair, x25519PublicKey, x25519SharedSecret } from '../../src/crypto/ecdh.js';
import type { EcdheKeyPair } from '../../src/crypto/ecdh.js';
import { ecdsaP256Sign, ecdsaP256Verify, generateP256KeyPair, p256PublicKey } from '../../src/crypto/ecdsa.js';
import { x25519 } from '../../src/crypto/node-keys.js';

const RUNS = 25;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const n = p256.Point.Fn.ORDER;
const nobleSign = (d: Uint8Array, m: Uint8Array): Uint8Array =>
  p256.sign(new Uint8Array(createHash('sha256').update(m).digest()), d, { prehash: false, format: 'der', lowS: false });
const nobleVerify = (q: Uint8Array, m: Uint8Array, sig: Uint8Array, h: 'sha256' | 'sha384' = 'sha256'): boolean => {
  try {
    return p256.verify(sig, new Uint8Array(createHash(h).update(m).digest()), q, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
};
const derRS = (sig: Uint8Array): string => {
  const s = p256.Signature.fromBytes(sig, 'der');
  return s.r.toString(16).padStart(64, '0') + s.s.toString(16).padStart(64, '0');
};
const arbSeed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const arbMessage = fc.uint8Array({ maxLength: 300 });

describe('X25519 on node:crypto (RFC 7748)', () => {
  it('5.2 scalar multiplication vectors (second u has its top bit set, which must be masked)', () => {
    expect(toHex(x25519(fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'))))
      .toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    expect(toHex(x25519(fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'), fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'))))
      .toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });

  it('5.2 iterated vector after 1 and 1,000 iterations', () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const next = x25519(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('6.1 Alice and Bob: public keys and the shared secret', () => {
    const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(x25519PublicKey(a))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(x25519PublicKey(b))).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(x25519SharedSecret(a, x25519PublicKey(b)))).toBe(shared);
    const alice: EcdheKeyPair = { group: NamedGroup.x25519, privateKey: a, publicKey: x25519PublicKey(a) };
    expect(toHex(ecdheSharedSecret(alice, fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')))).toBe(shared);
  });

  it('agrees with @noble/curves on random keys (public values and shared secrets)', () => {
    fc.assert(
      fc.property(arbSeed, arbSeed, (s1, s2) => {
        const ours = generateEcdheKeyPair(NamedGroup.x25519, seededRandom(s1));
        const theirs = seededRandom(s2).fill(new Uint8Array(32));
        expect(toHex(ours.publicKey)).toBe(toHex(nobleX25519.getPublicKey(ours.privateKey)));
        const s = ecdheSharedSecret(ours, nobleX25519.getPublicKey(theirs));
        expect(toHex(s)).toBe(toHex(nobleX25519.getSharedSecret(theirs, ours.publicKey)));
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects small-order points (all-zero result) and wrong sizes with ProtocolError', () => {
    const kp = generateEcdheKeyPair(NamedGroup.x25519, seededRandom(3));
    // RFC 7748 6.1 / the well-known small-order u values: 0, 1, and the order-8 points.
    const smallOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const u of smallOrder) expect(() => ecdheSharedSecret(kp, fromHex(u)), u).toThrow(ProtocolError);
    for (const len of [0, 31, 33, 65]) expect(() => ecdheSharedSecret(kp, new Uint8Array(len).fill(9))).toThrow(ProtocolError);
  });
});

describe('P-256 ECDH on node:crypto', () => {
  it('key generation from a seeded source and shared X agree with @noble/curves', () => {
    fc.assert(
      fc.property(arbSeed, arbSeed, (s1, s2) => {
        const ours = generateEcdheKeyPair(NamedGroup.secp256r1, seededRandom(s1));
        expect(toHex(ours.publicKey)).toBe(toHex(p256.getPublicKey(ours.privateKey, false)));
        const theirs = p256.utils.randomSecretKey(seededRandom(s2).fill(new Uint8Array(48)));
        const s = ecdheSharedSecret(ours, p256.getPublicKey(theirs, false));
        expect(toHex(s)).toBe(toHex(p256.getSharedSecret(theirs, ours.publicKey, true).subarray(1)));
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects invalid peer points with ProtocolError, as @noble/curves does', () => {
    const own = generateEcdheKeyPair(NamedGroup.secp256r1, seededRandom(5));
    const good = generateEcdheKeyPair(NamedGroup.secp256r1, seededRandom(6)).publicKey;
    const offCurve = good.slice();
    offCurve[64] = offCurve[64]! ^ 1;
    const xTooBig = new Uint8Array(65).fill(0xff);
    xTooBig[0] = 4;
    const zero = new Uint8Array(65);
    zero[0] = 4;
    const bad = [offCurve, xTooBig, zero, new Uint8Array(1), Uint8Array.of(4), good.subarray(0, 33), p256.getPublicKey(own.privateKey, true), Uint8Array.of(6, ...good.subarray(1))];
    for (const q of bad) {
      expect(() => ecdheSharedSecret(own, q), toHex(q)).toThrow(ProtocolError);
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (xy) => {
        const q = Uint8Array.of(4, ...xy);
        let nobleOk = true;
        try {
          p256.Point.fromBytes(q).assertValidity();
        } catch {
          nobleOk = false;
        }
        if (nobleOk) expect(ecdheSharedSecret(own, q)).toHaveLength(32);
        else expect(() => ecdheSharedSecret(own, q)).toThrow(ProtocolError);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('ECDSA P-256 on node:crypto', () => {
  const x = fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
  const U = '0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299';

  it('RFC 6979 A.2.5 (SHA-256, "sample" and "test") and the CCTV rejection-sampling vector', () => {
    expect(toHex(p256PublicKey(x))).toBe(U);
    const vectors: [string, string][] = [
      ['sample', 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716' + 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8'],
      ['test', 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367' + '019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083'],
      // First HMAC-DRBG candidate is >= n, so 3.2 h.3 runs once.
      ['wv[vnX', 'efd9073b652e76da1b5a019c0e4a2e3fa529b035a6abb91ef67f0ed7a1f21234' + '3db4706c9d9f4a4fe13bb5e08ef0fab53a57dbab2061c83a35fa411c68d2ba33'],
    ];
    for (const [m, rs] of vectors) {
      const sig = ecdsaP256Sign(x, utf8(m));
      expect(derRS(sig), m).toBe(rs);
      expect(ecdsaP256Verify(fromHex(U), utf8(m), sig)).toBe(true);
    }
  });

  it('signatures are byte-identical to @noble/curves (RFC 6979) and verify both ways', () => {
    fc.assert(
      fc.property(arbSeed, arbMessage, (seed, msg) => {
        const kp = generateP256KeyPair(seededRandom(seed));
        expect(toHex(kp.publicKey)).toBe(toHex(p256.getPublicKey(kp.privateKey, false)));
        const ours = ecdsaP256Sign(kp.privateKey, msg);
        const theirs = nobleSign(kp.privateKey, msg);
        expect(toHex(ours)).toBe(toHex(theirs));
        expect(nobleVerify(kp.publicKey, msg, ours)).toBe(true);
        expect(ecdsaP256Verify(kp.publicKey, msg, theirs)).toBe(true);
        // A high-S twin (n - s) is valid ECDSA; both accept it (lowS: false before).
        const S = p256.Signature.fromBytes(theirs, 'der');
        const twin = new p256.Signature(S.r, n - S.s).toBytes('der');
        expect(ecdsaP256Verify(kp.publicKey, msg, twin)).toBe(true);
        expect(ecdsaP256Verify(kp.publicKey, Uint8Array.of(...msg, 0), ours)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('verifies SHA-384 signatures over P-256 (RFC 5246 7.4.1.4.1) made by @noble/curves', () => {
    fc.assert(
      fc.property(arbSeed, arbMessage, (seed, msg) => {
        const kp = generateP256KeyPair(seededRandom(seed));
        const digest = new Uint8Array(createHash('sha384').update(msg).digest());
        const sig = p256.sign(digest, kp.privateKey, { prehash: false, format: 'der', lowS: false });
        expect(ecdsaP256Verify(kp.publicKey, msg, sig, 'sha384')).toBe(true);
        expect(ecdsaP256Verify(kp.publicKey, msg, sig, 'sha256')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('a mutated, truncated or extended signature gets the same verdict as @noble/curves', () => {
    const kp = generateP256KeyPair(seededRandom(77));
    const msg = utf8('mutate me');
    const sig = ecdsaP256Sign(kp.privateKey, msg);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.nat({ max: sig.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, b]) => {
            const s = sig.slice();
            s[i] = s[i]! ^ b;
            return s;
          }),
          fc.nat({ max: sig.length - 1 }).map((l) => sig.subarray(0, l)),
          fc.uint8Array({ minLength: 1, maxLength: 4 }).map((extra) => Uint8Array.of(...sig, ...extra)),
          fc.uint8Array({ maxLength: 80 }),
        ),
        (bad) => {
          expect(ecdsaP256Verify(kp.publicKey, msg, bad)).toBe(nobleVerify(kp.publicKey, msg, bad));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('invalid public keys verify nothing (false, never a throw)', () => {
    const kp = generateP256KeyPair(seededRandom(78));
    const msg = utf8('m');
    const sig = ecdsaP256Sign(kp.privateKey, msg);
    const offCurve = kp.publicKey.slice();
    offCurve[64] = offCurve[64]! ^ 1;
    const bad = [offCurve, new Uint8Array(65), new Uint8Array(0), kp.publicKey.subarray(0, 64), Uint8Array.of(5, ...kp.publicKey.subarray(1))];
    for (const q of bad) expect(ecdsaP256Verify(q, msg, sig)).toBe(false);
    // Compressed form of the right key still verifies, as before.
    expect(ecdsaP256Verify(p256.getPublicKey(kp.privateKey, true), msg, sig)).toBe(true);
  });

  it('a cached key follows in-place changes to the caller\'s array', () => {
    const a = generateP256KeyPair(seededRandom(80));
    const b = generateP256KeyPair(seededRandom(81));
    const msg = utf8('cache');
    const q = a.publicKey.slice();
    expect(ecdsaP256Verify(q, msg, ecdsaP256Sign(a.privateKey, msg))).toBe(true);
    q.set(b.publicKey);
    expect(ecdsaP256Verify(q, msg, ecdsaP256Sign(a.privateKey, msg))).toBe(false);
    expect(ecdsaP256Verify(q, msg, ecdsaP256Sign(b.privateKey, msg))).toBe(true);
    const k = seededRandom(82).fill(new Uint8Array(32));
    const pk1 = x25519PublicKey(k);
    k[0] = k[0]! ^ 0x40;
    expect(toHex(x25519PublicKey(k))).not.toBe(toHex(pk1));
    expect(toHex(x25519PublicKey(k))).toBe(toHex(nobleX25519.getPublicKey(k)));
  });
});
