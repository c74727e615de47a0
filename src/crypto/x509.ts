/**
 * @module crypto/x509
 * Self-signed X.509 v3 certificates for DTLS-SRTP (RFC 5280 4.1 structure; ECDSA P-256
 * keys and ecdsa-with-SHA256 signatures per RFC 5480 2 and RFC 5758 3.2), their
 * fingerprints in SDP form (RFC 8122 5: `sha-256 AB:CD:...`), a parser that reads any
 * DER certificate far enough to get its subject public key, and PEM text (RFC 7468).
 * WebRTC peers authenticate certificates by fingerprint only (RFC 8827 6.5), so no
 * chain building is done here.
 */
import { ParseError, InvalidArgumentError } from '../common/errors.js';
import { toHex } from '../common/hex.js';
import type { RandomSource } from '../common/random.js';
import {
  DerReader,
  DerTag,
  decodeBitString,
  decodeOid,
  decodeTime,
  decodeUnsignedInteger,
  derBitString,
  derExplicit,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  derTime,
  derTlv,
  derUnsignedInteger,
  derUtf8String,
} from './der.js';
import { ecdsaP256Sign, ecdsaP256Verify, generateP256KeyPair } from './ecdsa.js';
import { hash } from './hash.js';
import type { HashAlgorithm } from './hash.js';

export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  commonName: '2.5.4.3',
} as const;

/** A certificate and the P-256 private key that goes with it. */
export interface Certificate {
  /** The DER encoding (what TLS Certificate messages carry). */
  readonly der: Uint8Array;
  /** 32-byte P-256 private scalar. */
  readonly privateKey: Uint8Array;
  /** 65-byte uncompressed public point. */
  readonly publicKey: Uint8Array;
}

export interface CertificateOptions {
  /** Start of validity; the caller passes its clock (crypto reads none). */
  readonly notBefore: Date;
  /** Validity length; 30 days by default (browsers use about a month). */
  readonly validityMs?: number;
  readonly commonName?: string;
  readonly rng: RandomSource;
}

const DEFAULT_VALIDITY_MS = 30 * 24 * 3600 * 1000;

/** Builds a self-signed ECDSA P-256 certificate (RFC 5280 4.1, v3, no extensions). */
export function generateCertificate(options: CertificateOptions): Certificate {
  const { privateKey, publicKey } = generateP256KeyPair(options.rng);
  const serial = options.rng.fill(new Uint8Array(16));
  serial[0] = (serial[0] as number) & 0x7f; // positive, RFC 5280 4.1.2.2
  if (serial[0] === 0) serial[0] = 1;
  const name = derSequence(derSet(derSequence(derOid(Oid.commonName), derUtf8String(options.commonName ?? 'purertc'))));
  const notAfter = new Date(options.notBefore.getTime() + (options.validityMs ?? DEFAULT_VALIDITY_MS));
  const sigAlg = derSequence(derOid(Oid.ecdsaWithSha256));
  const spki = derSequence(derSequence(derOid(Oid.ecPublicKey), derOid(Oid.prime256v1)), derBitString(publicKey));
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)),
    derUnsignedInteger(serial),
    sigAlg,
    name,
    derSequence(derTime(options.notBefore), derTime(notAfter)),
    name,
    spki,
  );
  const der = derSequence(tbs, sigAlg, derBitString(ecdsaP256Sign(privateKey, tbs)));
  return { der, privateKey, publicKey };
}

/** The fields of a certificate that DTLS needs. */
export interface ParsedCertificate {
  readonly tbs: Uint8Array;
  readonly serialNumber: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** OID of the subject key algorithm. */
  readonly publicKeyAlgorithm: string;
  /** OID of the named curve for EC keys, undefined otherwise. */
  readonly namedCurve: string | undefined;
  /** The subjectPublicKey BIT STRING contents (EC: the encoded point). */
  readonly publicKey: Uint8Array;
}

