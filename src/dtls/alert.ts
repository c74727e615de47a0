/**
 * @module dtls/alert
 * The Alert message (RFC 5246 7.2; RFC 6347 4.1.2.7): level(1) description(1).
 */
import { Reader } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';

export interface Alert {
  readonly level: number;
  readonly description: number;
}

export function serializeAlert(a: Alert): Uint8Array {
  return Uint8Array.of(a.level, a.description);
}

export function parseAlert(bytes: Uint8Array): Alert {
  const r = new Reader(bytes);
  const level = r.u8('alert level');
  const description = r.u8('alert description');
  if (!r.done) throw new ParseError('alert: trailing bytes');
  return { level, description };
}
