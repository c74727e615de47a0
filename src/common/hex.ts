/**
 * @module common/hex
 * Hex text to bytes and back; tolerant of the spaces, colons and line breaks that RFC
 * test vectors and SDP fingerprints use.
 */
import { ParseError } from './errors.js';

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array, separator = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (i > 0 && separator) out += separator;
    out += (HEX[b >> 4] as string) + (HEX[b & 15] as string);
  }
  return out;
}

/** Parses hex, skipping whitespace and ':' separators. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) throw new ParseError(`hex: odd number of digits (${clean.length})`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new ParseError('hex: not a hex digit');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
