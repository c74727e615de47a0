/**
 * @module signaling/server
 * The WebSocket (RFC 6455) signaling server: `ws` sockets around the sans-IO rooms core
 * (rooms.ts). Standalone (`port`, `host`) it owns an `http.Server` that also serves the
 * browser client script at `BROWSER_CLIENT_PATH`; mounted (`server`) it takes only the
 * upgrade requests for `path` on an existing `http.Server` and leaves every other
 * request to its owner (who may serve `BROWSER_CLIENT_SCRIPT` itself).
 *
 * One timer for all connections, armed at the core's `pollTimeout()`; `now` is
 * `performance.now()`. Frames larger than `limits.maxMessageBytes` get an error reply;
 * `ws` itself closes (1009, RFC 6455 section 7.4.1) a frame larger than
 * `HARD_MAX_PAYLOAD_FACTOR` times that, so nothing unbounded is ever buffered. A peer
 * that stops reading (more than `MAX_BUFFERED_BYTES` queued) is dropped.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { SignalingRooms, CLOSE_TRY_AGAIN_LATER } from './rooms.js';
import type { SignalingEvent, SignalingLimits, SignalingStats } from './rooms.js';
import type { RandomSource } from '../common/random.js';
import { BROWSER_CLIENT_PATH, BROWSER_CLIENT_SCRIPT } from './browser-client.js';

/** `ws` closes frames over this many times `maxMessageBytes` (1009) instead of replying. */
export const HARD_MAX_PAYLOAD_FACTOR = 4;
/** Bytes queued to one socket that does not read before it is dropped. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Default path of the WebSocket endpoint. */
export const DEFAULT_SIGNALING_PATH = '/';

export interface SignalingServerOptions {
  /** Mount on this existing server instead of listening (then `port`/`host` are ignored). */
  readonly server?: Server;
  /** Port to listen on (0 = any free port). Default 8080. */
  readonly port?: number;
  /** Address to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** WebSocket endpoint path (query strings ignored). Default '/'. */
  readonly path?: string;
  readonly limits?: Partial<SignalingLimits>;
  /**
   * Browser origins allowed to connect (e.g. 'http://localhost:8080'); others get 403.
   * Requests without an Origin header (non-browser clients) are let in. Default: any.
   */
  readonly allowedOrigins?: readonly string[];
  readonly random?: RandomSource;
  /** Called for joins, leaves and closes, for logs. */
  readonly onEvent?: (event: SignalingEvent) => void;
}

export interface SignalingServer {
  /** The bound address (the mounted server's when mounted). */
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** `ws://host:port/path`. */
  readonly url: string;
  readonly core: SignalingRooms;
  readonly stats: SignalingStats;
  /** Closes every socket (1001) and, when standalone, the http server. */
  close(): Promise<void>;
}

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * Serves `BROWSER_CLIENT_SCRIPT` when `req` asks for `BROWSER_CLIENT_PATH` (GET or
 * HEAD) and returns true; returns false (and touches nothing) otherwise. For owners of
 * an `http.Server` that mount the signaling on it.
 */
export function serveBrowserClient(req: IncomingMessage, res: ServerResponse): boolean {
  if (pathOf(req.url) !== BROWSER_CLIENT_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'content-length': Buffer.byteLength(BROWSER_CLIENT_SCRIPT),
    'cache-control': 'no-cache',
    // Pages on other origins load it with <script src>; there is nothing private in it.
    'access-control-allow-origin': '*',
  });
  res.end(req.method === 'HEAD' ? undefined : BROWSER_CLIENT_SCRIPT);
  return true;
}

