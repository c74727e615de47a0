// RFC 8656 on a virtual clock: our TURN client core against our TURN server core over
// an in-memory network (allocation, auth challenge, 438, permissions, channels,
// refresh, lifetimes, deallocation, errors as events).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Net, PEER, RELAY_IP } from './harness.js';
import type { TransportAddress } from '../../src/turn/address.js';

const ALICE: TransportAddress = { family: 'IPv4', address: '192.0.2.10', port: 5000 };
const BOB: TransportAddress = { family: 'IPv4', address: '192.0.2.11', port: 5001 };
const bytes = (...xs: number[]) => new Uint8Array(xs);

function allocated(net: Net, name = 'alice') {
  const e = net.events(name).find((x) => x.type === 'allocated');
  if (!e || e.type !== 'allocated') throw new Error('not allocated');
  return e;
}

describe('TURN client <-> server (virtual clock)', () => {
  it('allocates after the 401 challenge: relayed address in range, mapped address, default lifetime', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const a = allocated(net);
    expect(a.relayed.address).toBe(RELAY_IP);
    expect(a.relayed.port).toBeGreaterThanOrEqual(50000);
    expect(a.relayed.port).toBeLessThanOrEqual(50099);
    expect(a.mapped).toEqual(ALICE);
    expect(a.lifetimeS).toBe(600);
    expect(c.state).toBe('allocated');
    expect(net.server.stats.challenges).toBe(1);
    expect(net.server.allocationCount).toBe(1);
  });

  it('relays Send/Data indications only with a permission', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const relay = allocated(net).relayed;
    // No permission yet: the server drops both directions.
    c.send(PEER, bytes(1));
    net.drain();
    net.peerSend(PEER, relay, bytes(2));
    expect(net.peerInbox).toHaveLength(0);
    expect(net.events('alice').some((e) => e.type === 'data')).toBe(false);

    c.createPermission(net.now, [PEER]);
    net.drain();
    expect(net.events('alice').some((e) => e.type === 'permission')).toBe(true);
    c.send(PEER, bytes(3, 4));
    net.drain();
    expect(net.peerInbox.map((d) => [d.from, d.to, [...d.data]])).toEqual([[relay, PEER, [3, 4]]]);
    // The permission is per IP (RFC 8656 9): another port of the same IP may send back.
    net.peerSend({ ...PEER, port: 7001 }, relay, bytes(5));
    const data = net.events('alice').filter((e) => e.type === 'data');
    expect(data).toEqual([{ type: 'data', peer: { ...PEER, port: 7001 }, data: bytes(5), channel: undefined }]);
  });

  it('binds a channel and relays ChannelData both ways', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const relay = allocated(net).relayed;
    const ch = c.bindChannel(net.now, PEER);
    expect(ch).toBe(0x4000);
    net.drain();
    expect(net.events('alice')).toContainEqual({ type: 'channel-bound', channel: 0x4000, peer: PEER });
    c.send(PEER, bytes(9, 9, 9));
    net.drain();
    expect([...(net.peerInbox[0]?.data ?? [])]).toEqual([9, 9, 9]);
    net.peerSend(PEER, relay, bytes(7));
    expect(net.events('alice').filter((e) => e.type === 'data')).toEqual([{ type: 'data', peer: PEER, data: bytes(7), channel: 0x4000 }]);
    expect(c.bindChannel(net.now, PEER)).toBe(0x4000);
  });

  it('keeps allocation, permission and channel alive for 2 hours by refreshing before expiry', () => {
    const net = new Net({ nonceLifetimeS: 900 });
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const relay = allocated(net).relayed;
    c.createPermission(net.now, [PEER]);
    c.bindChannel(net.now, PEER);
    net.drain();
    net.runUntil(2 * 3600_000);
    expect(c.state).toBe('allocated');
    expect(net.server.allocationCount).toBe(1);
    const refreshes = net.events('alice').filter((e) => e.type === 'refreshed').length;
    // Refresh every 540 s (600 s lifetime, 60 s early): 13 in 7200 s.
    expect(refreshes).toBe(13);
    expect(net.events('alice').some((e) => e.type === 'error')).toBe(false);
    // Stale nonces (900 s) were renewed through 438 without surfacing errors.
    expect(net.server.stats.staleNonces).toBeGreaterThan(0);
    c.send(PEER, bytes(1));
    net.peerSend(PEER, relay, bytes(2));
    expect(net.peerInbox.at(-1)?.data).toEqual(bytes(1));
    expect(net.events('alice').filter((e) => e.type === 'data').at(-1)).toMatchObject({ channel: 0x4000, data: bytes(2) });
  });

  it('keeps the permission a ChannelBind installed alive (it lasts 300 s, the channel 600 s)', () => {
    const net = new Net({ nonceLifetimeS: 3600 });
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const relay = allocated(net).relayed;
    c.bindChannel(net.now, PEER);
    net.drain();
    for (const t of [299_000, 301_000, 450_000, 601_000, 3_600_000]) {
      net.runUntil(t);
      const before = net.events('alice').filter((e) => e.type === 'data').length;
      net.peerSend(PEER, relay, bytes(t % 251));
      expect(net.events('alice').filter((e) => e.type === 'data')).toHaveLength(before + 1);
      c.send(PEER, bytes(1));
      net.drain();
      expect(net.peerInbox.at(-1)?.at).toBe(t);
    }
  });

  it('survives 10% loss between client and server for 2 hours (retransmissions, idempotent refreshes)', () => {
    const net = new Net({ nonceLifetimeS: 1200 });
    net.lossRate = 0.1;
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.runUntil(60_000);
    const relay = allocated(net).relayed;
    c.createPermission(net.now, [PEER]);
    c.bindChannel(net.now, PEER);
    net.runUntil(2 * 3600_000);
    expect(net.lost).toBeGreaterThan(0);
    expect(net.events('alice').filter((e) => e.type === 'error')).toEqual([]);
    expect(c.state).toBe('allocated');
    expect(net.server.allocationCount).toBe(1);
    net.lossRate = 0;
    net.peerSend(PEER, relay, bytes(42));
    expect(net.events('alice').filter((e) => e.type === 'data').at(-1)).toMatchObject({ channel: 0x4000, data: bytes(42) });
    c.close(net.now);
    net.runUntil(net.now + 60_000);
    expect(net.server.allocationCount).toBe(0);
  });

  it('server expires permissions at 300 s, channels at 600 s and the allocation at its lifetime when the client goes quiet', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    const relay = allocated(net).relayed;
    c.createPermission(net.now, [PEER]);
    net.drain();
    const t0 = net.now;
    net.clientTimers = false;
    net.runUntil(t0 + 299_999);
    net.peerSend(PEER, relay, bytes(1));
    expect(net.events('alice').filter((e) => e.type === 'data')).toHaveLength(1);
    net.runUntil(t0 + 300_000);
    net.peerSend(PEER, relay, bytes(2));
    expect(net.events('alice').filter((e) => e.type === 'data')).toHaveLength(1);
    net.runUntil(t0 + 599_999);
    expect(net.server.allocationCount).toBe(1);
    net.runUntil(t0 + 600_000);
    expect(net.server.allocationCount).toBe(0);
    expect(net.serverEvents.filter((e) => e.type === 'relay-close')).toHaveLength(1);
    expect(net.serverEvents).toContainEqual(expect.objectContaining({ type: 'allocation-deleted', reason: 'expired' }));
  });

  it('deallocates on close (Refresh with LIFETIME 0)', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(net.now);
    net.drain();
    c.close(net.now);
    net.drain();
    expect(c.state).toBe('closed');
    expect(net.events('alice').at(-1)).toEqual({ type: 'closed', reason: 'deallocated' });
    expect(net.server.allocationCount).toBe(0);
    expect(net.relays.size).toBe(0);
    expect(net.serverEvents).toContainEqual(expect.objectContaining({ type: 'allocation-deleted', reason: 'refresh' }));
  });

  it('surfaces a wrong password as an error event, never a throw', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE, { password: 'nope' });
    c.allocate(net.now);
    net.drain();
    expect(net.events('alice')).toEqual([
      { type: 'error', operation: 'allocate', code: 401, reason: 'Unauthorized' },
      { type: 'closed', reason: 'failed' },
    ]);
    expect(c.state).toBe('failed');
    expect(net.server.allocationCount).toBe(0);
  });

  it('enforces the per-user quota with 486', () => {
    const net = new Net({ maxAllocationsPerUser: 1 });
    net.addClient('alice', ALICE).allocate(0);
    net.addClient('alice2', BOB).allocate(0);
    net.drain();
    expect(net.events('alice')[0]?.type).toBe('allocated');
    expect(net.events('alice2')[0]).toEqual({ type: 'error', operation: 'allocate', code: 486, reason: 'Allocation Quota Reached' });
    // A different user is not affected.
    net.addClient('bob', { ...BOB, port: 6000 }, { username: 'bob', password: 'bob-pass' }).allocate(0);
    net.drain();
    expect(net.events('bob')[0]?.type).toBe('allocated');
  });

  it('times out against a silent server with exact RFC 8489 retransmissions, as an error event', () => {
    const net = new Net();
    const c = net.addClient('alice', { ...ALICE, port: 5999 });
    c.allocate(0);
    // Nothing reaches the server: drain the client by hand.
    const sends: number[] = [];
    let now = 0;
    for (let step = 0; step < 100; step++) {
      while (c.pollTransmit()) sends.push(now);
      const ev = c.pollEvent();
      if (ev) {
        expect(ev).toEqual({ type: 'error', operation: 'allocate', code: 408, reason: 'Request Timeout' });
        break;
      }
      const at = c.pollTimeout();
      if (at === undefined) break;
      now = at;
      c.handleTimeout(now);
    }
    expect(sends).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(now).toBe(39500);
    expect(c.state).toBe('failed');
  });

  it('over TCP: one request, no retransmission, failure after Ti = 39.5 s (RFC 8489 6.2.2)', () => {
    const c = new Net().addClient('alice', ALICE, { transport: 'tcp' });
    c.allocate(0);
    const sends: number[] = [];
    let now = 0;
    for (let step = 0; step < 100 && c.state === 'allocating'; step++) {
      while (c.pollTransmit()) sends.push(now);
      const at = c.pollTimeout();
      if (at === undefined) break;
      now = at;
      c.handleTimeout(now);
    }
    expect(sends).toEqual([0]);
    expect(now).toBe(39500);
    expect(c.pollEvent()).toEqual({ type: 'error', operation: 'allocate', code: 408, reason: 'Request Timeout' });
  });

  it('retries another relay port when the host cannot bind the first', () => {
    const net = new Net({ minPort: 50000, maxPort: 50001 });
    net.failPorts.add(50000);
    net.failPorts.add(50001);
    net.addClient('alice', ALICE).allocate(0);
    net.drain();
    expect(net.events('alice')[0]).toMatchObject({ type: 'error', operation: 'allocate', code: 508 });
    const net2 = new Net({ minPort: 50000, maxPort: 50001 });
    net2.failPorts.add(50000);
    net2.addClient('alice', ALICE).allocate(0);
    net2.drain();
    expect(allocated(net2).relayed.port).toBe(50001);
  });

  it('answers a retransmitted Allocate with the same success response (one relay, one allocation)', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(0);
    // The 401 challenge goes through by hand; then the success response is lost once.
    const t = c.pollTransmit();
    net.server.handleInput(0, ALICE, t!.data);
    c.handleInput(0, net.server.pollTransmit()!.data);
    net.dropToClients = 1;
    net.drain();
    expect(c.state).toBe('allocating');
    // The client retransmits after its 500 ms RTO and gets the stored response.
    net.runUntil(600);
    expect(c.state).toBe('allocated');
    expect(net.server.allocationCount).toBe(1);
    expect(net.serverEvents.filter((e) => e.type === 'relay-open')).toHaveLength(1);
  });

  it('client drops ChannelData for unbound channels and non-TURN bytes', () => {
    const net = new Net();
    const c = net.addClient('alice', ALICE);
    c.allocate(0);
    net.drain();
    const before = c.stats.dropped;
    c.handleInput(net.now, new Uint8Array([0x40, 0x07, 0x00, 0x01, 0xaa]));
    c.handleInput(net.now, new Uint8Array([0xff]));
    expect(c.stats.dropped).toBe(before + 2);
  });
});

describe('TurnClient robustness', () => {
  it('never throws on random datagrams, before and after allocation', () => {
    const net = new Net();
    const fresh = net.addClient('fresh', { ...ALICE, port: 5100 });
    const c = net.addClient('alice', ALICE);
    c.allocate(0);
    net.drain();
    c.bindChannel(net.now, PEER);
    net.drain();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (d) => {
        c.handleInput(net.now, d);
        fresh.handleInput(net.now, d);
        while (c.pollEvent());
      }),
      { numRuns: 3000 },
    );
    expect(c.state).toBe('allocated');
  });
});
