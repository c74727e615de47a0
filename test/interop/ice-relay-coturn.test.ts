// A relayed candidate plugged into our agent from a real TURN allocation (RFC 8656):
// coturn on loopback is the server, werift's TURN client holds the allocation (our own
// TURN client is covered against coturn in turn-client-coturn.test.ts), and our agent's
// relayed transmits travel through it. The relay-only agent connects to a host-only
// agent, and data flows both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTurnClient } from 'werift';
import { UdpIceTransport } from '../../src/node/ice-transport.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { bothConnected, linkIceTransports } from '../support/ice-udp.js';
import { useCleanups, waitFor } from '../support/wait.js';

let coturn: Coturn | undefined;
const cleanups = useCleanups(afterAll);

beforeAll(async () => {
  const minPort = 40000 + (process.pid % 20000);
  coturn = await startCoturn([
    '--relay-ip=127.0.0.1', `--min-port=${minPort}`, `--max-port=${minPort + 50}`,
    '--lt-cred-mech', '--user=u:p', '--realm=r', '--allow-loopback-peers',
  ]);
  cleanups.push(() => coturn?.stop());
});

describe('relayed candidate through coturn', () => {
  it('a relay-only agent connects to a host agent and exchanges data', async () => {
    const port = coturn?.port ?? 0;
    const turn = await createTurnClient({ address: ['127.0.0.1', port], username: 'u', password: 'p' }, { interfaceAddresses: { udp4: '127.0.0.1' } });
    cleanups.unshift(() => turn.close());
    const relayed = { address: turn.relayedAddress[0], port: turn.relayedAddress[1] };
    const a = await UdpIceTransport.create({
      role: 'controlling',
      addresses: [],
      mdnsResolver: false,
      sendRelayed: (t) => void turn.sendData(Buffer.from(t.data), [t.to.address, t.to.port]).catch(() => undefined),
    });
    const b = await UdpIceTransport.create({ role: 'controlled', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: false });
    cleanups.unshift(() => a.close(), () => b.close());
    turn.onData.subscribe((data: Buffer, from: readonly [string, number]) => {
      a.handleRelayed(relayed, { address: from[0], port: from[1] }, new Uint8Array(data));
    });
    const [ea, eb] = linkIceTransports(a, b, false);
    a.beginRelayGathering('turn-1');
    a.gather();
    b.gather();
    expect(a.agent.gatheringState).toBe('gathering');
    const mapped = { address: turn.mappedAddress[0], port: turn.mappedAddress[1] };
    a.addRelayedCandidate('turn-1', { relayed, mapped, server: { address: '127.0.0.1', port } });
    expect(a.agent.localCandidates[0]).toMatchObject({ type: 'relay', relatedAddress: mapped.address, relatedPort: mapped.port });
    expect(a.agent.gatheringState).toBe('complete');
    await bothConnected(a, b, 'both connected through the relay');
    expect(a.agent.selectedPair?.local.type).toBe('relay');
    expect(a.agent.selectedPair?.local.address).toBe(relayed.address);
    expect(b.agent.selectedPair?.remote).toMatchObject({ address: relayed.address, port: relayed.port });
    expect(a.send(new Uint8Array([0x17, 0xaa]))).toBe(true);
    expect(b.send(new Uint8Array([0x17, 0xbb]))).toBe(true);
    await waitFor(() => (ea.some((e) => e.type === 'data') && eb.some((e) => e.type === 'data') ? true : undefined), 'data both ways');
    const got = ea.find((e) => e.type === 'data');
    expect(got?.type === 'data' ? [...got.data] : []).toEqual([0x17, 0xbb]);
  });
});