/** Starts the signaling server; rejects with a clear message when the port is taken. */
export async function createSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const path = options.path ?? DEFAULT_SIGNALING_PATH;
  const core = new SignalingRooms({
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: core.limits.maxMessageBytes * HARD_MAX_PAYLOAD_FACTOR,
    perMessageDeflate: false,
  });
  const sockets = new Map<string, WebSocket>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const drain = (): void => {
    for (let t = core.pollTransmit(); t !== undefined; t = core.pollTransmit()) {
      const ws = sockets.get(t.to);
      if (ws === undefined || ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        // It is not reading, so a closing handshake would not be read either.
        sockets.delete(t.to);
        ws.terminate();
        continue;
      }
      ws.send(t.data);
    }
    for (let e = core.pollEvent(); e !== undefined; e = core.pollEvent()) {
      const ws = sockets.get(e.id);
      if (e.type === 'ping') {
        if (ws !== undefined && ws.readyState === ws.OPEN) ws.ping();
      } else if (e.type === 'close' && ws !== undefined) {
        sockets.delete(e.id);
        if (e.terminate) ws.terminate();
        else ws.close(e.code, e.reason);
      }
      options.onEvent?.(e);
    }
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const at = core.pollTimeout();
    if (at !== undefined && !closed) {
      timer = setTimeout(() => {
        timer = undefined;
        core.handleTimeout(performance.now());
        drain();
      }, Math.max(0, at - performance.now()));
      timer.unref();
    }
  };

  wss.on('connection', (ws: WebSocket) => {
    const id = core.handleConnect(performance.now());
    if (id === undefined) {
      ws.on('error', () => {});
      ws.close(CLOSE_TRY_AGAIN_LATER, 'server full');
      return;
    }
    sockets.set(id, ws);
    ws.on('message', (data: RawData) => {
      // Text frames arrive as bytes too (ws checked their UTF-8); binary frames are
      // taken as UTF-8 JSON as well, and refused by the core when they are not.
      const bytes = rawToBytes(data);
      core.handleMessage(performance.now(), id, bytes, bytes.length);
      drain();
    });
    ws.on('pong', () => core.handlePong(performance.now(), id));
    ws.on('error', () => {
      // 'close' follows; the error (e.g. 1009 too big, bad frame) needs no more handling.
    });
    ws.on('close', () => {
      if (sockets.get(id) === ws) sockets.delete(id);
      core.handleDisconnect(performance.now(), id);
      drain();
    });
    drain();
  });

  const owned = options.server === undefined;
  const refuse = (socket: Duplex, status: string): void => {
    socket.on('error', () => {}); // a reset while refusing is no concern of ours
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== path) {
      // Another upgrade listener may own this path; when we are alone, refuse it.
      if (owned || (options.server?.listeners('upgrade').length ?? 0) <= 1) {
        refuse(socket, '404 Not Found');
      }
      return;
    }
    const origin = req.headers.origin;
    if (options.allowedOrigins !== undefined && origin !== undefined && !options.allowedOrigins.includes(origin)) {
      refuse(socket, '403 Forbidden');
      return;
    }
    if (closed) return refuse(socket, '503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  const http: Server =
    options.server ??
    createServer((req: IncomingMessage, res: ServerResponse) => {
      if (serveBrowserClient(req, res)) return;
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
      res.end(`purertc signaling: connect with a WebSocket to ${path}; the browser client is at ${BROWSER_CLIENT_PATH}\n`);
    });
  http.on('upgrade', onUpgrade);

  if (owned) {
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 8080;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        http.off('listening', onListening);
        if (err.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is already in use (try another --port, or 0 for any free port)`));
        else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`cannot bind ${host}: no such local address`));
        else if (err.code === 'EACCES') reject(new Error(`no permission to listen on ${host}:${port}`));
        else reject(err);
      };
      const onListening = (): void => {
        http.off('error', onError);
        resolve();
      };
      http.once('error', onError);
      http.once('listening', onListening);
      http.listen(port, host);
    });
  }

  // Read lazily: a mounted server may start listening after this returns.
  const bound = (): AddressInfo => {
    const address = http.address();
    return address !== null && typeof address === 'object'
      ? address
      : { address: options.host ?? '127.0.0.1', port: options.port ?? 0, family: 'IPv4' };
  };

  return {
    get host() {
      return bound().address;
    },
    get port() {
      return bound().port;
    },
    path,
    get url() {
      const b = bound();
      return `ws://${b.address.includes(':') ? `[${b.address}]` : b.address}:${b.port}${path}`;
    },
    core,
    get stats() {
      return core.stats;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      http.off('upgrade', onUpgrade);
      const all = [...sockets.values()];
      sockets.clear();
      await Promise.all(
        all.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close(1001, 'server shutting down');
              // A peer that never completes the closing handshake is cut off.
              setTimeout(() => ws.terminate(), 1000).unref();
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (owned) {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      }
    },
  };
}
