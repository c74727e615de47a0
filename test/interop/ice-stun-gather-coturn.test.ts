// Server-reflexive gathering (RFC 8445 5.1.1.2) from our agent on loopback against
// coturn (`turnserver -S`, a STUN server we did not write): coturn answers our Binding
// requests; on loopback the mapped address equals the host base, so the srflx
// candidate is redundant (5.1.3) and not offered. A STUN server that never answers
// yields an icecandidateerror (W3C 701) and gathering still completes.
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IceEvent } from '../../src/ice/index.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { waitFor } from '../support/wait.js';

let coturn: Coturn | undefined;

beforeAll(async () => {
  coturn = await startCoturn(['-S']);
});

afterAll(async () => {
  await coturn?.stop();
});

describe('srflx gathering against coturn on loopback', () => {
  it('coturn answers; the redundant srflx is pruned; gathering completes without errors', async () => {
    const t = await UdpIceTransport.create({ addresses: ['127.0.0.1'], includeLoopback: true, stunServers: [{ address: '127.0.0.1', port: coturn?.port ?? 0 }], mdnsResolver: false });
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
