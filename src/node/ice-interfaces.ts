/**
 * @module node/ice-interfaces
 * Host addresses for ICE host candidates (RFC 8445 5.1.1.1) from
 * `os.networkInterfaces()`. Excluded, as the RFC and browsers do: IPv4 link-local
 * (169.254/16) and IPv6 link-local (fe80::/10, which needs a scope id), IPv4-mapped
 * IPv6, and loopback unless asked for (5.1.1.1: "addresses from ... loopback ... MUST
 * NOT be included" unless the application wants them, e.g. for tests on one machine).
 */
import { networkInterfaces } from 'node:os';

export interface HostAddressOptions {
  /** Include 127.0.0.0/8 and ::1 (default false). */
  readonly includeLoopback?: boolean;
  /** Include IPv4 (default true). */
  readonly ipv4?: boolean;
  /** Include IPv6 (default true). */
  readonly ipv6?: boolean;
}

export interface HostAddress {
  readonly address: string;
  readonly family: 4 | 6;
  /** Interface name, e.g. `eth0`. */
  readonly interfaceName: string;
  readonly internal: boolean;
}

/** Whether an address may carry ICE host candidates (see the module comment). */
export function isUsableHostAddress(address: string, family: 4 | 6, includeLoopback: boolean): boolean {
  const a = address.toLowerCase();
  if (family === 4) {
    if (a.startsWith('169.254.')) return false;
    if (a.startsWith('127.')) return includeLoopback;
    if (a === '0.0.0.0') return false;
    return true;
  }
  if (a === '::1') return includeLoopback;
  if (/^fe[89ab][0-9a-f]:/.test(a)) return false;
  if (a.startsWith('::ffff:') || a === '::') return false;
  return true;
}

/** Lists host addresses, IPv6 first (RFC 8421 prefers IPv6), then interface order. */
export function listHostAddresses(options: HostAddressOptions = {}): HostAddress[] {
  const includeLoopback = options.includeLoopback ?? false;
  const out: HostAddress[] = [];
  const ifaces = networkInterfaces();
  for (const [name, list] of Object.entries(ifaces)) {
    for (const info of list ?? []) {
      const family = info.family === 'IPv6' ? 6 : 4;
      if (family === 4 && options.ipv4 === false) continue;
      if (family === 6 && options.ipv6 === false) continue;
      if (!isUsableHostAddress(info.address, family, includeLoopback)) continue;
      if (out.some((o) => o.address === info.address)) continue;
      out.push({ address: info.address, family, interfaceName: name, internal: info.internal });
    }
  }
  out.sort((x, y) => y.family - x.family);
  return out;
}
