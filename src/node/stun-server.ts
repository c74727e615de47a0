/**
 * @module node/stun-server
 * A STUN Binding server (RFC 8489 12) on a UDP socket: the sans-IO
 * `StunBindingServer` core fed from `node:dgram`.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { StunBindingServer } from '../stun/binding-server.js';
import type { BindingServerOptions } from '../stun/binding-server.js';

export interface StunServerHandle {
  host: string;
  port: number;
  close(): Promise<void>;
}

function bind(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') reject(new Error(`UDP port ${port} on ${host} is already in use`, { cause: err }));
      else if (code === 'EACCES') reject(new Error(`no permission to bind UDP port ${port} on ${host}`, { cause: err }));
      else reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Starts a Binding server on `host` (default 127.0.0.1) and `port` (default 3478; 0 = ephemeral). */
export async function startStunServer(
  options?: { host?: string; port?: number } & BindingServerOptions,
): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const host = options?.host ?? '127.0.0.1';
  const port = options?.port ?? 3478;
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host.includes(':') });
  const core = new StunBindingServer(options);
  socket.on('message', (data, rinfo) => {
    core.handleInput(performance.now(), { family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4', address: rinfo.address, port: rinfo.port }, data);
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) socket.send(t.data, t.to.port, t.to.address);
  });
  // After bind, socket errors (e.g. ICMP-induced) are not fatal to the server.
  await bind(socket, host, port);
  socket.on('error', () => {});
  const address = socket.address();
  let closed: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
