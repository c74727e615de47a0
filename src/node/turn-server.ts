/**
 * @module node/turn-server
 * A TURN server (RFC 8656, UDP allocations) on node:dgram: the sans-IO `TurnServer`
 * core, one listening socket, one relay socket per allocation (bound when the core
 * asks with a `relay-open` event), and one timer at the core's `pollTimeout()`.
 * With `tcp: true` clients may also reach it over TCP on the same port (RFC 8656 3.1;
 * framing per 12.5 with `StunStreamFramer`); relaying to peers stays UDP.
 */

/** Bound on concurrent TCP client connections. */
export const MAX_TCP_CONNECTIONS = 1024;
/**
 * Bytes queued on one client's TCP connection (written, not yet taken by the kernel)
 * beyond which frames to that client are dropped, whole: a client that stops reading
 * must not grow the server's memory without bound (relayed data to a TCP client may be
 * lost like UDP, RFC 8656 3.1; dropping whole frames keeps the 12.5 framing intact).
 */
export const MAX_TCP_QUEUED_BYTES = 1024 * 1024;
/** Tries at finding a port free for both UDP and TCP when `port` is 0. */
const EPHEMERAL_PORT_TRIES = 8;
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket as TcpSocket } from 'node:net';
import { ParseError } from '../common/errors.js';
import { StunStreamFramer } from '../stun/stream-framing.js';
import { TurnServer } from '../turn/server.js';
import type { TurnServerOptions } from '../turn/server.js';
import type { TransportAddress } from '../turn/address.js';

export interface TurnServerHandle {
  readonly host: string;
  readonly port: number;
  readonly core: TurnServer;
  /** Frames to TCP clients dropped because their connection had MAX_TCP_QUEUED_BYTES queued. */
  readonly tcpFramesDropped: number;
  close(): Promise<void>;
}

/** The part of a TCP socket `writeFrameBounded` uses. */
export interface QueuedWriter {
  readonly writableLength: number;
  readonly destroyed: boolean;
  write(data: Uint8Array): boolean;
}

/**
 * Writes one whole frame to a client's TCP connection unless `limitBytes` or more are
 * already queued on it; returns whether it was written.
 */
export function writeFrameBounded(conn: QueuedWriter, data: Uint8Array, limitBytes: number = MAX_TCP_QUEUED_BYTES): boolean {
  if (conn.destroyed || conn.writableLength >= limitBytes) return false;
  conn.write(data);
  return true;
}

export type StartTurnServerOptions = Omit<TurnServerOptions, 'relayAddress'> & {
  /** Listening address (default 127.0.0.1). */
  host?: string;
  /** Listening port (default 3478; 0 = ephemeral). */
  port?: number;
  /** Address relay sockets bind to (default: `host`, or 127.0.0.1 when host is 0.0.0.0). */
  relayAddress?: string;
  /** Also accept clients over TCP on the same port (default false). */
  tcp?: boolean;
};

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      const code = (err as NodeJS.ErrnoException).code;
      reject(code === 'EADDRINUSE' ? new Error(`TCP port ${port} on ${host} is already in use`, { cause: err }) : err);
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function bindSocket(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') reject(new Error(`UDP port ${port} on ${host} is already in use`, { cause: err }));
      else reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      socket.on('error', () => {});
      resolve();
    });
  });
}

