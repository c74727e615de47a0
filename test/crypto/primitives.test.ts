/**
 * Crypto primitives against published vectors (RFC 7748, 5869, 8439, 3711, GCM spec in
 * vectors/dtls/crypto-vectors.json) and against OpenSSL (TLS1-PRF via `openssl kdf`,
 * P-256 ECDH via node:crypto's OpenSSL, ECDSA via `openssl dgst`).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createECDH } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { seededRandom } from '../../src/common/random.js';
import { hkdfExpand, hkdfExtract, tls12Prf, hkdfExpandLabel } from '../../src/crypto/prf.js';
import { aesCtr, aesGcmOpen, aesGcmSeal, chacha20Poly1305Open, chacha20Poly1305Seal, chacha20Block16 } from '../../src/crypto/cipher.js';
import { NamedGroup, ecdheSharedSecret, generateEcdheKeyPair } from '../../src/crypto/ecdh.js';
import type { EcdheKeyPair } from '../../src/crypto/ecdh.js';
import { ecdsaP256Sign, ecdsaP256Verify, generateP256KeyPair } from '../../src/crypto/ecdsa.js';
import { privateKeyToPem, parseP256PrivateKey, pemToDer } from '../../src/crypto/x509.js';
import { ProtocolError } from '../../src/common/errors.js';

const V = JSON.parse(readFileSync(new URL('../../vectors/dtls/crypto-vectors.json', import.meta.url), 'utf8'));

describe('X25519 (RFC 7748 6.1)', () => {
  it('Alice and Bob agree on the RFC shared secret', () => {
    const alice: EcdheKeyPair = { group: NamedGroup.x25519, privateKey: fromHex(V.x25519.alicePrivate), publicKey: fromHex(V.x25519.alicePublic) };
    expect(toHex(x25519.getPublicKey(alice.privateKey))).toBe(V.x25519.alicePublic);
    expect(toHex(ecdheSharedSecret(alice, fromHex(V.x25519.bobPublic)))).toBe(V.x25519.shared);
  });
  it('rejects a small-order point (all-zero shared secret)', () => {
    const kp = generateEcdheKeyPair(NamedGroup.x25519, seededRandom(1));
    expect(() => ecdheSharedSecret(kp, new Uint8Array(32))).toThrow(ProtocolError);
    expect(() => ecdheSharedSecret(kp, new Uint8Array(31))).toThrow(ProtocolError);
  });
});

describe('P-256 ECDH against OpenSSL (node:crypto)', () => {
  it('derives the same X coordinate', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const ours = generateEcdheKeyPair(NamedGroup.secp256r1, seededRandom(seed));
      const theirs = createECDH('prime256v1');
      theirs.generateKeys();
      const s1 = ecdheSharedSecret(ours, new Uint8Array(theirs.getPublicKey()));
      const s2 = theirs.computeSecret(Buffer.from(ours.publicKey));
      expect(toHex(s1)).toBe(s2.toString('hex'));
    }
  });
  it('rejects a point off the curve', () => {
    const ours = generateEcdheKeyPair(NamedGroup.secp256r1, seededRandom(9));
    const bad = ours.publicKey.slice();
    bad[64] = (bad[64] as number) ^ 1;
    expect(() => ecdheSharedSecret(ours, bad)).toThrow(ProtocolError);
  });
});

describe('TLS 1.2 PRF against `openssl kdf TLS1-PRF`', () => {
  for (const [hashName, digest] of [['sha256', 'SHA256'], ['sha384', 'SHA384']] as const) {
    it(`P_${hashName}`, () => {
      const secret = fromHex('9bbe436ba940f017b17652849a71db35');
      const label = 'test label';
      const seed = fromHex('a0ba9f936cda311827a6f796ffd5198c');
      const out = execFileSync('openssl', ['kdf', '-keylen', '100', '-kdfopt', `digest:${digest}`, '-kdfopt', `hexsecret:${toHex(secret)}`, '-kdfopt', `hexseed:${toHex(new TextEncoder().encode(label))}${toHex(seed)}`, 'TLS1-PRF']).toString().trim();
      expect(toHex(tls12Prf(hashName, secret, label, seed, 100))).toBe(out.replace(/:/g, '').toLowerCase());
    });
  }
});

describe('HKDF (RFC 5869 A.1)', () => {
  it('extract and expand', () => {
    const prk = hkdfExtract('sha256', fromHex(V.hkdf.salt), fromHex(V.hkdf.ikm));
    expect(toHex(prk)).toBe(V.hkdf.prk);
    expect(toHex(hkdfExpand('sha256', prk, fromHex(V.hkdf.info), V.hkdf.length))).toBe(V.hkdf.okm);
  });
  it('expand-label has the RFC 8446 7.1 HkdfLabel layout', () => {
    const secret = new Uint8Array(32).fill(7);
    const label = 'key';
    const info = Uint8Array.from([0, 16, 6 + label.length, ...new TextEncoder().encode('tls13 ' + label), 0]);
    expect(toHex(hkdfExpandLabel('sha256', secret, label, new Uint8Array(0), 16))).toBe(toHex(hkdfExpand('sha256', secret, info, 16)));
  });
});

describe('AEAD and AES-CTR', () => {
  it('ChaCha20-Poly1305 (RFC 8439 2.8.2)', () => {
    const c = V.chacha20poly1305;
    const pt = new TextEncoder().encode(c.plaintextAscii);
    const sealed = chacha20Poly1305Seal(fromHex(c.key), fromHex(c.nonce), fromHex(c.aad), pt);
    expect(toHex(sealed)).toBe(c.ciphertext + c.tag);
    expect(new TextDecoder().decode(chacha20Poly1305Open(fromHex(c.key), fromHex(c.nonce), fromHex(c.aad), sealed))).toBe(c.plaintextAscii);
    sealed[3] = (sealed[3] as number) ^ 1;
    expect(chacha20Poly1305Open(fromHex(c.key), fromHex(c.nonce), fromHex(c.aad), sealed)).toBeUndefined();
  });
  it('AES-128-GCM (GCM spec test case 2)', () => {
    const g = V.aesGcm;
    const sealed = aesGcmSeal(fromHex(g.key), fromHex(g.nonce), new Uint8Array(0), fromHex(g.plaintext));
    expect(toHex(sealed)).toBe(g.ciphertext + g.tag);
    expect(toHex(aesGcmOpen(fromHex(g.key), fromHex(g.nonce), new Uint8Array(0), sealed)!)).toBe(g.plaintext);
    expect(aesGcmOpen(fromHex(g.key), fromHex(g.nonce), Uint8Array.of(1), sealed)).toBeUndefined();
    expect(aesGcmOpen(fromHex(g.key), fromHex(g.nonce), new Uint8Array(0), sealed.subarray(0, 10))).toBeUndefined();
  });
  it('ChaCha20 block function (RFC 8439 2.3.2), as DTLS 1.3 record number masks use it', () => {
    const c = V.chacha20Block;
    expect(toHex(chacha20Block16(fromHex(c.key), fromHex(c.counterAndNonce)))).toBe(c.first16);
  });
  it('AES-CTR (RFC 3711 B.2 keystream)', () => {
    const a = V.aesCtr;
    expect(toHex(aesCtr(fromHex(a.key), fromHex(a.counter), new Uint8Array(48)))).toBe(a.keystream);
  });
});

describe('ECDSA P-256 with SHA-256 against `openssl dgst`', () => {
  it('openssl verifies our signature and we verify openssl\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purertc-ecdsa-'));
    try {
      const kp = generateP256KeyPair(seededRandom(3));
      writeFileSync(join(dir, 'key.pem'), privateKeyToPem(kp.privateKey, kp.publicKey));
      execFileSync('openssl', ['pkey', '-in', join(dir, 'key.pem'), '-pubout', '-out', join(dir, 'pub.pem')]);
      const msg = new TextEncoder().encode('signed by purertc');
      writeFileSync(join(dir, 'msg'), msg);
      writeFileSync(join(dir, 'sig'), ecdsaP256Sign(kp.privateKey, msg));
      expect(execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'msg')]).toString()).toMatch(/Verified OK/);
      execFileSync('openssl', ['dgst', '-sha256', '-sign', join(dir, 'key.pem'), '-out', join(dir, 'sig2'), join(dir, 'msg')]);
      const sig2 = new Uint8Array(readFileSync(join(dir, 'sig2')));
      expect(ecdsaP256Verify(kp.publicKey, msg, sig2)).toBe(true);
      expect(ecdsaP256Verify(kp.publicKey, new TextEncoder().encode('other'), sig2)).toBe(false);
      expect(ecdsaP256Verify(kp.publicKey, msg, sig2.subarray(1))).toBe(false);
      // An openssl-generated key file reads back to the same scalar.
      execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'sec1.pem')]);
      const sec1 = parseP256PrivateKey(pemToDer(readFileSync(join(dir, 'sec1.pem'), 'utf8'), 'EC PRIVATE KEY'));
      const text = execFileSync('openssl', ['ec', '-in', join(dir, 'sec1.pem'), '-noout', '-text']).toString();
      const priv = /priv:\s*([\s\S]*?)pub:/.exec(text)![1]!.replace(/[\s:]/g, '');
      expect(toHex(sec1)).toBe(priv.padStart(64, '0'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
