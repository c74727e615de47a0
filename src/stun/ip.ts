/**
 * @module stun/ip
 * IP address text to bytes and back, for the address attributes of STUN (RFC 8489
 * 14.1, 14.2) and TURN (RFC 8656 18.3, 18.5). Text form of IPv6 follows RFC 5952
 * section 4 (lower case, longest run of two or more zero groups compressed, first run
 * on a tie). Pure: no `node:net`, so cores stay portable.
 */
import { ParseError } from '../common/errors.js';

export type IpFamily = 'IPv4' | 'IPv6';

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string, out: Uint8Array, at: number): boolean {
  const m = IPV4_RE.exec(text);
  if (!m) return false;
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1] as string;
    if (part.length > 1 && part[0] === '0') return false;
    const v = Number(part);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

/** Parses dotted IPv4 or RFC 4291 2.2 IPv6 text (no zone id); throws ParseError. */
export function parseIp(text: string): Uint8Array {
  const v4 = new Uint8Array(4);
  if (parseIpv4(text, v4, 0)) return v4;
  const out = new Uint8Array(16);
  if (text.length > 45 || !text.includes(':')) throw new ParseError(`not an IP address: '${text.slice(0, 64)}'`);
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) throw new ParseError(`IPv6: more than one '::' in '${text}'`);
  const headText = dbl >= 0 ? text.slice(0, dbl) : text;
  const tailText = dbl >= 0 ? text.slice(dbl + 2) : '';
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  const groups: number[] = [];
  const parseGroups = (parts: string[], list: number[], allowV4Last: boolean): void => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (allowV4Last && i === parts.length - 1 && p.includes('.')) {
        const b = new Uint8Array(4);
        if (!parseIpv4(p, b, 0)) throw new ParseError(`IPv6: bad embedded IPv4 '${p}'`);
        list.push(((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) throw new ParseError(`IPv6: bad group '${p}'`);
      list.push(parseInt(p, 16));
    }
  };
  const tailGroups: number[] = [];
  parseGroups(head, groups, dbl < 0);
  parseGroups(tail, tailGroups, true);
  const total = groups.length + tailGroups.length;
  if (dbl < 0 ? total !== 8 : total > 7) throw new ParseError(`IPv6: wrong number of groups in '${text}'`);
  const all = [...groups, ...new Array<number>(8 - total).fill(0), ...tailGroups];
  for (let i = 0; i < 8; i++) {
    const g = all[i] as number;
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

/** Formats 4 or 16 bytes as IPv4 dotted or RFC 5952 IPv6 text. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new ParseError(`IP address of ${bytes.length} bytes`);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number));
  // RFC 5952 4.2: compress the longest run (length >= 2) of zero groups, the first on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** The family of an address text, or undefined when it is not one. */
export function ipFamily(text: string): IpFamily | undefined {
  try {
    return parseIp(text).length === 4 ? 'IPv4' : 'IPv6';
  } catch {
    return undefined;
  }
}
