/**
 * Test-only socket glue: a dgram socket on 127.0.0.1 driving a sans-IO DtlsEndpoint
 * with real timers (the production glue belongs to src/node).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DtlsEndpoint, DtlsEvent } from '../../src/dtls/endpoint.js';

export class UdpDriver {
  readonly socket: Socket;
  readonly events: DtlsEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private remote: { address: string; port: number } | undefined;
  private waiters: { pred: (e: DtlsEvent) => boolean; resolve: (e: DtlsEvent) => void }[] = [];
  readonly endpoint: DtlsEndpoint;

  private constructor(endpoint: DtlsEndpoint, socket: Socket) {
    this.endpoint = endpoint;
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.remote ??= { address: rinfo.address, port: rinfo.port };
      this.endpoint.handleInput(performance.now(), new Uint8Array(msg));
      this.flush();
    });
  }

  static async bind(endpoint: DtlsEndpoint): Promise<UdpDriver> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new UdpDriver(endpoint, socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  connect(port: number): void {
    this.remote = { address: '127.0.0.1', port };
    this.endpoint.start(performance.now());
    this.flush();
  }

  listen(): void {
    this.endpoint.start(performance.now());
  }

  flush(): void {
    for (let d = this.endpoint.pollTransmit(); d; d = this.endpoint.pollTransmit()) {
      if (this.remote) this.socket.send(d, this.remote.port, this.remote.address);
    }
    for (let e = this.endpoint.pollEvent(); e; e = this.endpoint.pollEvent()) {
      this.events.push(e);
      const ev = e;
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(ev)) return true;
        w.resolve(ev);
        return false;
      });
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.endpoint.pollTimeout();
    if (at !== undefined) {
      this.timer = setTimeout(() => {
        this.endpoint.handleTimeout(performance.now());
        this.flush();
      }, Math.max(0, at - performance.now()));
    }
  }

  /** Resolves with the first event (past or future) matching `pred`. */
  waitFor(pred: (e: DtlsEvent) => boolean, timeoutMs = 10_000): Promise<DtlsEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting; events: ${JSON.stringify(this.events.map((e) => e.type === 'closed' ? e : e.type))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  }

  send(data: Uint8Array): void {
    this.endpoint.send(data);
    this.flush();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.socket.close();
  }
}
