/**
 * @module turn/address
 * Transport-address helpers for TURN (RFC 8656 2 "transport address"): map keys and
 * the default peer policy a server applies to XOR-PEER-ADDRESS (RFC 8656 10.2, 12.2:
 * "The server MAY impose restrictions on the IP address and port values allowed";
 * 21.3 on relaying to internal addresses), which refuses unspecified, multicast and
 * broadcast addresses always and loopback unless allowed.
 */
import { parseIp } from '../stun/ip.js';
import type { StunAddress } from '../stun/attributes.js';

export type TransportAddress = StunAddress;

/** A Map key for an IP and port. */
export function addressKey(a: { readonly address: string; readonly port: number }): string {
  return `${a.address}|${a.port}`;
}

function isLoopback(b: Uint8Array): boolean {
  if (b.length === 4) return b[0] === 127;
  let zeros = true;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) zeros = false;
  if (zeros && b[15] === 1) return true;
  // IPv4-mapped loopback ::ffff:127.0.0.0/104
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff && b[12] === 127;
}

/** Whether a TURN server relays to `peer` by default. */
export function defaultPeerAllowed(peer: TransportAddress, allowLoopback: boolean): boolean {
  let b: Uint8Array;
  try {
    b = parseIp(peer.address);
  } catch {
    return false;
  }
  if (peer.port === 0) return false;
  if (b.every((x) => x === 0)) return false;
  if (b.length === 4) {
    if ((b[0] as number) >= 224) return false; // multicast, reserved, broadcast
  } else if (b[0] === 0xff) return false; // IPv6 multicast
  if (isLoopback(b)) return allowLoopback;
  return true;
}
