// Our ICE agent (real loopback sockets) against Chromium's ICE, with Chrome's own
// RTCPeerConnection in a page (test/interop/harness). SDP is written by hand: Chrome's
// ICE credentials and 127.0.0.1 candidates go to our agent; ours go into the description
// Chrome applies. Success is Chrome's own `iceConnectionState` reaching 'connected' (DTLS
// never starts: only ICE is spoken here) and our agent selecting a pair. Both roles.
import { afterEach, describe, expect, it } from 'vitest';
import { parseCandidate, serializeCandidate } from '../../src/ice/index.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';
import { chromeAvailable, useChrome, type PagePeer, type PageWindow } from '../interop/harness/index.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 3).toString(16).padStart(2, '0').toUpperCase()).join(':');

function ourSdp(t: UdpIceTransport, setup: 'actpass' | 'active', mid: string): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=mid:${mid}`,
    `a=ice-ufrag:${t.agent.localUfrag}`,
    `a=ice-pwd:${t.agent.localPassword}`,
    `a=fingerprint:sha-256 ${FINGERPRINT}`,
    `a=setup:${setup}`,
    'a=sctp-port:5000',
    ...t.agent.localCandidates.map((c) => `a=${serializeCandidate(c)}`),
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

async function ours(role: 'controlling' | 'controlled'): Promise<UdpIceTransport> {
  const t = await UdpIceTransport.create({
    role,
    addresses: ['127.0.0.1'],
    includeLoopback: true,
    mdnsResolver: false,
    remoteFilter: (r) => r.address === '127.0.0.1',
  });
  cleanups.push(() => t.close());
  t.gather();
  return t;
}

async function applyChrome(t: UdpIceTransport, peer: PagePeer, sdp: string): Promise<void> {
  const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
  const pwd = /a=ice-pwd:(\S+)/.exec(sdp)?.[1];
  if (!ufrag || !pwd) throw new Error('no ICE credentials in Chrome SDP');
  t.setRemoteCredentials(ufrag, pwd);
  for (const c of await peer.gatherCandidates()) {
    const cand = parseCandidate(c.candidate ?? '');
    if (cand.transport === 'udp' && cand.address === '127.0.0.1') t.addRemoteCandidate(cand);
  }
  t.endOfRemoteCandidates();
}

function waitFor<T>(pred: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) resolve(v);
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

async function chromeIceConnected(peer: PagePeer): Promise<void> {
  await peer.page.page.waitForFunction(
    (id) => ['connected', 'completed'].includes((window as unknown as PageWindow).purertc.pc(id).iceConnectionState),
    peer.id,
    { timeout: 15_000, polling: 20 },
  );
}

const connected = (t: UdpIceTransport) => (t.agent.connectionState === 'connected' || t.agent.connectionState === 'completed' ? true : undefined);

describe.skipIf(!chromeAvailable)('interop: our ICE agent <-> Chromium on loopback', () => {
  const chrome = useChrome();

  it('Chrome offers and controls; we answer, controlled', async () => {
    const page = await chrome.newPage();
    const peer = await page.createPeer('c', { dataChannels: ['x'] });
    const offer = await peer.createOffer();
    const sdp = offer.sdp ?? '';
    const mid = /a=mid:(\S+)/.exec(sdp)?.[1] ?? '0';
    const t = await ours('controlled');
    await applyChrome(t, peer, sdp);
    await peer.setRemoteDescription({ type: 'answer', sdp: ourSdp(t, 'active', mid) });
    await chromeIceConnected(peer);
    await waitFor(() => connected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlled');
  });

  it('we offer and control; Chrome answers, controlled', async () => {
    const t = await ours('controlling');
    const page = await chrome.newPage();
    const peer = await page.createPeer('c');
    await peer.setRemoteDescription({ type: 'offer', sdp: ourSdp(t, 'actpass', '0') });
    const answer = await peer.createAnswer();
    await applyChrome(t, peer, answer.sdp ?? '');
    await chromeIceConnected(peer);
    await waitFor(() => connected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlling');
  });
});
