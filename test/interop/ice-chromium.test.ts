// Our ICE agent (real loopback sockets) against Chromium's ICE, with Chrome's own
// RTCPeerConnection in a page (test/interop/harness). SDP is written by hand: Chrome's
// ICE credentials and 127.0.0.1 candidates go to our agent; ours go into the description
// Chrome applies. Success is Chrome's own `iceConnectionState` reaching 'connected' (DTLS
// never starts: only ICE is spoken here) and our agent selecting a pair. Both roles.
import { describe, expect, it } from 'vitest';
import type { UdpIceTransport } from '../../src/node/ice-transport.js';
import { applyRemoteIce, firstMid, iceConnected, iceOnlySdp, loopbackIceTransport } from '../support/ice-udp.js';
import { useCleanups, waitFor } from '../support/wait.js';
import { chromeAvailable, useChrome, type PagePeer, type PageWindow } from './harness/index.js';

const cleanups = useCleanups();

async function applyChrome(t: UdpIceTransport, peer: PagePeer, sdp: string): Promise<void> {
  const candidates = (await peer.gatherCandidates()).map((c) => c.candidate ?? '');
  applyRemoteIce(t, sdp, candidates);
}

async function chromeIceConnected(peer: PagePeer): Promise<void> {
  await peer.page.page.waitForFunction(
    (id) => ['connected', 'completed'].includes((window as unknown as PageWindow).purertc.pc(id).iceConnectionState),
    peer.id,
    { timeout: 15_000, polling: 20 },
  );
}

describe.skipIf(!chromeAvailable)('interop: our ICE agent <-> Chromium on loopback', () => {
  const chrome = useChrome();

  it('Chrome offers and controls; we answer, controlled', async () => {
    const page = await chrome.newPage();
    const peer = await page.createPeer('c', { dataChannels: ['x'] });
    const offer = await peer.createOffer();
    const sdp = offer.sdp ?? '';
    const t = await loopbackIceTransport(cleanups, 'controlled');
    await applyChrome(t, peer, sdp);
    await peer.setRemoteDescription({ type: 'answer', sdp: iceOnlySdp(t, 'active', firstMid(sdp)) });
    await chromeIceConnected(peer);
    await waitFor(() => iceConnected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlled');
  });

  it('we offer and control; Chrome answers, controlled', async () => {
    const t = await loopbackIceTransport(cleanups, 'controlling');
    const page = await chrome.newPage();
    const peer = await page.createPeer('c');
    await peer.setRemoteDescription({ type: 'offer', sdp: iceOnlySdp(t, 'actpass', '0') });
    const answer = await peer.createAnswer();
    await applyChrome(t, peer, answer.sdp ?? '');
    await chromeIceConnected(peer);
    await waitFor(() => iceConnected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlling');
  });
});
