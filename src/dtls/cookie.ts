/**
 * @module dtls/cookie
 * Stateless HelloVerifyRequest cookies (RFC 6347 4.2.1): Cookie = HMAC(Secret,
 * Client-Parameters). The server keeps no state per cookie; the client parameters bound
 * are the transport context given by the caller (the peer address) and the ClientHello
 * fields that must not change between the two hellos (version, random, session_id,
 * cipher_suites, compression_methods).
 */
import { Writer, constantTimeEqual } from '../common/bytes.js';
import { hmac } from '../crypto/hash.js';
import type { ClientHello } from './hello.js';

export const COOKIE_LENGTH = 20;

function cookieInput(hello: ClientHello, context: Uint8Array): Uint8Array {
  const w = new Writer(128);
  w.u16(context.length).bytes(context).u16(hello.version).bytes(hello.random).u8(hello.sessionId.length).bytes(hello.sessionId);
  for (const s of hello.cipherSuites) w.u16(s);
  for (const c of hello.compressionMethods) w.u8(c);
  return w.finish();
}

export function makeCookie(secret: Uint8Array, hello: ClientHello, context: Uint8Array): Uint8Array {
  return hmac('sha256', secret, cookieInput(hello, context)).slice(0, COOKIE_LENGTH);
}

export function checkCookie(secret: Uint8Array, hello: ClientHello, context: Uint8Array): boolean {
  return hello.cookie.length === COOKIE_LENGTH && constantTimeEqual(hello.cookie, makeCookie(secret, hello, context));
}
