/**
 * @module node/ice-transport
 * Drives the sans-IO `IceAgent` (src/ice, RFC 8445) with real UDP sockets: one
 * `node:dgram` socket per host address (the agent's bases), one timer re-armed at
 * `pollTimeout()`, the monotonic clock from `performance.now()`, and mDNS resolution
 * of remote `.local` candidates (src/node/ice-mdns.ts). Relayed transmits go to a
 * caller-supplied TURN send path.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import {
  IceAgent,
  type Candidate,
  type IceAgentOptions,
  type IceEvent,
  type RelayedCandidateInfo,
  type Transmit,
  type TransportAddress,
} from '../ice/index.js';
import { listHostAddresses } from './ice-interfaces.js';
import { resolveMdnsName, type MdnsResolverOptions } from './ice-mdns.js';

export interface UdpIceTransportOptions extends IceAgentOptions {
  /** Addresses to bind (default: every usable interface from `listHostAddresses`). */
  readonly addresses?: readonly string[];
  /** Port to bind on each address (default 0: any). */
  readonly port?: number;
  /** Where relayed transmits go (the TURN client); dropped when absent. */
  readonly sendRelayed?: (t: Transmit) => void;
  /**
   * Remote addresses to talk to: datagrams from others are dropped and nothing is sent
   * to them (e.g. keep a test on loopback when the peer also binds other interfaces).
   */
  readonly remoteFilter?: (remote: TransportAddress) => boolean;
  /** mDNS resolver options, or `false` to drop `.local` candidates' queries unanswered. */
  readonly mdnsResolver?: MdnsResolverOptions | false;
}

type Listener = (e: IceEvent) => void;

/** An ICE agent on real UDP sockets. Events arrive through `on(listener)`. */
export class UdpIceTransport {
  readonly agent: IceAgent;
  private readonly sockets = new Map<string, Socket>();
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt: number | undefined;
  private closed = false;
  private readonly options: UdpIceTransportOptions;

  private constructor(options: UdpIceTransportOptions) {
    this.options = options;
    this.agent = new IceAgent(options);
  }

  /** Binds the sockets and hands their addresses to the agent as host bases. */
  static async create(options: UdpIceTransportOptions = {}): Promise<UdpIceTransport> {
    const t = new UdpIceTransport(options);
    const addresses = options.addresses ?? listHostAddresses({ includeLoopback: options.includeLoopback ?? false }).map((a) => a.address);
    const bases: TransportAddress[] = [];
    for (const address of addresses) {
      const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(options.port ?? 0, address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch {
        socket.close();
        continue;
      }
      const port = socket.address().port;
      const base = { address, port };
      t.sockets.set(`${address}|${port}`, socket);
      socket.on('message', (msg, rinfo) => {
        if (t.closed) return;
        if (options.remoteFilter && !options.remoteFilter({ address: rinfo.address, port: rinfo.port })) return;
        t.agent.handleInput(t.now(), {
          local: base,
          remote: { address: rinfo.address, port: rinfo.port },
          data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        });
        t.pump();
      });
      socket.on('error', () => {
        // ICMP errors surface here on some platforms; consent handles dead paths.
      });
      bases.push(base);
    }
    t.agent.addHostBases(t.now(), bases);
    return t;
  }

  /** Milliseconds on the monotonic clock (the agent's `now`). */
  now(): number {
    return performance.now();
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The bound bases. */
  get bases(): TransportAddress[] {
    return [...this.sockets.keys()].map((k) => {
      const [address, port] = k.split('|') as [string, string];
      return { address, port: Number(port) };
    });
  }

  gather(): void {
    this.agent.gather(this.now());
    this.pump();
  }

  setRemoteCredentials(ufrag: string, password: string, options: { lite?: boolean } = {}): void {
    this.agent.setRemoteCredentials(this.now(), ufrag, password, options);
    this.pump();
  }

  addRemoteCandidate(candidate: Candidate): void {
    this.agent.addRemoteCandidate(this.now(), candidate);
    this.pump();
  }

  endOfRemoteCandidates(): void {
    this.agent.endOfRemoteCandidates(this.now());
    this.pump();
  }

  restart(): void {
    this.agent.restart(this.now());
    this.pump();
  }

  /**
   * Sends application data on the selected pair (before selection, a valid one; before
   * that, kept for the first valid pair: IceAgent.send); false once closed or failed.
   */
  send(data: Uint8Array): boolean {
    const ok = this.agent.send(data);
    this.pump();
    return ok;
  }

  /** A TURN allocation is under way: gathering completes only after `addRelayedCandidate(id, ...)`. */
  beginRelayGathering(id: string): void {
    this.agent.beginRelayGathering(id);
    this.pump();
  }

  /**
   * The TURN client's result for allocation `id`: the relayed address becomes a local
   * candidate whose transmits go to `sendRelayed`; pass `undefined` (and an error) on failure.
   */
  addRelayedCandidate(id: string, info: RelayedCandidateInfo | undefined, error?: { url: string; errorCode: number; errorText: string }): void {
    this.agent.addRelayedCandidate(this.now(), id, info, error);
    this.pump();
  }

  /** Feeds data the TURN client received on a relayed address. */
  handleRelayed(local: TransportAddress, remote: TransportAddress, data: Uint8Array): void {
    this.agent.handleInput(this.now(), { local, remote, data });
    this.pump();
  }

  close(): void {
    if (this.closed) return;
    this.agent.close();
    this.pump();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  /** Drain transmits and events, then re-arm the one timer (ARCHITECTURE.md rule). */
  private pump(): void {
    if (this.closed) return;
    for (let t = this.agent.pollTransmit(); t; t = this.agent.pollTransmit()) {
      if (t.relayed) {
        this.options.sendRelayed?.(t);
        continue;
      }
      if (this.options.remoteFilter && !this.options.remoteFilter(t.to)) continue;
      const socket = this.sockets.get(`${t.from.address}|${t.from.port}`);
      socket?.send(t.data, t.to.port, t.to.address);
    }
    for (let e = this.agent.pollEvent(); e; e = this.agent.pollEvent()) {
      if (e.type === 'mdns-query') this.resolve(e.name);
      for (const l of this.listeners) l(e);
    }
    const at = this.agent.pollTimeout();
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      if (this.closed) return;
      this.agent.handleTimeout(this.now());
      this.pump();
    }, Math.max(0, Math.ceil(at - this.now())));
  }

  private resolve(name: string): void {
    const opts = this.options.mdnsResolver;
    if (opts === false) {
      this.agent.resolveMdns(this.now(), name, undefined);
      return;
    }
    void resolveMdnsName(name, opts ?? {}).then(
      (address) => {
        if (this.closed) return;
        this.agent.resolveMdns(this.now(), name, address);
        this.pump();
      },
      () => {
        if (this.closed) return;
        this.agent.resolveMdns(this.now(), name, undefined);
        this.pump();
      },
    );
  }
}
