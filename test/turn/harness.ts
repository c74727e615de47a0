// An in-memory network on a virtual clock for the TURN client and server cores:
// client <-> server listening address, server relay sockets <-> peers. Jumps to the
// next deadline with a step cap (str0m tests/common.rs::progress style).
import { seededRandom } from '../../src/common/random.js';
import { TurnClient } from '../../src/turn/client.js';
import type { TurnClientEvent, TurnClientOptions } from '../../src/turn/client.js';
import { TurnServer } from '../../src/turn/server.js';
import type { TurnServerEvent, TurnServerOptions } from '../../src/turn/server.js';
import type { TransportAddress } from '../../src/turn/address.js';
import { addressKey } from '../../src/turn/address.js';

export const SERVER: TransportAddress = { family: 'IPv4', address: '198.51.100.1', port: 3478 };
export const RELAY_IP = '198.51.100.1';
export const PEER: TransportAddress = { family: 'IPv4', address: '203.0.113.5', port: 7000 };
export const STEP_CAP = 100_000;

export interface PeerDatagram {
  readonly at: number;
  readonly from: TransportAddress;
  readonly to: TransportAddress;
  readonly data: Uint8Array;
}

export class Net {
  now = 0;
  readonly server: TurnServer;
  readonly clients = new Map<string, { client: TurnClient; address: TransportAddress; events: TurnClientEvent[] }>();
  readonly serverEvents: TurnServerEvent[] = [];
  /** Relay sockets the "host" has bound: relayId -> address. */
  readonly relays = new Map<number, TransportAddress>();
  /** Datagrams that reached peers. */
  readonly peerInbox: PeerDatagram[] = [];
  /** Ports the host fails to bind (to test the retry path). */
  readonly failPorts = new Set<number>();
  /** Drop the next n datagrams from the server to clients (to test retransmission). */
  dropToClients = 0;
  /** When false, client timers are not run (a client that went away). */
  clientTimers = true;
  /** Fraction of client<->server datagrams lost (seeded, so runs repeat). */
  lossRate = 0;
  lost = 0;
  private readonly lossRandom = seededRandom(99);

  private lose(): boolean {
    if (this.lossRate <= 0 || this.lossRandom.float() >= this.lossRate) return false;
    this.lost++;
    return true;
  }

  constructor(options: Partial<TurnServerOptions> = {}) {
    this.server = new TurnServer({
      realm: 'example.org',
      users: { alice: 'alice-pass', bob: 'bob-pass' },
      relayAddress: RELAY_IP,
      minPort: 50000,
      maxPort: 50099,
      random: seededRandom(7),
      ...options,
    });
  }

  addClient(name: string, address: TransportAddress, options: Partial<TurnClientOptions> = {}): TurnClient {
    const client = new TurnClient({ server: SERVER, username: 'alice', password: 'alice-pass', random: seededRandom(100 + this.clients.size), ...options });
    this.clients.set(name, { client, address, events: [] });
    return client;
  }

  events(name: string): TurnClientEvent[] {
    return this.clients.get(name)?.events ?? [];
  }

  /** A peer sends to a relayed address. */
  peerSend(from: TransportAddress, relay: TransportAddress, data: Uint8Array): void {
    for (const [id, addr] of this.relays) {
      if (addressKey(addr) === addressKey(relay)) this.server.handleRelayInput(this.now, id, from, data);
    }
    this.drain();
  }

  /** Delivers everything queued until nothing moves. */
  drain(): void {
    for (let step = 0; step < STEP_CAP; step++) {
      let moved = false;
      for (const c of this.clients.values()) {
        for (let t = c.client.pollTransmit(); t; t = c.client.pollTransmit()) {
          moved = true;
          if (!this.lose()) this.server.handleInput(this.now, c.address, t.data);
        }
        for (let e = c.client.pollEvent(); e; e = c.client.pollEvent()) c.events.push(e);
      }
      for (let t = this.server.pollTransmit(); t; t = this.server.pollTransmit()) {
        moved = true;
        if (t.relayId === undefined) {
          if (this.dropToClients > 0) {
            this.dropToClients--;
            continue;
          }
          if (this.lose()) continue;
          for (const c of this.clients.values()) if (addressKey(c.address) === addressKey(t.to)) c.client.handleInput(this.now, t.data);
        } else {
          const from = this.relays.get(t.relayId);
          if (from) this.peerInbox.push({ at: this.now, from, to: t.to, data: t.data });
        }
      }
      for (let e = this.server.pollEvent(); e; e = this.server.pollEvent()) {
        moved = true;
        this.serverEvents.push(e);
        if (e.type === 'relay-open') {
          const ok = !this.failPorts.has(e.port);
          if (ok) this.relays.set(e.relayId, { family: e.family, address: e.address, port: e.port });
          this.server.handleRelayOpened(this.now, e.relayId, ok);
        } else if (e.type === 'relay-close') this.relays.delete(e.relayId);
      }
      if (!moved) return;
    }
    throw new Error('drain: step cap reached');
  }

  /** Runs the clock to `until`, firing every deadline on the way. */
  runUntil(until: number): void {
    this.drain();
    for (let step = 0; step < STEP_CAP; step++) {
      let next: number | undefined = this.server.pollTimeout();
      if (this.clientTimers) {
        for (const c of this.clients.values()) {
          const t = c.client.pollTimeout();
          if (t !== undefined && (next === undefined || t < next)) next = t;
        }
      }
      if (next === undefined || next > until) {
        this.now = until;
        this.server.handleTimeout(this.now);
        this.drain();
        return;
      }
      this.now = Math.max(this.now, next);
      this.server.handleTimeout(this.now);
      if (this.clientTimers) for (const c of this.clients.values()) c.client.handleTimeout(this.now);
      this.drain();
    }
    throw new Error('runUntil: step cap reached');
  }
}
