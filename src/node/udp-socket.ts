/**
 * @module node/udp-socket
 * The UDP sockets a peer connection sends and receives its datagrams on (RFC 8445
 * section 5.1.1.1: one per host address, the base of its host candidates), set up for the
 * data path:
 * - a receive buffer of RECV_BUFFER_BYTES, so that a burst of DTLS records is not
 *   dropped by the kernel before the event loop reads it;
 * - a lookup that passes IP literals straight through: every destination here is an IP
 *   address (ICE candidates; mDNS names are resolved before they become candidates), and
 *   node:dgram otherwise runs each send through dns.lookup, which defers it to the next
 *   tick (a closure and a tick per datagram);
 * - `remoteOf`: the sender's address without an IPv6 zone suffix, without a regex.
 */
import { lookup as dnsLookup } from 'node:dns';
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { isIP } from 'node:net';

/** SO_RCVBUF asked for (the kernel may cap it, net.core.rmem_max). */
export const RECV_BUFFER_BYTES = 1 << 22;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** 4 for dotted-decimal text, 6 for text with a colon (no host name has one), else isIP's answer. */
export function literalFamily(hostname: string): number {
  if (hostname.includes(':')) return 6;
  let digits = 0;
  for (let i = 0; i < hostname.length; i++) {
    const c = hostname.charCodeAt(i);
    if (c === 0x2e) continue;
    if (c < 0x30 || c > 0x39) return isIP(hostname);
    digits++;
  }
  return digits > 0 ? 4 : isIP(hostname);
}

/** dns.lookup for names, synchronous for IP literals. */
function literalLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  const family = literalFamily(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options as number, callback);
}

/** An unbound UDP socket of `address`'s family for ICE traffic. */
export function createIceSocket(address: string): Socket {
  return createSocket({
    type: address.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: RECV_BUFFER_BYTES,
    lookup: literalLookup as unknown as SocketOptions['lookup'],
  });
}

/** The sender of a datagram, its IPv6 zone id ("%eth0") removed. */
export function remoteOf(rinfo: RemoteInfo): { address: string; port: number } {
  const a = rinfo.address;
  const zone = a.indexOf('%');
  return { address: zone < 0 ? a : a.slice(0, zone), port: rinfo.port };
}
