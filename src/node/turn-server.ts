/**
 * @module node/turn-server
 * A TURN server (RFC 8656, UDP allocations) on node:dgram: the sans-IO `TurnServer`
 * core, one listening socket, one relay socket per allocation (bound when the core
 * asks with a `relay-open` event), and one timer at the core's `pollTimeout()`.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { TurnServer } from '../turn/server.js';
import type { TurnServerOptions } from '../turn/server.js';
import type { TransportAddress } from '../turn/address.js';

export interface TurnServerHandle {
  readonly host: string;
  readonly port: number;
  readonly core: TurnServer;
  close(): Promise<void>;
}

export type StartTurnServerOptions = Omit<TurnServerOptions, 'relayAddress'> & {
  /** Listening address (default 127.0.0.1). */
  host?: string;
  /** Listening port (default 3478; 0 = ephemeral). */
  port?: number;
  /** Address relay sockets bind to (default: `host`, or 127.0.0.1 when host is 0.0.0.0). */
  relayAddress?: string;
};

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
  const listener = createSocket({ type: udp(host), ipv6Only: host.includes(':') });
  const relays = new Map<number, Socket>();
  let timer: NodeJS.Timeout | undefined;
  let armedAt: number | undefined;
  let closed = false;

  const drive = (): void => {
    if (closed) return;
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) {
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

  listener.on('message', (data, rinfo) => {
    core.handleInput(performance.now(), fromRinfo(rinfo), data);
    drive();
  });
  await bindSocket(listener, host, port);
  const address = listener.address();
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    core,
    close() {
      closing ??= (async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        for (const s of relays.values()) s.close();
        relays.clear();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      })();
      return closing;
    },
  };
}
