/**
 * Chrome's TURN client (libwebrtc) against OUR TURN server (RFC 8656): two
 * RTCPeerConnections in one Chrome page with iceTransportPolicy 'relay' gather relay
 * candidates from src/node/turn-server.ts (Allocate through the RFC 8489 9.2 401
 * challenge), then connect and exchange data-channel messages both ways with every
 * datagram relayed by our server (CreatePermission/ChannelBind, ChannelData or
 * Send/Data indications, relay-to-relay on 127.0.0.1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTurnServer } from '../../src/node/turn-server.js';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';

const MIN_PORT = 44000;
const MAX_PORT = 44199;

describe.skipIf(!chromeAvailable)('chrome: relayed connection through our TURN server', () => {
  const chrome = useChrome();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // UDP only: Chrome here fails every TURN-over-TCP connection to 127.0.0.1 with
  // icecandidateerror 701 "Failed to establish connection", against coturn too (checked),
  // so a TCP case would test the environment, not our server. coturn's turnutils_uclient
  // -t covers our TCP listener (test/interop/turn-server-coturn-uclient.test.ts).
  for (const transport of ['udp'] as const) {
    it(`gathers relay candidates from our server (client over ${transport}) and carries a data channel over them`, async () => {
      const turn = await startTurnServer({
        host: '127.0.0.1',
        port: 0,
        realm: 'purertc.test',
        users: { alice: 'correct horse' },
        minPort: MIN_PORT,
        maxPort: MAX_PORT,
        allowLoopbackPeers: true,
      });
      cleanups.push(() => turn.close());
      const iceServers = [{ urls: `turn:127.0.0.1:${turn.port}?transport=${transport}`, username: 'alice', credential: 'correct horse' }];

      const page = await chrome.newPage();
      const a = await page.createPeer('a', { iceServers, iceTransportPolicy: 'relay', dataChannels: ['chat'] });
      const b = await page.createPeer('b', { iceServers, iceTransportPolicy: 'relay' });
      const record = await negotiate(a, b);

      // Only relay candidates, each one a relayed address our server allocated.
      const candidates = [...record.offererCandidates, ...record.answererCandidates].map((c) => (c.candidate ?? '').split(' '));
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) {
        expect(c[7]).toBe('relay');
        expect(c[4]).toBe('127.0.0.1');
        expect(Number(c[5])).toBeGreaterThanOrEqual(MIN_PORT);
        expect(Number(c[5])).toBeLessThanOrEqual(MAX_PORT);
      }
      expect(turn.core.allocationCount).toBeGreaterThanOrEqual(2);
      expect(turn.core.stats.challenges).toBeGreaterThanOrEqual(2);

      await a.waitFor({ kind: 'channelOpen', label: 'chat' });
      await b.waitFor({ kind: 'channelOpen', label: 'chat' });
      await a.send('chat', 'hello via relay');
      await b.send('chat', 'and back');
      expect(await b.waitForMessages('chat', 1)).toEqual(['hello via relay']);
      expect(await a.waitForMessages('chat', 1)).toEqual(['and back']);
      const stats = await a.stats();
      expect(stats.selectedPair?.local.candidateType).toBe('relay');
      // Every ICE, DTLS and SCTP datagram went through our relay sockets.
      expect(turn.core.stats.relayedToPeer).toBeGreaterThan(10);
      expect(turn.core.stats.relayedToClient).toBeGreaterThan(10);
    });
  }
});