/** Reads a DER certificate (RFC 5280 4.1). Throws only ParseError. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const top = new DerReader(der);
  const certEl = top.expect(DerTag.Sequence, 'Certificate');
  top.end('Certificate');
  const cert = new DerReader(certEl.value, 1);
  const tbsEl = cert.expect(DerTag.Sequence, 'tbsCertificate');
  const sigAlgR = cert.enter(DerTag.Sequence, 'signatureAlgorithm');
  const signatureAlgorithm = decodeOid(sigAlgR.expect(DerTag.Oid, 'algorithm').value);
  const signature = decodeBitString(cert.expect(DerTag.BitString, 'signatureValue').value);
  cert.end('Certificate');
  const tbs = new DerReader(tbsEl.value, 2);
  if (tbs.peekTag() === 0xa0) tbs.next('version');
  const serialNumber = tbs.expect(DerTag.Integer, 'serialNumber').value;
  tbs.expect(DerTag.Sequence, 'signature');
  tbs.expect(DerTag.Sequence, 'issuer');
  const validity = tbs.enter(DerTag.Sequence, 'validity');
  const notBefore = decodeTime(validity.next('notBefore'));
  const notAfter = decodeTime(validity.next('notAfter'));
  tbs.expect(DerTag.Sequence, 'subject');
  const spki = tbs.enter(DerTag.Sequence, 'subjectPublicKeyInfo');
  const alg = spki.enter(DerTag.Sequence, 'algorithm');
  const publicKeyAlgorithm = decodeOid(alg.expect(DerTag.Oid, 'algorithm').value);
  let namedCurve: string | undefined;
  if (!alg.done) {
    const p = alg.next('parameters');
    if (p.tag === DerTag.Oid) namedCurve = decodeOid(p.value);
  }
  const publicKey = decodeBitString(spki.expect(DerTag.BitString, 'subjectPublicKey').value);
  return {
    tbs: tbsEl.raw,
    serialNumber,
    signatureAlgorithm,
    signature,
    notBefore,
    notAfter,
    publicKeyAlgorithm,
    namedCurve,
    publicKey,
  };
}

/** The P-256 public point of a certificate, or ParseError if it holds another key type. */
export function certificateP256PublicKey(der: Uint8Array): Uint8Array {
  const c = parseCertificate(der);
  if (c.publicKeyAlgorithm !== Oid.ecPublicKey || c.namedCurve !== Oid.prime256v1) {
    throw new ParseError(`certificate key is not ECDSA P-256 (${c.publicKeyAlgorithm} ${c.namedCurve ?? ''})`);
  }
  if (c.publicKey.length !== 65 || c.publicKey[0] !== 4) throw new ParseError('certificate P-256 key is not uncompressed');
  return c.publicKey;
}

/** True when a self-signed ECDSA P-256 certificate's signature verifies under its own key. */
export function verifySelfSigned(der: Uint8Array): boolean {
  try {
    const c = parseCertificate(der);
    const key = certificateP256PublicKey(der);
    if (c.signatureAlgorithm === Oid.ecdsaWithSha256) return ecdsaP256Verify(key, c.tbs, c.signature, 'sha256');
    if (c.signatureAlgorithm === Oid.ecdsaWithSha384) return ecdsaP256Verify(key, c.tbs, c.signature, 'sha384');
    return false;
  } catch {
    return false;
  }
}

/** SDP hash function names (RFC 8122 5, IANA "Hash Function Textual Names"). */
export type FingerprintAlgorithm = 'sha-1' | 'sha-256' | 'sha-384' | 'sha-512';

