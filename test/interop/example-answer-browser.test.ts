/**
 * README's example (examples/answer-browser.ts) run as a user runs it, in its own
 * process through tsx: it joins a room on our signaling server and answers an offer from
 * werift (an independent WebRTC stack standing in for the browser); the data channel
 * the offerer opens gets its messages echoed back.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import { createSignalingServer, SignalingClient } from '../../src/signaling/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('examples/answer-browser.ts', () => {
  it('answers an offer relayed by our signaling server and echoes data-channel messages', async () => {
    const server = await createSignalingServer({ port: 0, host: '127.0.0.1', path: '/signal' });
    cleanups.push(() => server.close());
    const url = `ws://127.0.0.1:${server.port}/signal`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/answer-browser.ts', url, 'example-room'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    cleanups.push(() => void child.kill('SIGTERM'));

    const sig = await SignalingClient.connect(url);
    cleanups.push(() => sig.close());
    // Wait until the example has joined: it is the other member of the room.
    let peerId: string | undefined;
    for (let i = 0; i < 100 && peerId === undefined; i++) {
      const joined = await sig.join('example-room', 'werift-offerer');
      peerId = joined.peers.find((p) => p.name === 'node-peer')?.id;
      if (peerId === undefined) {
        sig.leave();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(peerId, `example never joined; its output:\n${output}`).toBeDefined();

    // werift on loopback, as /work/shared/PEERS.md says it needs here.
    const pc = new WeriftPeerConnection({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceUseIpv6: false,
      iceServers: [{ urls: 'stun:127.0.0.1:9' }],
      iceStunGatherTimeout: 0.001,
    } as ConstructorParameters<typeof WeriftPeerConnection>[0]);
    cleanups.push(() => pc.close());
    const channel = pc.createDataChannel('chat');
    const echoed = new Promise<string>((resolve) => channel.onMessage.subscribe((d) => resolve(d.toString())));
    channel.stateChanged.subscribe((s) => {
      if (s === 'open') channel.send('hello from werift');
    });
    pc.onIceCandidate.subscribe((c) => {
      if (c) sig.candidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }, peerId);
    });
    sig.on('candidate', (m) => {
      if (m.candidate) void pc.addIceCandidate({ candidate: m.candidate.candidate, sdpMid: m.candidate.sdpMid ?? undefined, sdpMLineIndex: m.candidate.sdpMLineIndex ?? undefined });
    });
    await pc.setLocalDescription(await pc.createOffer());
    sig.offer(pc.localDescription!.sdp, peerId);
    const answer = await sig.next('answer', { timeoutMs: 20_000 });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    expect(await echoed).toBe('echo: hello from werift');
  });
});
