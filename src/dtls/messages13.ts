/**
 * @module dtls/messages13
 * DTLS 1.3 handshake bodies (RFC 8446 4 as carried by RFC 9147 5): ServerHello with
 * supported_versions and key_share (RFC 8446 4.1.3, 4.2.1, 4.2.8), EncryptedExtensions
 * (4.3.1), CertificateRequest (4.3.2), Certificate (4.4.2), Finished (4.4.4), the ACK
 * content (RFC 9147 7), and the key_share list of a ClientHello (RFC 8446 4.2.8).
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { parseExtensions, serializeExtensions } from './extensions.js';
import type { Extension } from './extensions.js';
import { ExtensionType } from './constants.js';
import { MAX_CERTIFICATES } from './messages12.js';

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

/** Entries accepted in one client key_share (Chrome sends 2). */
export const MAX_KEY_SHARES = 16;

export function parseClientKeyShares(data: Uint8Array): KeyShareEntry[] {
  const r = new Reader(data);
  const list = new Reader(r.bytesView(r.u16('client_shares length'), 'client_shares'));
  if (!r.done) throw new ParseError('key_share: trailing bytes');
  const out: KeyShareEntry[] = [];
  while (!list.done) {
    if (out.length >= MAX_KEY_SHARES) throw new ParseError('key_share: too many entries');
    const group = list.u16('group');
    out.push({ group, keyExchange: list.bytesCopy(list.u16('key_exchange length'), 'key_exchange') });
  }
  return out;
}

export function serverKeyShareExtension(entry: KeyShareEntry): Extension {
  return { type: ExtensionType.key_share, data: new Writer(4 + entry.keyExchange.length).u16(entry.group).u16(entry.keyExchange.length).bytes(entry.keyExchange).finish() };
}

export function serverSupportedVersionsExtension(version: number): Extension {
  return { type: ExtensionType.supported_versions, data: new Writer(2).u16(version).finish() };
}

export function serializeEncryptedExtensions(exts: readonly Extension[]): Uint8Array {
  const w = new Writer(64);
  if (exts.length === 0) w.u16(0);
  else serializeExtensions(w, exts);
  return w.finish();
}

export function serializeCertificateRequest13(context: Uint8Array, exts: readonly Extension[]): Uint8Array {
  const w = new Writer(64).u8(context.length).bytes(context);
  if (exts.length === 0) w.u16(0);
  else serializeExtensions(w, exts);
  return w.finish();
}

/** Certificate (RFC 8446 4.4.2): context, then CertificateEntry { cert_data, extensions } list. */
export function serializeCertificate13(context: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(64 + chain.reduce((n, c) => n + c.length + 5, 0));
  w.u8(context.length).bytes(context);
  const at = w.length;
  w.u24(0);
  for (const c of chain) w.u24(c.length).bytes(c).u16(0);
  w.setU24(at, w.length - at - 3);
  return w.finish();
}

export function parseCertificate13(body: Uint8Array): { context: Uint8Array; chain: Uint8Array[] } {
  const r = new Reader(body);
  const context = r.bytesCopy(r.u8('certificate_request_context length'), 'context');
  const list = new Reader(r.bytesView(r.u24('certificate_list length'), 'certificate_list'));
  if (!r.done) throw new ParseError('certificate: trailing bytes');
  const chain: Uint8Array[] = [];
  while (!list.done) {
    if (chain.length >= MAX_CERTIFICATES) throw new ParseError('certificate: too many certificates');
    const len = list.u24('cert_data length');
    if (len === 0) throw new ParseError('certificate: empty cert_data');
    chain.push(list.bytesCopy(len, 'cert_data'));
    list.skip(list.u16('extensions length'), 'certificate entry extensions');
  }
  return { context, chain };
}

/** ACK: record_numbers<0..2^16-1> of { uint64 epoch; uint64 sequence_number } (RFC 9147 7). */
export function serializeAck(records: readonly (readonly [number, number])[]): Uint8Array {
  const w = new Writer(2 + 16 * records.length).u16(16 * records.length);
  for (const [epoch, seq] of records) w.u64(BigInt(epoch)).u64(BigInt(seq));
  return w.finish();
}

export function parseAck(body: Uint8Array): [number, number][] {
  const r = new Reader(body);
  const len = r.u16('record_numbers length');
  if (len % 16 !== 0) throw new ParseError('ack: length not a multiple of 16');
  const list = new Reader(r.bytesView(len, 'record_numbers'));
  if (!r.done) throw new ParseError('ack: trailing bytes');
  const out: [number, number][] = [];
  while (!list.done) out.push([Number(list.u64('epoch') & 0xffffn), Number(list.u64('sequence') & 0xffff_ffff_ffffn)]);
  return out;
}

/** The TLS 1.3 transcript form of a handshake message: type(1) length(3) body (RFC 9147 5.2). */
export function transcriptMessage(msgType: number, body: Uint8Array): Uint8Array {
  return new Writer(4 + body.length).u8(msgType).u24(body.length).bytes(body).finish();
}

/** EncryptedExtensions: extensions<0..2^16-1> (RFC 8446 4.3.1). */
export function parseEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body);
  const exts = parseExtensions(r);
  if (!r.done) throw new ParseError('encrypted_extensions: trailing bytes');
  return exts;
}

/** CertificateRequest: certificate_request_context<0..2^8-1>, extensions<2..2^16-1> (RFC 8446 4.3.2). */
export function parseCertificateRequest13(body: Uint8Array): { context: Uint8Array; extensions: Extension[] } {
  const r = new Reader(body);
  const context = r.bytesCopy(r.u8('certificate_request_context length'), 'certificate_request_context');
  const extensions = parseExtensions(r);
  if (!r.done) throw new ParseError('certificate_request: trailing bytes');
  return { context, extensions };
}

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);
