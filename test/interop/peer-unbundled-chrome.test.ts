/**
 * Unbundled transports against Chromium 156 over 127.0.0.1 (RFC 8843 section 7.4: a
 * section the answer does not bundle keeps a transport of its own; RFC 8829 section 4.1.1
 * "balanced"). The offer's a=group:BUNDLE line is removed on its way to the answerer, as
 * a peer without BUNDLE support would never have written it, so Chrome and purertc each
 * run one ICE agent, DTLS association and SRTP session per section. Chrome sends its fake
 * camera and microphone and opens a data channel; purertc receives both tracks' frames on
 * their own transports and the channel works on the third. Both offer roles, an ICE
 * restart on all three, and relay-only on our side through our TURN server (one allocation
 * shared by the three transports).
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/peer-unbundled-chrome.test.ts'
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { bundleGroups, iceCredentials, parseSdp } from '../../src/sdp/index.js';
import type { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import { waitFor } from '../support/wait.js';
import { startTurnServer } from '../../src/node/turn-server.js';

/** The description without its BUNDLE group (what a peer without RFC 8843 sends). */
function unbundle<T extends { sdp?: string }>(d: T): T {
  return { ...d, sdp: (d.sdp ?? '').split('\r\n').filter((l) => !l.startsWith('a=group:BUNDLE')).join('\r\n') };
}

/** Frames per kind on the peer's remote tracks, counted from their track event on. */
function countFrames(node: NodePeer): { audio: number; video: number } {
  const frames = { audio: 0, video: 0 };
  node.pc.addEventListener('track', (e) => {
    const track = (e as unknown as { track: MediaStreamTrack }).track;
    track.addEventListener('frame', () => {
      frames[track.kind as 'audio' | 'video']++;
    });
  });
  return frames;
}

