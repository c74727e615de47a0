/**
 * Certificates against OpenSSL: openssl reads and verifies the self-signed certificate we
 * build (RFC 5280 4.1), our parser reads openssl's, fingerprints match `openssl x509
 * -fingerprint` (RFC 8122 5 form), and the DER/X.509 parsers survive random input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/common/random.js';
import { ParseError } from '../../src/common/errors.js';
import { toHex } from '../../src/common/hex.js';
import {
  certificateFingerprint,
  certificateP256PublicKey,
  certificateToPem,
  formatFingerprint,
  generateCertificate,
  parseCertificate,
  parseFingerprint,
  pemToDer,
  privateKeyToPem,
  verifySelfSigned,
  fingerprintMatches,
} from '../../src/crypto/x509.js';
import { DerReader } from '../../src/crypto/der.js';

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'purertc-x509-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('X.509 self-signed ECDSA P-256 certificates', () => {
  it('openssl parses and verifies ours; key and fingerprint agree', () => {
    withDir((dir) => {
      const notBefore = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
      const cert = generateCertificate({ notBefore, rng: seededRandom(42), commonName: 'purertc-test', validityMs: 3650 * 86400_000 });
      writeFileSync(join(dir, 'c.pem'), certificateToPem(cert.der));
      writeFileSync(join(dir, 'k.pem'), privateKeyToPem(cert.privateKey, cert.publicKey));
      const text = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text']).toString();
      expect(text).toMatch(/Version: 3/);
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(text).toMatch(/NIST CURVE: P-256|prime256v1/);
      expect(text).toMatch(/Subject: CN = purertc-test/);
      expect(text).toMatch(/Not Before: Jan  1 12:00:00 2026 GMT/);
      expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'c.pem'), '-attime', String(notBefore.getTime() / 1000 + 60), join(dir, 'c.pem')]).toString()).toMatch(/OK/);
      // The private key file matches the certificate's public key.
      const pubFromKey = execFileSync('openssl', ['pkey', '-in', join(dir, 'k.pem'), '-pubout']).toString();
      const pubFromCert = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-pubkey']).toString();
      expect(pubFromKey).toBe(pubFromCert);
      const fp = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-fingerprint', '-sha256']).toString();
      expect(formatFingerprint(certificateFingerprint(cert.der))).toBe(`sha-256 ${fp.split('=')[1]!.trim()}`);
      expect(verifySelfSigned(cert.der)).toBe(true);
    });
  });

  it("reads openssl's certificate", () => {
    withDir((dir) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=openssl', '-days', '5', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
      const der = pemToDer(readFileSync(join(dir, 'c.pem'), 'utf8'));
      const parsed = parseCertificate(der);
      expect(parsed.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
      expect(parsed.namedCurve).toBe('1.2.840.10045.3.1.7');
      expect(parsed.notAfter.getTime() - parsed.notBefore.getTime()).toBe(5 * 86400_000);
      const pubText = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text']).toString();
      const pub = /pub:\s*([\s\S]*?)ASN1 OID/.exec(pubText)![1]!.replace(/[\s:]/g, '');
      expect(toHex(certificateP256PublicKey(der))).toBe(pub);
      const serial = execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-serial']).toString().split('=')[1]!.trim().toLowerCase();
      expect(BigInt(`0x${toHex(parsed.serialNumber)}`)).toBe(BigInt(`0x${serial}`));
      expect(verifySelfSigned(der)).toBe(true);
      const tampered = der.slice();
      tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 1;
      expect(verifySelfSigned(tampered)).toBe(false);
    });
  });

  it('fingerprint text round trips and compares case-insensitively', () => {
    const cert = generateCertificate({ notBefore: new Date(Date.UTC(2026, 0, 1)), rng: seededRandom(1) });
    const fp = certificateFingerprint(cert.der);
    const parsed = parseFingerprint(formatFingerprint(fp).toLowerCase());
    expect(parsed).toEqual(fp);
    expect(fingerprintMatches(cert.der, parsed)).toBe(true);
    expect(() => parseFingerprint('sha-256 AB:CD')).toThrow(ParseError);
    expect(() => parseFingerprint('md5 AB')).toThrow(ParseError);
  });

  it('random bytes make the DER and certificate parsers throw only ParseError', () => {
    const cert = generateCertificate({ notBefore: new Date(Date.UTC(2026, 0, 1)), rng: seededRandom(2) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), fc.nat(), (bytes, pos, val) => {
        const mutated = cert.der.slice();
        mutated[pos % mutated.length] = val & 0xff;
        for (const input of [bytes, mutated, mutated.subarray(0, pos % mutated.length)]) {
          try {
            parseCertificate(input);
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
          try {
            const r = new DerReader(input);
            while (!r.done) r.next();
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