function fromRinfo(rinfo: { family: string; address: string; port: number }): TransportAddress {
  return { family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4', address: rinfo.address, port: rinfo.port };
}

export async function startTurnServer(options: StartTurnServerOptions): Promise<TurnServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 3478;
  const relayAddress = options.relayAddress ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);
  const core = new TurnServer({ ...options, relayAddress });
  const udp = (h: string): 'udp4' | 'udp6' => (h.includes(':') ? 'udp6' : 'udp4');
  let listener = createSocket({ type: udp(host), ipv6Only: host.includes(':') });
  const relays = new Map<number, Socket>();
  const connections = new Map<string, TcpSocket>();
  let tcpServer: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let armedAt: number | undefined;
  let closed = false;
  let tcpFramesDropped = 0;

  const drive = (): void => {
    if (closed) return;
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) {
      if (t.relayId === undefined && t.transport === 'tcp') {
        const conn = connections.get(`${t.to.address}|${t.to.port}`);
        if (conn && !writeFrameBounded(conn, t.data)) tcpFramesDropped++;
        continue;
      }
      const socket = t.relayId === undefined ? listener : relays.get(t.relayId);
      socket?.send(t.data, t.to.port, t.to.address);
    }
    for (let e = core.pollEvent(); e; e = core.pollEvent()) {
      if (e.type === 'relay-open') openRelay(e.relayId, e.address, e.port);
      else if (e.type === 'relay-close') {
        relays.get(e.relayId)?.close();
        relays.delete(e.relayId);
      }
    }
    // Re-arm the one timer only when the deadline moved (most datagrams do not move it).
    const at = core.pollTimeout();
    if (at === armedAt) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    armedAt = at;
    if (at !== undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        armedAt = undefined;
        core.handleTimeout(performance.now());
        drive();
      }, Math.max(0, at - performance.now()));
      timer.unref();
    }
  };

  const openRelay = (relayId: number, address: string, relayPort: number): void => {
    const s = createSocket({ type: udp(address), ipv6Only: address.includes(':') });
    const fail = (): void => {
      s.close();
      core.handleRelayOpened(performance.now(), relayId, false);
      drive();
    };
    s.once('error', fail);
    s.bind({ address, port: relayPort, exclusive: true }, () => {
      s.off('error', fail);
      s.on('error', () => {});
      if (closed) {
        s.close();
        return;
      }
      relays.get(relayId)?.close();
      relays.set(relayId, s);
      s.on('message', (data, rinfo) => {
        core.handleRelayInput(performance.now(), relayId, fromRinfo(rinfo), data);
        drive();
      });
      core.handleRelayOpened(performance.now(), relayId, true);
      drive();
    });
  };

  const onMessage = (data: Buffer, rinfo: { family: string; address: string; port: number }): void => {
    core.handleInput(performance.now(), fromRinfo(rinfo), data);
    drive();
  };
  const onConnection = (conn: TcpSocket): void => {
    if (closed || connections.size >= MAX_TCP_CONNECTIONS || conn.remoteAddress === undefined || conn.remotePort === undefined) {
      conn.destroy();
      return;
    }
    const from = fromRinfo({ family: conn.remoteFamily ?? 'IPv4', address: conn.remoteAddress, port: conn.remotePort });
    const key = `${from.address}|${from.port}`;
    connections.set(key, conn);
    conn.setNoDelay(true);
    const framer = new StunStreamFramer();
    conn.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        conn.destroy();
        return;
      }
      for (const f of frames) core.handleInput(performance.now(), from, f, 'tcp');
      drive();
    });
    conn.on('error', () => {});
    conn.on('close', () => {
      if (connections.get(key) === conn) connections.delete(key);
      core.handleConnectionClosed(performance.now(), from);
      drive();
    });
  };
  listener.on('message', onMessage);
  for (let attempt = 0; ; attempt++) {
    await bindSocket(listener, host, port);
    if (!options.tcp) break;
    const boundPort = listener.address().port;
    tcpServer = createServer(onConnection);
    try {
      await listenTcp(tcpServer, host, boundPort);
      break;
    } catch (err) {
      tcpServer = undefined;
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      if (port !== 0 || attempt + 1 >= EPHEMERAL_PORT_TRIES) throw err;
      // The ephemeral UDP port was taken on TCP: try another.
      listener = createSocket({ type: udp(host), ipv6Only: host.includes(':') });
      listener.on('message', onMessage);
    }
  }
  const address = listener.address();
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    core,
    get tcpFramesDropped() {
      return tcpFramesDropped;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        for (const s of relays.values()) s.close();
        relays.clear();
        for (const c of connections.values()) c.destroy();
        connections.clear();
        if (tcpServer) {
          const t = tcpServer;
          await new Promise<void>((resolve) => t.close(() => resolve()));
        }
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      })();
      return closing;
    },
  };
}
