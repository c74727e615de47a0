// OUR TURN client core (src/turn/client.ts) against coturn's turnserver (a server we
// did not write), real UDP sockets on loopback: allocate through the 401 challenge,
// permission + Send/Data indications, ChannelBind + ChannelData to an echoing UDP peer
// and back, refresh, and deallocation. coturn (test/support/coturn.ts) runs on an
// ephemeral listening port and is killed afterwards.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { Socket as TcpSocket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StunStreamFramer } from '../../src/stun/index.js';
import { TurnClient } from '../../src/turn/client.js';
import type { TurnClientEvent } from '../../src/turn/client.js';
import type { TransportAddress } from '../../src/turn/address.js';
import { startCoturn, type Coturn } from '../support/coturn.js';

const WAIT_MS = 10_000;

/**
 * Drives a sans-IO TurnClient from a dgram socket or a TCP connection (framed with
 * StunStreamFramer) and real timers; time can be shifted forward.
 */
class ClientDriver {
  readonly events: TurnClientEvent[] = [];
  offsetMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  readonly client: TurnClient;
  private readonly sendData: (data: Uint8Array, to: TransportAddress) => void;
  private readonly closeTransport: () => void;
  constructor(transport: Socket | TcpSocket, client: TurnClient) {
    this.client = client;
    if (transport instanceof TcpSocket) {
      const framer = new StunStreamFramer();
      transport.on('data', (chunk: Buffer) => {
        for (const f of framer.push(chunk)) client.handleInput(this.now(), f);
        this.pump();
      });
      this.sendData = (d) => void transport.write(d);
      this.closeTransport = () => void transport.destroy();
    } else {
      transport.on('message', (data) => {
        client.handleInput(this.now(), data);
        this.pump();
      });
      this.sendData = (d, to) => transport.send(d, to.port, to.address);
      this.closeTransport = () => transport.close();
    }
  }
  now(): number {
    return performance.now() + this.offsetMs;
  }
  pump(): void {
    for (let t = this.client.pollTransmit(); t; t = this.client.pollTransmit()) this.sendData(t.data, t.to);
    for (let e = this.client.pollEvent(); e; e = this.client.pollEvent()) this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
    if (this.timer) clearTimeout(this.timer);
    const at = this.client.pollTimeout();
    if (at !== undefined) {
      this.timer = setTimeout(() => {
        this.client.handleTimeout(this.now());
        this.pump();
      }, Math.max(0, at - this.now()));
    }
  }
  /** Jumps the client's clock forward (coturn does not care about our clock). */
  advance(ms: number): void {
    this.offsetMs += ms;
    this.client.handleTimeout(this.now());
    this.pump();
  }
  async waitFor<T extends TurnClientEvent['type']>(type: T): Promise<Extract<TurnClientEvent, { type: T }>> {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const found = this.events.find((e) => e.type === type || e.type === 'error');
      if (found?.type === 'error') throw new Error(`TURN error: ${JSON.stringify(found)}`);
      if (found) {
        this.events.splice(this.events.indexOf(found), 1);
        return found as Extract<TurnClientEvent, { type: T }>;
      }
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${type}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.closeTransport();
  }
}

