/**
 * @module dtls/hello
 * ClientHello (RFC 6347 4.2.1, which adds the cookie to RFC 5246 7.4.1.2), ServerHello
 * (RFC 5246 7.4.1.3) and HelloVerifyRequest (RFC 6347 4.2.1).
 *
 *   struct { ProtocolVersion client_version; Random random; SessionID session_id;
 *            opaque cookie<0..2^8-1>; CipherSuite cipher_suites<2..2^16-2>;
 *            CompressionMethod compression_methods<1..2^8-1>; extensions } ClientHello;
 *   struct { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } HelloVerifyRequest;
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { parseExtensions, serializeExtensions } from './extensions.js';
import type { Extension } from './extensions.js';

export const RANDOM_LENGTH = 32;
export const MAX_SESSION_ID_LENGTH = 32;
/** RFC 6347 4.2.1 (DTLS 1.2): cookie<0..2^8-1>. */
export const MAX_COOKIE_LENGTH = 255;

export interface ClientHello {
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cookie: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: readonly number[];
  readonly extensions: readonly Extension[];
}

export function serializeClientHello(m: ClientHello): Uint8Array {
  const w = new Writer(256);
  w.u16(m.version).bytes(m.random);
  w.u8(m.sessionId.length).bytes(m.sessionId);
  w.u8(m.cookie.length).bytes(m.cookie);
  w.u16(m.cipherSuites.length * 2);
  for (const s of m.cipherSuites) w.u16(s);
  w.u8(m.compressionMethods.length);
  for (const c of m.compressionMethods) w.u8(c);
  serializeExtensions(w, m.extensions);
  return w.finish();
}

export function parseClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const version = r.u16('client_version');
  const random = r.bytesCopy(RANDOM_LENGTH, 'random');
  const sidLen = r.u8('session_id length');
  if (sidLen > MAX_SESSION_ID_LENGTH) throw new ParseError('client_hello: session_id too long');
  const sessionId = r.bytesCopy(sidLen, 'session_id');
  const cookie = r.bytesCopy(r.u8('cookie length'), 'cookie');
  const suitesLen = r.u16('cipher_suites length');
  if (suitesLen < 2 || suitesLen % 2 !== 0) throw new ParseError('client_hello: bad cipher_suites length');
  const sr = new Reader(r.bytesView(suitesLen, 'cipher_suites'));
  const cipherSuites: number[] = [];
  while (!sr.done) cipherSuites.push(sr.u16('cipher_suite'));
  const compLen = r.u8('compression_methods length');
  if (compLen < 1) throw new ParseError('client_hello: no compression methods');
  const compressionMethods = Array.from(r.bytesView(compLen, 'compression_methods'));
  const extensions = parseExtensions(r);
  if (!r.done) throw new ParseError('client_hello: trailing bytes');
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export interface ServerHello {
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
}

export function serializeServerHello(m: ServerHello): Uint8Array {
  const w = new Writer(128);
  w.u16(m.version).bytes(m.random).u8(m.sessionId.length).bytes(m.sessionId).u16(m.cipherSuite).u8(m.compressionMethod);
  serializeExtensions(w, m.extensions);
  return w.finish();
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const version = r.u16('server_version');
  const random = r.bytesCopy(RANDOM_LENGTH, 'random');
  const sidLen = r.u8('session_id length');
  if (sidLen > MAX_SESSION_ID_LENGTH) throw new ParseError('server_hello: session_id too long');
  const sessionId = r.bytesCopy(sidLen, 'session_id');
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  const extensions = parseExtensions(r);
  if (!r.done) throw new ParseError('server_hello: trailing bytes');
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export interface HelloVerifyRequest {
  readonly version: number;
  readonly cookie: Uint8Array;
}

export function serializeHelloVerifyRequest(m: HelloVerifyRequest): Uint8Array {
  return new Writer(3 + m.cookie.length).u16(m.version).u8(m.cookie.length).bytes(m.cookie).finish();
}

export function parseHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new Reader(body);
  const version = r.u16('server_version');
  const cookie = r.bytesCopy(r.u8('cookie length'), 'cookie');
  if (!r.done) throw new ParseError('hello_verify_request: trailing bytes');
  return { version, cookie };
}
