// werift 0.25.2's TURN client (a client we did not write) against OUR TURN server on
// loopback: it allocates through the 401 challenge, creates a permission, binds a
// channel, and relays data to an echoing UDP peer and back. (werift's close() only
// closes its socket, without a deallocating Refresh, so the allocation is left to expire.)
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createTurnClient } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTurnServer } from '../../src/node/turn-server.js';
import type { TurnServerHandle } from '../../src/node/turn-server.js';

describe('werift TURN client against purertc TURN server', () => {
  let server: TurnServerHandle;
  beforeAll(async () => {
    server = await startTurnServer({ host: '127.0.0.1', port: 0, realm: 'purertc.test', users: { carol: 'pw-carol' }, minPort: 44400, maxPort: 44499, allowLoopbackPeers: true });
  });
  afterAll(async () => {
    await server.close();
  });

  it('allocates and relays to a UDP peer and back', async () => {
    const peer = createSocket('udp4');
    peer.on('message', (d, r) => peer.send(d, r.port, r.address));
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    const peerAddr: [string, number] = ['127.0.0.1', peer.address().port];

    const turn = await createTurnClient({ address: ['127.0.0.1', server.port], username: 'carol', password: 'pw-carol' });
    try {
      expect(turn.relayedAddress[0]).toBe('127.0.0.1');
      expect(turn.relayedAddress[1]).toBeGreaterThanOrEqual(44400);
      expect(turn.relayedAddress[1]).toBeLessThanOrEqual(44499);
      expect(server.core.allocationCount).toBe(1);
      const received: string[] = [];
      const got = new Promise<void>((resolve) => {
        turn.onData.subscribe((data, from) => {
          received.push(`${Buffer.from(data).toString()}@${from[0]}:${from[1]}`);
          if (received.length === 2) resolve();
        });
      });
      await turn.sendData(Buffer.from('one'), peerAddr);
      await turn.sendData(Buffer.from('two'), peerAddr);
      await got;
      expect(received.sort()).toEqual([`one@127.0.0.1:${peerAddr[1]}`, `two@127.0.0.1:${peerAddr[1]}`]);
      expect(server.core.stats.relayedToPeer).toBeGreaterThanOrEqual(2);
    } finally {
      await turn.close();
      peer.close();
    }
  });
});
