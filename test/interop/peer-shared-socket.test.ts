/**
 * Many purertc RTCPeerConnections on ONE UDP socket (`sharedSocket`, a purertc server
 * option; src/node/rtc-shared-socket.ts): ten werift 0.25.2 peers (an independent stack)
 * each offer a data channel to one of ten purertc peers that all use the same port; every
 * connection carries its own messages both ways and getStats shows the shared port as the
 * local side of every selected pair. Demultiplexing: STUN USERNAME (RFC 8445 7.2.2), then
 * remote address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import type { RTCDataChannel as WeriftDataChannel } from 'werift';
import { RTCSharedUdpSocket } from '../../src/node/rtc-shared-socket.js';
import { NodePeer } from '../peer/node-peer.js';
import { selected } from '../peer/stats-checks.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';

const PEERS = 10;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function werift(): WeriftPeerConnection {
  const pc = new WeriftPeerConnection({
    ...WERIFT_LOOPBACK_CONFIG,
  });
  cleanups.push(() => pc.close());
  return pc;
}

async function connectOne(shared: RTCSharedUdpSocket, i: number): Promise<{ node: NodePeer; dc: WeriftDataChannel; got: (string | Uint8Array)[] }> {
  const w = werift();
  const dc = w.createDataChannel(`peer-${i}`);
  const got: (string | Uint8Array)[] = [];
  dc.onMessage.subscribe((m) => got.push(typeof m === 'string' ? m : new Uint8Array(m)));
  await w.setLocalDescription(await w.createOffer());
  await waitFor(() => w.iceGatheringState === 'complete', 'werift gathering');
  const node = new NodePeer(`node-${i}`, { sharedSocket: shared });
  cleanups.push(() => node.close());
  const offer = w.localDescription;
  if (!offer) throw new Error('werift has no offer');
  await node.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
  await node.pc.setLocalDescription(await node.pc.createAnswer());
  await waitFor(() => node.pc.iceGatheringState === 'complete', 'purertc gathering');
  const answer = node.pc.localDescription;
  if (!answer) throw new Error('no answer');
  await w.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  return { node, dc, got };
}

describe('purertc: many RTCPeerConnections on one shared UDP socket', () => {
  it(`${PEERS} werift peers reach ${PEERS} purertc peers on one port; each connection keeps its own data`, async () => {
    const shared = await RTCSharedUdpSocket.bind({ address: '127.0.0.1' });
    cleanups.push(() => shared.close());
    const conns = await Promise.all(Array.from({ length: PEERS }, (_, i) => connectOne(shared, i)));
    expect(shared.peerCount).toBe(PEERS);
    for (const { node } of conns) {
      // The only host candidate is the shared socket's address.
      expect(node.pc.localDescription?.sdp).toContain(`127.0.0.1 ${shared.port} typ host`);
      expect(node.pc.localAddresses).toEqual([{ address: '127.0.0.1', port: shared.port }]);
    }
    await Promise.all(conns.map(({ node }, i) => node.waitForChannel(`peer-${i}`)));
    await Promise.all(conns.map(({ dc }, i) => waitFor(() => dc.readyState === 'open', `werift channel ${i} open`)));
    for (const [i, { node, dc }] of conns.entries()) {
      dc.send(`from werift ${i}`);
      node.channels.get(`peer-${i}`)?.send(`from purertc ${i}`);
      node.channels.get(`peer-${i}`)?.send(new Uint8Array(20_000).fill(i));
    }
    for (const [i, { node, got }] of conns.entries()) {
      expect(await node.waitForMessages(`peer-${i}`, 1)).toEqual([`from werift ${i}`]);
      await waitFor(() => got.length === 2, `werift ${i} messages`);
      expect(got[0]).toBe(`from purertc ${i}`);
      expect(got[1]).toEqual(new Uint8Array(20_000).fill(i));
    }
    // Ten distinct remote ends, one local port.
    const remotes = new Set<string>();
    for (const { node } of conns) {
      const s = selected(await node.pc.getStats());
      expect(s.local).toMatchObject({ address: '127.0.0.1', port: shared.port, candidateType: 'host' });
      remotes.add(`${String(s.remote['address'])}:${String(s.remote['port'])}`);
      expect(node.pc.internalErrors).toBe(0);
    }
    expect(remotes.size).toBe(PEERS);
    // Closing one peer detaches it; the others keep working.
    conns[0]?.node.close();
    expect(shared.peerCount).toBe(PEERS - 1);
    const last = conns[PEERS - 1];
    last?.dc.send('still routed');
    expect(await last?.node.waitForMessages(`peer-${PEERS - 1}`, 2)).toEqual([`from werift ${PEERS - 1}`, 'still routed']);
  }, 60_000);

  it('purertc clients with trickle; an ICE restart on one connection (new server ufrag) keeps every connection on the shared socket working', async () => {
    const shared = await RTCSharedUdpSocket.bind({ address: '127.0.0.1' });
    cleanups.push(() => shared.close());
    const pairs = await Promise.all(Array.from({ length: 3 }, async (_, i) => {
      const server = new NodePeer(`server-${i}`, { sharedSocket: shared });
      const client = new NodePeer(`client-${i}`);
      cleanups.push(() => server.close(), () => client.close());
      server.pc.onicecandidate = (e) => void (e.candidate && client.pc.addIceCandidate(e.candidate));
      client.pc.onicecandidate = (e) => void (e.candidate && server.pc.addIceCandidate(e.candidate));
      client.createChannel(`c${i}`);
      await server.setRemoteDescription(await client.createOffer());
      await client.setRemoteDescription(await server.createAnswer());
      await server.waitForChannel(`c${i}`);
      await client.waitForChannel(`c${i}`);
      return { server, client };
    }));
    const first = pairs[0];
    if (!first) throw new Error('no pair');
    const ufragBefore = /a=ice-ufrag:(\S+)/.exec(first.server.pc.localDescription?.sdp ?? '')?.[1];
    first.client.offerOptions = { iceRestart: true };
    await first.server.setRemoteDescription(await first.client.createOffer());
    await first.client.setRemoteDescription(await first.server.createAnswer());
    const ufragAfter = /a=ice-ufrag:(\S+)/.exec(first.server.pc.localDescription?.sdp ?? '')?.[1];
    expect(ufragAfter).not.toBe(ufragBefore);
    await first.server.waitFor(() => first.server.pc.iceConnectionState === 'connected' || first.server.pc.iceConnectionState === 'completed', 'server ICE after restart');
    for (const [i, { server, client }] of pairs.entries()) {
      client.channels.get(`c${i}`)?.send(`to server ${i}`);
      server.channels.get(`c${i}`)?.send(`to client ${i}`);
    }
    for (const [i, { server, client }] of pairs.entries()) {
      expect(await server.waitForMessages(`c${i}`, 1)).toEqual([`to server ${i}`]);
      expect(await client.waitForMessages(`c${i}`, 1)).toEqual([`to client ${i}`]);
      expect(server.pc.internalErrors).toBe(0);
    }
  }, 30_000);
});
