/**
 * @module test/interop/harness/udp-nat
 * A user-space UDP NAT on loopback for tests that need a server-reflexive address that
 * differs from the client's own socket address (RFC 4787 terms: endpoint-independent
 * mapping, address-and-port-dependent filtering), without root, namespaces or netfilter.
 *
 * The client sends to the NAT's `port` as if it were the server. The first datagram from
 * a new client endpoint opens a mapping: a fresh socket on 127.0.0.1 (the mapping's
 * `outside` address) from which that client's datagrams go to `target`. Datagrams that
 * arrive on the outside socket from `target` go back to the client, from `port`; those
 * from anyone else are dropped. So `target` sees the outside address as the source,
 * exactly as a server behind a real NAT would, and a STUN server there reports it as the
 * client's mapped address (RFC 8489 section 14.2, XOR-MAPPED-ADDRESS).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

/** Mappings one NAT keeps; new client endpoints past this are dropped (and counted). */
export const MAX_NAT_MAPPINGS = 64;
/** Datagrams held per mapping while its outside socket binds. */
export const MAX_NAT_PENDING = 16;

export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface NatMapping {
  /** The client's own address: the source of what it sends to the NAT. */
  readonly inside: UdpEndpoint;
  /** The NAT's address for this client: the source `target` sees. */
  readonly outside: UdpEndpoint;
  readonly datagramsOut: number;
  readonly datagramsIn: number;
}

export interface UdpNat {
  /** Where clients send: the NAT stands in for `target`. */
  readonly address: string;
  readonly port: number;
  mappings(): readonly NatMapping[];
  /** Datagrams dropped: unknown outside sources, full mapping table, full pending queue. */
  readonly dropped: number;
  close(): Promise<void>;
}

export interface UdpNatOptions {
  /** The server behind the NAT (on loopback). */
  readonly target: UdpEndpoint;
  /** Loopback address to listen on and to map to; default 127.0.0.1. */
  readonly host?: string;
}

interface MappingState {
  inside: UdpEndpoint;
  socket: Socket;
  outside: UdpEndpoint | undefined;
  pending: Uint8Array[];
  datagramsOut: number;
  datagramsIn: number;
}

function bind(socket: Socket, host: string): Promise<UdpEndpoint> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      const a = socket.address();
      resolve({ address: a.address, port: a.port });
    });
  });
}

/** Starts a NAT in front of `options.target`. */
export async function startUdpNat(options: UdpNatOptions): Promise<UdpNat> {
  const host = options.host ?? '127.0.0.1';
  const { target } = options;
  const listen = createSocket('udp4');
  const mine = await bind(listen, host);
  const table = new Map<string, MappingState>();
  let dropped = 0;
  let closed = false;

  const open = (inside: UdpEndpoint): MappingState => {
    const socket = createSocket('udp4');
    const m: MappingState = { inside, socket, outside: undefined, pending: [], datagramsOut: 0, datagramsIn: 0 };
    socket.on('message', (msg, rinfo) => {
      if (closed) return;
      if (rinfo.address !== target.address || rinfo.port !== target.port) {
        dropped++;
        return;
      }
      m.datagramsIn++;
      listen.send(msg, inside.port, inside.address);
    });
    socket.on('error', () => {
      dropped++;
    });
    bind(socket, host).then(
      (outside) => {
        m.outside = outside;
        if (closed) return;
        for (const d of m.pending.splice(0)) {
          m.datagramsOut++;
          socket.send(d, target.port, target.address);
        }
      },
      () => {
        dropped += m.pending.length;
        m.pending = [];
      },
    );
    return m;
  };

  listen.on('message', (msg, rinfo) => {
    if (closed) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let m = table.get(key);
    if (m === undefined) {
      if (table.size >= MAX_NAT_MAPPINGS) {
        dropped++;
        return;
      }
      m = open({ address: rinfo.address, port: rinfo.port });
      table.set(key, m);
    }
    if (m.outside === undefined) {
      if (m.pending.length >= MAX_NAT_PENDING) dropped++;
      else m.pending.push(new Uint8Array(msg));
      return;
    }
    m.datagramsOut++;
    m.socket.send(msg, target.port, target.address);
  });
  listen.on('error', () => {
    dropped++;
  });

  const closeSocket = (s: Socket) =>
    new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });

  return {
    address: mine.address,
    port: mine.port,
    get dropped() {
      return dropped;
    },
    mappings() {
      const out: NatMapping[] = [];
      for (const m of table.values()) {
        if (m.outside === undefined) continue;
        out.push({ inside: m.inside, outside: m.outside, datagramsOut: m.datagramsOut, datagramsIn: m.datagramsIn });
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([closeSocket(listen), ...[...table.values()].map((m) => closeSocket(m.socket))]);
      table.clear();
    },
  };
}
