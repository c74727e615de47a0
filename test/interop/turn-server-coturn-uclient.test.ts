// coturn's turnutils_uclient (a TURN client we did not write) against OUR TURN server
// (src/node/turn-server.ts) on loopback: allocations with EVEN-PORT/RESERVATION-TOKEN,
// RFC 5766-range channels, ChannelData and Send/Data indications, 200-byte messages.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTurnServer } from '../../src/node/turn-server.js';
import type { TurnServerHandle } from '../../src/node/turn-server.js';

const run = promisify(execFile);
const UCLIENT = '/usr/bin/turnutils_uclient';

describe('turnutils_uclient against purertc TURN server', () => {
  let server: TurnServerHandle;
  beforeAll(async () => {
    // Relay ports: a range chosen away from the ephemeral range other tests use.
    server = await startTurnServer({ host: '127.0.0.1', port: 0, realm: 'purertc.test', users: { alice: 's3cret' }, minPort: 45000, maxPort: 45999, allowLoopbackPeers: true, tcp: true });
  });
  afterAll(async () => {
    await server.close();
  });

  for (const [name, flags] of [
    ['channels (ChannelData)', []],
    ['Send/Data indications', ['-s']],
    ['TCP to the server (RFC 8656 3.1, padded ChannelData)', ['-t']],
  ] as const) {
    // Concurrent: each uclient run is paced by uclient itself (about 6 s), on its own ports.
    it.concurrent(`relays client-to-client over ${name} with no loss`, async () => {
      const { stdout, stderr } = await run(UCLIENT, ['-u', 'alice', '-w', 's3cret', '-p', String(server.port), '-y', '-n', '50', '-m', '2', '-l', '200', ...flags, '127.0.0.1'], {
        timeout: 60_000,
      });
      const out = stdout + stderr;
      expect(out).toMatch(/tot_send_msgs=200, tot_recv_msgs=200/);
      expect(out).toMatch(/Total lost packets 0 \(/);
      expect(server.core.stats.relayedToPeer).toBeGreaterThan(0);
    });
  }

  it('refuses a wrong password (401 after the challenge)', async () => {
    const failuresBefore = server.core.stats.authFailures;
    const allocationsBefore = server.core.allocationCount;
    const { stdout, stderr } = await run(UCLIENT, ['-u', 'alice', '-w', 'wrong', '-p', String(server.port), '-y', '-n', '1', '-m', '1', '127.0.0.1'], { timeout: 30_000 }).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    expect(stdout + stderr).toMatch(/Cannot complete Allocation/);
    expect(server.core.stats.authFailures).toBeGreaterThan(failuresBefore);
    expect(server.core.allocationCount).toBe(allocationsBefore);
  });
});
