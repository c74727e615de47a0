// Server-reflexive gathering (RFC 8445 5.1.1.2) from our agent on loopback against
// coturn (`turnserver -S`, a STUN server we did not write): coturn answers our Binding
// requests; on loopback the mapped address equals the host base, so the srflx
// candidate is redundant (5.1.3) and not offered. A STUN server that never answers
// yields an icecandidateerror (W3C 701) and gathering still completes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IceEvent } from '../../src/ice/index.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';
import { encodeBinding } from '../../src/ice/stun-binding.js';

let coturn: ChildProcess | undefined;
let port = 0;

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
      else setTimeout(tick, 50);
    };
    tick();
  });
}

beforeAll(async () => {
  port = await freeUdpPort();
  coturn = spawn('turnserver', ['-n', '-S', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--no-tls', '--no-dtls', '--no-cli', `--pidfile=/tmp/purertc-ice-coturn-${port}.pid`], { stdio: 'ignore' });
  // Ready when it answers a Binding request.
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  let answered = false;
  probe.on('message', () => (answered = true));
  const request = encodeBinding({ cls: 'request', transactionId: new Uint8Array(12).fill(7) });
  await waitFor(() => {
    if (!answered) probe.send(request, port, '127.0.0.1');
    return answered ? true : undefined;
  }, 'coturn to answer', 10_000);
  probe.close();
});

afterAll(() => {
  coturn?.kill('SIGTERM');
});

describe('srflx gathering against coturn on loopback', () => {
  it('coturn answers; the redundant srflx is pruned; gathering completes without errors', async () => {
    const t = await UdpIceTransport.create({ addresses: ['127.0.0.1'], includeLoopback: true, stunServers: [{ address: '127.0.0.1', port }], mdnsResolver: false });
    const events: IceEvent[] = [];
    t.on((e) => events.push(e));
    t.gather();
    await waitFor(() => (t.agent.gatheringState === 'complete' ? true : undefined), 'gathering complete');
    t.close();
    expect(t.agent.stats.stunReceived).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.type === 'candidate-error')).toEqual([]);
    const types = events.flatMap((e) => (e.type === 'candidate' ? [e.candidate.type] : []));
    expect(types).toEqual(['host']);
  });

  it('a silent STUN server gives a 701 candidate error, and gathering still completes', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const t = await UdpIceTransport.create({ addresses: ['127.0.0.1'], includeLoopback: true, stunServers: [{ address: '127.0.0.1', port: silent.address().port }], gatherTransmissions: 2, mdnsResolver: false });
    const events: IceEvent[] = [];
    t.on((e) => events.push(e));
    t.gather();
    await waitFor(() => (t.agent.gatheringState === 'complete' ? true : undefined), 'gathering complete');
    t.close();
    silent.close();
    expect(events.find((e) => e.type === 'candidate-error')).toMatchObject({ errorCode: 701 });
  });
});