const FINGERPRINT_HASH: Record<FingerprintAlgorithm, HashAlgorithm> = {
  'sha-1': 'sha1',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

export interface Fingerprint {
  readonly algorithm: FingerprintAlgorithm;
  /** Upper-case hex pairs joined by ':' (RFC 8122 5). */
  readonly value: string;
}

export function certificateFingerprint(der: Uint8Array, algorithm: FingerprintAlgorithm = 'sha-256'): Fingerprint {
  return { algorithm, value: toHex(hash(FINGERPRINT_HASH[algorithm], der), ':').toUpperCase() };
}

/** `sha-256 AB:CD:...` as in `a=fingerprint:` (RFC 8122 5). */
export function formatFingerprint(fp: Fingerprint): string {
  return `${fp.algorithm} ${fp.value}`;
}

/** Parses `sha-256 AB:CD:...` (case-insensitive). Throws ParseError. */
export function parseFingerprint(text: string): Fingerprint {
  const m = /^\s*(sha-1|sha-256|sha-384|sha-512)\s+((?:[0-9a-fA-F]{2}:)*[0-9a-fA-F]{2})\s*$/i.exec(text);
  if (!m) throw new ParseError(`fingerprint: cannot parse ${JSON.stringify(text.slice(0, 200))}`);
  const algorithm = (m[1] as string).toLowerCase() as FingerprintAlgorithm;
  const value = (m[2] as string).toUpperCase();
  const expect: Record<FingerprintAlgorithm, number> = { 'sha-1': 20, 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 };
  if (value.split(':').length !== expect[algorithm]) throw new ParseError(`fingerprint: wrong length for ${algorithm}`);
  return { algorithm, value };
}

/** True when `der` has the given fingerprint (case-insensitive hex). */
export function fingerprintMatches(der: Uint8Array, fp: Fingerprint): boolean {
  return certificateFingerprint(der, fp.algorithm).value === fp.value.toUpperCase();
}

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function certificateToPem(der: Uint8Array): string {
  return pem('CERTIFICATE', der);
}

/** PKCS #8 PrivateKeyInfo (RFC 5208 5) around an RFC 5915 ECPrivateKey. */
export function privateKeyToPkcs8(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new InvalidArgumentError('P-256 private key must be 32 bytes');
  const ecPrivateKey = derSequence(derSmallInteger(1), derTlvOctets(privateKey), derExplicit(1, derBitString(publicKey)));
  return derSequence(derSmallInteger(0), derSequence(derOid(Oid.ecPublicKey), derOid(Oid.prime256v1)), derTlvOctets(ecPrivateKey));
}

function derTlvOctets(b: Uint8Array): Uint8Array {
  return derTlv(DerTag.OctetString, b);
}

export function privateKeyToPem(privateKey: Uint8Array, publicKey: Uint8Array): string {
  return pem('PRIVATE KEY', privateKeyToPkcs8(privateKey, publicKey));
}

/** DER bytes of the first PEM block with `label` (RFC 7468 2). Throws ParseError. */
export function pemToDer(text: string, label = 'CERTIFICATE'): Uint8Array {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(text);
  if (!m) throw new ParseError(`pem: no ${label} block`);
  const body = (m[1] as string).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new ParseError('pem: bad base64');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** The 32-byte scalar of a PKCS #8 or SEC1 ("EC PRIVATE KEY") P-256 key in DER. */
export function parseP256PrivateKey(der: Uint8Array): Uint8Array {
  const top = new DerReader(der).enter(DerTag.Sequence, 'PrivateKey');
  const version = decodeUnsignedInteger(top.expect(DerTag.Integer, 'version').value);
  let ec: DerReader;
  if (version.length === 1 && version[0] === 0) {
    const alg = top.enter(DerTag.Sequence, 'privateKeyAlgorithm');
    if (decodeOid(alg.expect(DerTag.Oid, 'algorithm').value) !== Oid.ecPublicKey) throw new ParseError('pkcs8: not an EC key');
    ec = new DerReader(top.expect(DerTag.OctetString, 'privateKey').value).enter(DerTag.Sequence, 'ECPrivateKey');
    ec.expect(DerTag.Integer, 'version');
  } else ec = top;
  const d = ec.expect(DerTag.OctetString, 'privateKey').value;
  if (d.length !== 32) throw new ParseError('P-256 private key must be 32 bytes');
  return d.slice();
}
