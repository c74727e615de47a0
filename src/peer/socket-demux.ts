/**
 * @module peer/socket-demux
 * Sans-IO demultiplexing for many peer connections on ONE UDP socket (a server option,
 * purertc-specific; the way RFC 8445 section 12.1 lets ICE agents share a base when
 * the STUN USERNAME tells checks apart). Each datagram goes to one peer:
 * 1. a STUN message (RFC 8489 section 5: first two bits zero, magic cookie) carrying
 *    USERNAME `<local ufrag>:<remote ufrag>` (RFC 8445 section 7.2.2) goes to the peer
 *    whose current local ufrag is the part before ':' (a connectivity check, which is how a
 *    new remote first reaches us);
 * 2. anything else goes to the peer that last SENT to that remote address: routes are
 *    learned only from our own transmissions (never from unauthenticated input), so
 *    nobody can steal a route by spoofing;
 * 3. otherwise it is dropped and counted.
 * Bounds: MAX_DEMUX_ROUTES remote addresses (the oldest route is forgotten beyond it),
 * MAX_DEMUX_PEERS attached peers, MAX_STUN_ATTRIBUTES_SCANNED attributes per message.
 * Limitation: two peers talking to the same remote address (same IP and port) share one
 * route (the last sender wins for non-STUN data); TURN servers reached from a shared socket
 * are such a case, so give peers on a shared socket no TURN servers.
 */

/** Remote addresses remembered; beyond it the least recently used route is forgotten. */
export const MAX_DEMUX_ROUTES = 65_536;
/** Peers attached to one socket at once. */
export const MAX_DEMUX_PEERS = 4096;
/** STUN attributes walked looking for USERNAME (a check carries about six). */
export const MAX_STUN_ATTRIBUTES_SCANNED = 32;

const MAGIC_COOKIE = 0x2112a442;
const STUN_HEADER = 20;
const ATTR_USERNAME = 0x0006;

/** One attached peer: `ufrags()` lists its current local ICE ufrags (a restart changes them). */
export interface DemuxPeer {
  ufrags(): readonly string[];
}

/** The local ufrag a STUN request names in USERNAME (`local:remote`), if any. */
export function stunUsernameUfrag(data: Uint8Array): string | undefined {
  if (data.length < STUN_HEADER || (data[0] ?? 0xff) > 3) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(4) !== MAGIC_COOKIE) return undefined;
  const end = Math.min(data.length, STUN_HEADER + view.getUint16(2));
  let at = STUN_HEADER;
  for (let i = 0; i < MAX_STUN_ATTRIBUTES_SCANNED && at + 4 <= end; i++) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (at + 4 + length > end) return undefined;
    if (type === ATTR_USERNAME) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(at + 4, at + 4 + length));
      const colon = text.indexOf(':');
      return colon > 0 ? text.slice(0, colon) : undefined;
    }
    at += 4 + ((length + 3) & ~3);
  }
  return undefined;
}

export class SocketDemux<P extends DemuxPeer> {
  private readonly peers = new Set<P>();
  /** remote `address|port` -> peer, least recently used first. */
  private readonly routes = new Map<string, P>();
  readonly stats = { unroutedDropped: 0, routesForgotten: 0 };

  get peerCount(): number {
    return this.peers.size;
  }
  get routeCount(): number {
    return this.routes.size;
  }

  attach(peer: P): void {
    if (this.peers.has(peer)) return;
    if (this.peers.size >= MAX_DEMUX_PEERS) throw new RangeError(`at most ${MAX_DEMUX_PEERS} peers on one socket`);
    this.peers.add(peer);
  }

  detach(peer: P): void {
    this.peers.delete(peer);
    for (const [k, p] of this.routes) if (p === peer) this.routes.delete(k);
  }

  /** `peer` sent a datagram to `remote`: replies from there are its. */
  noteSent(peer: P, remote: { readonly address: string; readonly port: number }): void {
    if (!this.peers.has(peer)) return;
    const key = `${remote.address}|${remote.port}`;
    this.routes.delete(key);
    if (this.routes.size >= MAX_DEMUX_ROUTES) {
      const oldest = this.routes.keys().next().value;
      if (oldest !== undefined) {
        this.routes.delete(oldest);
        this.stats.routesForgotten++;
      }
    }
    this.routes.set(key, peer);
  }

  /** The peer a datagram from `remote` belongs to, or undefined (dropped, counted). */
  route(remote: { readonly address: string; readonly port: number }, data: Uint8Array): P | undefined {
    const ufrag = stunUsernameUfrag(data);
    if (ufrag !== undefined) {
      for (const p of this.peers) if (p.ufrags().includes(ufrag)) return p;
    }
    const p = this.routes.get(`${remote.address}|${remote.port}`);
    if (p) return p;
    this.stats.unroutedDropped++;
    return undefined;
  }
}
