/**
 * purertc's RTCPeerConnection with `iceTransportPolicy: 'relay'` through coturn on
 * loopback: our TURN client (RFC 8656) allocates, the relayed candidate is the only one
 * (W3C RTCIceTransportPolicy), ICE checks and DTLS/SCTP data flow through the relay
 * (Send/Data indications), and a host-only peer on the other side answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBinding } from '../../src/ice/stun-binding.js';
import { NodePeer } from '../peer/node-peer.js';
import { statsWithSelectedPair } from '../support/wait.js';

let coturn: ChildProcess | undefined;
let port = 0;

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  port = await freeUdpPort();
  const minPort = 30000 + (port % 20000);
  coturn = spawn(
    'turnserver',
    [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${minPort}`, `--max-port=${minPort + 50}`,
      '--lt-cred-mech', '--user=u:p', '--realm=r', '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', `--pidfile=/tmp/purertc-peer-turn-${port}.pid`,
    ],
    { stdio: 'ignore' },
  );
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  let answered = false;
  probe.on('message', () => (answered = true));
  const request = encodeBinding({ cls: 'request', transactionId: new Uint8Array(12).fill(7) });
  await waitFor(() => {
    if (!answered) probe.send(request, port, '127.0.0.1');
    return answered;
  }, 'coturn to answer', 10_000);
  probe.close();
});

afterAll(() => {
  coturn?.kill('SIGTERM');
});

describe('purertc RTCPeerConnection through coturn (relay only)', () => {
  it('gathers only a relayed candidate and carries data through the relay both ways', async () => {
    const relayed = new NodePeer('relayed', {
      iceInterfaceAddresses: ['127.0.0.1'],
      iceTransportPolicy: 'relay',
      iceServers: [{ urls: `turn:127.0.0.1:${port}?transport=udp`, username: 'u', credential: 'p' }],
    });
    const host = new NodePeer('host');
    try {
      const ch = relayed.createChannel('via-turn');
      host.pc.onicecandidate = (e) => void (e.candidate && relayed.pc.addIceCandidate(e.candidate));
      relayed.pc.onicecandidate = (e) => void (e.candidate && host.pc.addIceCandidate(e.candidate));
      await relayed.pc.setLocalDescription(await relayed.pc.createOffer());
      await host.pc.setRemoteDescription(relayed.pc.localDescription!);
      await host.pc.setLocalDescription(await host.pc.createAnswer());
      await relayed.pc.setRemoteDescription(host.pc.localDescription!);
      const candidates = await relayed.gatherCandidates();
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) expect(c.candidate).toContain(' typ relay');
      await relayed.waitForChannel('via-turn');
      ch.send('through coturn');
      expect(await host.waitForMessages('via-turn', 1)).toEqual(['through coturn']);
      host.channels.get('via-turn')?.send(new Uint8Array(4000).fill(5));
      expect((await relayed.waitForMessages('via-turn', 1))[0]).toEqual(new Uint8Array(4000).fill(5));
      const stats = await statsWithSelectedPair(relayed.pc);
      const transport = [...stats.values()].find((s) => s.type === 'transport');
      const pair = stats.get(String(transport?.selectedCandidatePairId));
      expect(stats.get(String(pair?.localCandidateId))).toMatchObject({ candidateType: 'relay', address: '127.0.0.1' });
    } finally {
      relayed.close();
      host.close();
    }
  }, 30_000);
});