describe('purertc TURN client against coturn turnserver', () => {
  let coturn: Coturn | undefined;
  let server: TransportAddress;
  let peer: Socket;
  let peerAddress: TransportAddress;

  beforeAll(async () => {
    coturn = await startCoturn([
      '--relay-ip=127.0.0.1', '--min-port=46000', '--max-port=46199',
      '--lt-cred-mech', '--user=alice:wonderland', '--realm=purertc.test', '--allow-loopback-peers',
    ]);
    server = { family: 'IPv4', address: '127.0.0.1', port: coturn.port };
    // An echoing UDP peer.
    peer = createSocket('udp4');
    peer.on('message', (d, rinfo) => peer.send(d, rinfo.port, rinfo.address));
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    peerAddress = { family: 'IPv4', address: '127.0.0.1', port: peer.address().port };
  });

  afterAll(async () => {
    peer?.close();
    await coturn?.stop();
  });

  it('allocates, relays via Send/Data and ChannelData to a UDP peer and back, refreshes, deallocates', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const client = new TurnClient({ server, username: 'alice', password: 'wonderland', software: 'purertc-test' });
    const d = new ClientDriver(socket, client);
    client.allocate(d.now());
    d.pump();
    const allocated = await d.waitFor('allocated');
    expect(allocated.relayed.address).toBe('127.0.0.1');
    expect(allocated.relayed.port).toBeGreaterThanOrEqual(46000);
    expect(allocated.relayed.port).toBeLessThanOrEqual(46199);
    expect(allocated.mapped).toEqual({ family: 'IPv4', address: '127.0.0.1', port: socket.address().port });

    client.createPermission(d.now(), [peerAddress]);
    d.pump();
    await d.waitFor('permission');
    client.send(peerAddress, new TextEncoder().encode('via send indication'));
    d.pump();
    const echoed = await d.waitFor('data');
    expect(new TextDecoder().decode(echoed.data)).toBe('via send indication');
    expect(echoed.channel).toBeUndefined();
    expect(echoed.peer).toEqual(peerAddress);

    const channel = client.bindChannel(d.now(), peerAddress);
    d.pump();
    await d.waitFor('channel-bound');
    client.send(peerAddress, new TextEncoder().encode('via channel'));
    d.pump();
    const echoed2 = await d.waitFor('data');
    expect(new TextDecoder().decode(echoed2.data)).toBe('via channel');
    expect(echoed2.channel).toBe(channel);

    // Jump the client's clock to one minute before expiry: it refreshes (and coturn accepts).
    d.advance((allocated.lifetimeS - 60) * 1000);
    const refreshed = await d.waitFor('refreshed');
    expect(refreshed.lifetimeS).toBeGreaterThan(0);
    expect(client.state).toBe('allocated');

    client.close(d.now());
    d.pump();
    const closed = await d.waitFor('closed');
    expect(closed.reason).toBe('deallocated');
    // The permission and channel refreshes the clock jump triggered were accepted too.
    expect(d.events.filter((e) => e.type === 'error')).toEqual([]);
    d.stop();
  });

  it('over TCP to coturn (RFC 8656 3.1): allocates, binds a channel, relays padded ChannelData to the peer and back', async () => {
    const conn = connect({ host: '127.0.0.1', port: server.port });
    await once(conn, 'connect');
    const client = new TurnClient({ server, username: 'alice', password: 'wonderland', transport: 'tcp' });
    const d = new ClientDriver(conn, client);
    client.allocate(d.now());
    d.pump();
    const allocated = await d.waitFor('allocated');
    expect(allocated.relayed.port).toBeGreaterThanOrEqual(46000);
    expect(allocated.mapped).toEqual({ family: 'IPv4', address: '127.0.0.1', port: conn.localPort });
    const channel = client.bindChannel(d.now(), peerAddress);
    d.pump();
    await d.waitFor('channel-bound');
    // 5 bytes: the frame on the wire is padded to 12 (4 + 8).
    client.send(peerAddress, new TextEncoder().encode('tcp!!'));
    d.pump();
    const echoed = await d.waitFor('data');
    expect(new TextDecoder().decode(echoed.data)).toBe('tcp!!');
    expect(echoed.channel).toBe(channel);
    client.close(d.now());
    d.pump();
    expect((await d.waitFor('closed')).reason).toBe('deallocated');
    d.stop();
  });

  it('reports a wrong password as an error event', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const client = new TurnClient({ server, username: 'alice', password: 'wrong' });
    const d = new ClientDriver(socket, client);
    client.allocate(d.now());
    d.pump();
    await expect(d.waitFor('allocated')).rejects.toThrow(/"code":401/);
    expect(client.state).toBe('failed');
    d.stop();
  });
});
