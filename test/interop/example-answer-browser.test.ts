/**
 * README's example (examples/answer-browser.ts) run as a user runs it, in its own
 * process through tsx: it joins a room on our signaling server and answers an offer
 * from werift (an independent WebRTC stack), and from Chrome on the demo page as the
 * README describes (`npm run demo`, the example in room 'mine', the page at ?room=mine);
 * the data channel the offerer opens gets its messages echoed back.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import { createSignalingServer, SignalingClient } from '../../src/signaling/index.js';
import { startDemo } from '../../src/cli/demo.js';
import { chromeAvailable, useChrome } from './harness/index.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function runExample(url: string, room: string): { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/answer-browser.ts', url, room], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  cleanups.push(() => void child.kill('SIGTERM'));
  return { output: () => output };
}

describe('examples/answer-browser.ts', () => {
  it('answers an offer relayed by our signaling server and echoes data-channel messages', async () => {
    const server = await createSignalingServer({ port: 0, host: '127.0.0.1', path: '/signal' });
    cleanups.push(() => server.close());
    const url = `ws://127.0.0.1:${server.port}/signal`;
    const example = runExample(url, 'example-room');

    const sig = await SignalingClient.connect(url);
    cleanups.push(() => sig.close());
    // Wait until the example has joined: it is the other member of the room.
    let peerId: string | undefined;
    for (let i = 0; i < 100 && peerId === undefined; i++) {
      const joined = await sig.join('example-room', 'werift-offerer');
      peerId = joined.peers.find((p) => p.name === 'purertc-echo-bot')?.id;
      if (peerId === undefined) {
        sig.leave();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(peerId, `example never joined; its output:\n${example.output()}`).toBeDefined();

    // werift on loopback, as /work/shared/PEERS.md says it needs here.
    const pc = new WeriftPeerConnection({ ...WERIFT_LOOPBACK_CONFIG } as ConstructorParameters<typeof WeriftPeerConnection>[0]);
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

  describe.skipIf(!chromeAvailable)('with Chrome on the demo page', () => {
    const chrome = useChrome();

    it('the page at ?room=mine offers to the example, which echoes the chat', async () => {
      const demo = await startDemo({ host: '127.0.0.1', port: 0, stunPort: 0 });
      cleanups.push(() => demo.close());
      runExample(demo.signalingUrl, 'mine');
      const sig = await SignalingClient.connect(demo.signalingUrl);
      cleanups.push(() => sig.close());
      await expect
        .poll(async () => {
          const joined = await sig.join('mine', 'observer');
          sig.leave();
          return joined.peers.some((p) => p.name === 'purertc-echo-bot');
        }, { timeout: 20_000 })
        .toBe(true);
      const context = await chrome.session.browser.newContext({ permissions: ['camera', 'microphone'] });
      cleanups.push(() => context.close());
      const page = await context.newPage();
      await page.goto(`${demo.url}?room=mine`);
      await expect.poll(() => page.locator('#st-channel').textContent(), { timeout: 20_000 }).toBe('open');
      await page.fill('#chat-input', 'hello example');
      await page.click('#chat-send');
      await expect.poll(() => page.locator('#chat-log .bot').allTextContents(), { timeout: 10_000 }).toContain('bot: echo: hello example');
      // The demo's own bot never joined: the example answered.
      expect(demo.botRooms()).not.toContain('mine');
    });
  });
});
