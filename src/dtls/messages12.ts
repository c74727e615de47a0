/**
 * @module dtls/messages12
 * The TLS 1.2 handshake bodies after the hellos, as DTLS 1.2 carries them (RFC 6347
 * 4.3.2): Certificate (RFC 5246 7.4.2), ServerKeyExchange for ECDHE_ECDSA (RFC 8422
 * 5.4), CertificateRequest (RFC 5246 7.4.4, RFC 8422 5.5), ServerHelloDone (7.4.5),
 * ClientKeyExchange (RFC 8422 5.7), CertificateVerify (RFC 5246 7.4.8) and Finished
 * (RFC 5246 7.4.9).
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { EC_CURVE_TYPE_NAMED_CURVE } from './constants.js';

/** Certificates accepted in one Certificate message (WebRTC sends one). */
export const MAX_CERTIFICATES = 8;

/** Certificate: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
export function serializeCertificateMessage(chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(16 + chain.reduce((n, c) => n + c.length + 3, 0));
  w.u24(chain.reduce((n, c) => n + c.length + 3, 0));
  for (const c of chain) w.u24(c.length).bytes(c);
  return w.finish();
}

export function parseCertificateMessage(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const list = new Reader(r.bytesView(r.u24('certificate_list length'), 'certificate_list'));
  if (!r.done) throw new ParseError('certificate: trailing bytes');
  const out: Uint8Array[] = [];
  while (!list.done) {
    if (out.length >= MAX_CERTIFICATES) throw new ParseError('certificate: too many certificates');
    const len = list.u24('certificate length');
    if (len === 0) throw new ParseError('certificate: empty certificate');
    out.push(list.bytesCopy(len, 'certificate'));
  }
  return out;
}

/** ServerECDHParams and its signature (RFC 8422 5.4). */
export interface ServerKeyExchange {
  readonly namedGroup: number;
  readonly publicKey: Uint8Array;
  readonly signatureScheme: number;
  readonly signature: Uint8Array;
}

/** The ServerECDHParams bytes that the signature covers after the two randoms. */
export function serializeEcdhParams(namedGroup: number, publicKey: Uint8Array): Uint8Array {
  return new Writer(4 + publicKey.length).u8(EC_CURVE_TYPE_NAMED_CURVE).u16(namedGroup).u8(publicKey.length).bytes(publicKey).finish();
}

export function serializeServerKeyExchange(m: ServerKeyExchange): Uint8Array {
  const w = new Writer(160);
  w.bytes(serializeEcdhParams(m.namedGroup, m.publicKey)).u16(m.signatureScheme).u16(m.signature.length).bytes(m.signature);
  return w.finish();
}

export function parseServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body);
  if (r.u8('curve_type') !== EC_CURVE_TYPE_NAMED_CURVE) throw new ParseError('server_key_exchange: curve_type is not named_curve');
  const namedGroup = r.u16('named_curve');
  const pkLen = r.u8('public length');
  if (pkLen === 0) throw new ParseError('server_key_exchange: empty public value');
  const publicKey = r.bytesCopy(pkLen, 'public');
  const signatureScheme = r.u16('signature algorithm');
  const signature = r.bytesCopy(r.u16('signature length'), 'signature');
  if (!r.done) throw new ParseError('server_key_exchange: trailing bytes');
  return { namedGroup, publicKey, signatureScheme, signature };
}

export interface CertificateRequest {
  readonly certificateTypes: readonly number[];
  readonly signatureSchemes: readonly number[];
  readonly authorities: Uint8Array;
}

export function serializeCertificateRequest(m: CertificateRequest): Uint8Array {
  const w = new Writer(32);
  w.u8(m.certificateTypes.length);
  for (const t of m.certificateTypes) w.u8(t);
  w.u16(m.signatureSchemes.length * 2);
  for (const s of m.signatureSchemes) w.u16(s);
  w.u16(m.authorities.length).bytes(m.authorities);
  return w.finish();
}

export function parseCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const certificateTypes = Array.from(r.bytesView(r.u8('certificate_types length'), 'certificate_types'));
  const sLen = r.u16('supported_signature_algorithms length');
  if (sLen % 2 !== 0) throw new ParseError('certificate_request: odd signature list length');
  const sr = new Reader(r.bytesView(sLen, 'supported_signature_algorithms'));
  const signatureSchemes: number[] = [];
  while (!sr.done) signatureSchemes.push(sr.u16('signature scheme'));
  const authorities = r.bytesCopy(r.u16('certificate_authorities length'), 'certificate_authorities');
  if (!r.done) throw new ParseError('certificate_request: trailing bytes');
  return { certificateTypes, signatureSchemes, authorities };
}

export function parseServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0) throw new ParseError('server_hello_done: not empty');
}

/** ClientECDiffieHellmanPublic: ecdh_Yc<1..2^8-1> (RFC 8422 5.7). */
export function serializeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new Writer(1 + publicKey.length).u8(publicKey.length).bytes(publicKey).finish();
}

export function parseClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const len = r.u8('ecdh_Yc length');
  if (len === 0) throw new ParseError('client_key_exchange: empty public value');
  const pk = r.bytesCopy(len, 'ecdh_Yc');
  if (!r.done) throw new ParseError('client_key_exchange: trailing bytes');
  return pk;
}

/** digitally-signed struct: SignatureAndHashAlgorithm + signature<0..2^16-1> (RFC 5246 4.7). */
export interface DigitallySigned {
  readonly signatureScheme: number;
  readonly signature: Uint8Array;
}

export function serializeDigitallySigned(m: DigitallySigned): Uint8Array {
  return new Writer(4 + m.signature.length).u16(m.signatureScheme).u16(m.signature.length).bytes(m.signature).finish();
}

export function parseDigitallySigned(body: Uint8Array): DigitallySigned {
  const r = new Reader(body);
  const signatureScheme = r.u16('signature algorithm');
  const signature = r.bytesCopy(r.u16('signature length'), 'signature');
  if (!r.done) throw new ParseError('certificate_verify: trailing bytes');
  return { signatureScheme, signature };
}

/** Finished.verify_data is 12 bytes for every TLS 1.2 suite here (RFC 5246 7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

export function parseFinished(body: Uint8Array): Uint8Array {
  if (body.length !== VERIFY_DATA_LENGTH) throw new ParseError(`finished: verify_data must be ${VERIFY_DATA_LENGTH} bytes`);
  return body;
}