describe.skipIf(!chromeAvailable)('unbundled transports <-> Chrome', () => {
  const chrome = useChrome({ args: ['--autoplay-policy=no-user-gesture-required'] });
  const nodes: NodePeer[] = [];
  afterEach(() => {
    for (const n of nodes.splice(0)) n.close();
  });

  for (const role of ['chrome offers', 'purertc offers'] as const) {
    it(`${role} audio + video + data without BUNDLE: three transports, frames on both tracks, messages on the channel`, async () => {
      const page = await chrome.newPage();
      const browser = await page.createPeer('chrome', { video: true, audio: true, dataChannels: role === 'chrome offers' ? ['unbundled'] : [], codecPreferences: { video: ['video/VP8'] } });
      const node = new NodePeer('purertc', { iceInterfaceAddresses: ['127.0.0.1'] });
      nodes.push(node);
      const frames = countFrames(node);
      let record;
      if (role === 'chrome offers') record = await negotiate(browser, node, { offer: unbundle });
      else {
        node.pc.addTransceiver('audio', { direction: 'recvonly' });
        node.pc.addTransceiver('video', { direction: 'recvonly' });
        node.createChannel('unbundled');
        record = await negotiate(node, browser, { offer: unbundle });
      }
      const answer = parseSdp(record.answer.sdp ?? '');
      expect(bundleGroups(answer)).toEqual([]);
      expect(answer.media.every((m) => m.port !== 0)).toBe(true);
      expect(new Set(answer.media.map((m) => iceCredentials(m, answer)?.ufrag)).size).toBe(3);
      await node.waitForChannel('unbundled');
      await waitFor(() => frames.video >= 10 && frames.audio >= 10, 'frames on both tracks', 30_000);
      if (role === 'chrome offers') {
        await browser.send('unbundled', 'from chrome');
        expect(await node.waitForMessages('unbundled', 1)).toEqual(['from chrome']);
      } else {
        node.channels.get('unbundled')?.send('from purertc');
        expect(await browser.waitForMessages('unbundled', 1)).toEqual(['from purertc']);
      }
      expect(node.pc.connectionState).toBe('connected');
      const report = await node.pc.getStats();
      const transports = [...report.values()].filter((x) => x.type === 'transport');
      expect(transports).toHaveLength(3);
      expect(transports.every((t) => t['dtlsState'] === 'connected')).toBe(true);
      // Each track's inbound-rtp names its own transport.
      const inbound = [...report.values()].filter((x) => x.type === 'inbound-rtp');
      expect(new Set(inbound.map((x) => x['transportId'])).size).toBe(2);

      // ICE restart (W3C restartIce, RFC 8445 section 9) offered by purertc, again without
      // BUNDLE: every transport takes new credentials and keeps carrying media and data.
      const ufrags = (r: Map<string, Record<string, unknown>>): string[] => [...r.values()].filter((x) => x['type'] === 'transport').map((x) => String(x['iceLocalUsernameFragment'])).sort();
      const before = ufrags(report);
      node.pc.restartIce();
      await negotiate(node, browser, { offer: unbundle });
      const seen = { ...frames };
      await waitFor(() => frames.video >= seen.video + 10 && frames.audio >= seen.audio + 10, 'frames after the restart', 30_000);
      const after = ufrags(await node.pc.getStats());
      expect(after).toHaveLength(3);
      for (const u of after) expect(before).not.toContain(u);
      if (role === 'chrome offers') {
        await browser.send('unbundled', 'after restart');
        expect((await node.waitForMessages('unbundled', 2))[1]).toBe('after restart');
      } else {
        node.channels.get('unbundled')?.send('after restart');
        expect((await browser.waitForMessages('unbundled', 2))[1]).toBe('after restart');
      }
      expect(node.pc.internalErrors).toBe(0);
    }, 60_000);
  }

  it('purertc relay-only (iceTransportPolicy relay, our TURN server) without BUNDLE: the three transports share one allocation and all connect', async () => {
    const turn = await startTurnServer({
      host: '127.0.0.1', port: 0, realm: 'purertc.test', users: { purertc: 'relay only' },
      minPort: 44600, maxPort: 44799, allowLoopbackPeers: true,
    });
    try {
      const page = await chrome.newPage();
      const browser = await page.createPeer('chrome', { video: true, audio: true, dataChannels: ['unbundled'], codecPreferences: { video: ['video/VP8'] } });
      const node = new NodePeer('purertc', {
        iceInterfaceAddresses: ['127.0.0.1'], iceTransportPolicy: 'relay',
        iceServers: [{ urls: `turn:127.0.0.1:${turn.port}`, username: 'purertc', credential: 'relay only' }],
      });
      nodes.push(node);
      const frames = countFrames(node);
      const record = await negotiate(browser, node, { offer: unbundle });
      expect(bundleGroups(parseSdp(record.answer.sdp ?? ''))).toEqual([]);
      // Every candidate we gave is relayed, and each transport gave its own (one allocation).
      expect(record.answererCandidates.length).toBeGreaterThanOrEqual(3);
      expect(record.answererCandidates.every((c) => / typ relay /.test(c.candidate ?? ''))).toBe(true);
      expect(new Set(record.answererCandidates.map((c) => c.sdpMid)).size).toBe(3);
      await node.waitForChannel('unbundled');
      await waitFor(() => frames.video >= 10 && frames.audio >= 10, 'frames through the relay', 30_000);
      await browser.send('unbundled', 'through the relay');
      expect(await node.waitForMessages('unbundled', 1)).toEqual(['through the relay']);
      const report = await node.pc.getStats();
      const transports = [...report.values()].filter((x) => x.type === 'transport');
      expect(transports).toHaveLength(3);
      for (const t of transports) {
        const pair = report.get(String(t['selectedCandidatePairId']));
        expect(report.get(String(pair?.['localCandidateId']))?.['candidateType']).toBe('relay');
      }
      expect(node.pc.internalErrors).toBe(0);
    } finally {
      await turn.close();
    }
  }, 60_000);
});
