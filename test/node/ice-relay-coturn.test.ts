// A relayed candidate plugged into our agent from a real TURN allocation (RFC 8656):
// coturn on loopback is the server, werift's TURN client holds the allocation (our own
// TURN client is another layer's work), and our agent's relayed transmits travel through
// it. The relay-only agent connects to a host-only agent, and data flows both ways.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTurnClient } from 'werift';
import type { IceEvent } from '../../src/ice/index.js';
import { encodeBinding } from '../../src/ice/stun-binding.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';

let coturn: ChildProcess | undefined;
let port = 0;
const cleanups: (() => unknown)[] = [];

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function waitFor<T>(pred: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) resolve(v);
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

beforeAll(async () => {
  port = await freeUdpPort();
  const minPort = 40000 + (port % 20000);
  coturn = spawn(
    'turnserver',
    [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${minPort}`, `--max-port=${minPort + 50}`,
      '--lt-cred-mech', '--user=u:p', '--realm=r', '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', `--pidfile=/tmp/purertc-ice-turn-${port}.pid`,
    ],
    { stdio: 'ignore' },
  );
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  let answered = false;
  probe.on('message', () => (answered = true));
  const request = encodeBinding({ cls: 'request', transactionId: new Uint8Array(12).fill(9) });
  await waitFor(() => {
    if (!answered) probe.send(request, port, '127.0.0.1');
    return answered ? true : undefined;
  }, 'coturn to answer', 10_000);
  probe.close();
});

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
  coturn?.kill('SIGTERM');
});

describe('relayed candidate through coturn', () => {
  it('a relay-only agent connects to a host agent and exchanges data', async () => {
    const turn = await createTurnClient({ address: ['127.0.0.1', port], username: 'u', password: 'p' }, { interfaceAddresses: { udp4: '127.0.0.1' } });
    cleanups.push(() => turn.close());
    const relayed = { address: turn.relayedAddress[0], port: turn.relayedAddress[1] };
    const a = await UdpIceTransport.create({
      role: 'controlling',
      addresses: [],
      mdnsResolver: false,
      sendRelayed: (t) => void turn.sendData(Buffer.from(t.data), [t.to.address, t.to.port]).catch(() => undefined),
    });
    const b = await UdpIceTransport.create({ role: 'controlled', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: false });
    cleanups.push(() => a.close(), () => b.close());
    turn.onData.subscribe((data: Buffer, from: readonly [string, number]) => {
      a.handleRelayed(relayed, { address: from[0], port: from[1] }, new Uint8Array(data));
    });
    const ea: IceEvent[] = [];
    const eb: IceEvent[] = [];
    a.on((e) => {
      ea.push(e);
      if (e.type === 'candidate') b.addRemoteCandidate(e.candidate);
    });
    b.on((e) => {
      eb.push(e);
      if (e.type === 'candidate') a.addRemoteCandidate(e.candidate);
    });
    a.setRemoteCredentials(b.agent.localUfrag, b.agent.localPassword);
    b.setRemoteCredentials(a.agent.localUfrag, a.agent.localPassword);
    a.beginRelayGathering('turn-1');
    a.gather();
    b.gather();
    expect(a.agent.gatheringState).toBe('gathering');
    const mapped = { address: turn.mappedAddress[0], port: turn.mappedAddress[1] };
    a.addRelayedCandidate('turn-1', { relayed, mapped, server: { address: '127.0.0.1', port } });
    expect(a.agent.localCandidates[0]).toMatchObject({ type: 'relay', relatedAddress: mapped.address, relatedPort: mapped.port });
    expect(a.agent.gatheringState).toBe('complete');
    const up = (t: UdpIceTransport) => t.agent.connectionState === 'connected' || t.agent.connectionState === 'completed';
    await waitFor(() => (up(a) && up(b) ? true : undefined), 'both connected through the relay');
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
