/**
 * purertc's RTCPeerConnection against Chromium on 127.0.0.1, the parts of the issue
 * peer-chrome.test.ts does not cover:
 * - a connection relayed through OUR TURN server (src/node/turn-server.ts, RFC 8656) with
 *   `iceTransportPolicy: 'relay'` on purertc's side (W3C webrtc-pc 4.2.1), both roles;
 * - real trickle (RFC 8838 section 4): every candidate is handed to the other side as soon
 *   as it appears (`onicecandidate` here, polling Chrome's recorded candidates there),
 *   not batched at the end of gathering;
 * - an ICE restart offered by Chrome (`restartIce()`, RFC 8445 section 9), candidates
 *   trickled again;
 * - getStats (W3C webrtc-stats): purertc's report next to Chrome's own for the same
 *   connection: our entry types and key fields exist in Chrome's report, and the values
 *   both ends must agree on do (DTLS version and cipher, certificates, pair addresses,
 *   data-channel counters).
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/peer-chrome-relay.test.ts'
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTurnServer } from '../../src/node/turn-server.js';
import type { TurnServerHandle } from '../../src/node/turn-server.js';
import type { RTCIceCandidateInit } from '../../src/node/rtc-ice-candidate.js';
import type { RTCPeerConnectionIceEvent } from '../../src/node/rtc-events.js';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import type { PagePeer } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { expectConsistent, ofType, selected } from '../peer/stats-checks.js';
import { statsWithSelectedPair } from '../support/wait.js';

/** Fields the issue names per entry type (webrtc-stats 7.9, 7.10, 7.16-7.18, 7.21). */
const KEY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'peer-connection': ['dataChannelsOpened', 'dataChannelsClosed'],
  transport: ['selectedCandidatePairId', 'localCertificateId', 'remoteCertificateId', 'dtlsState', 'tlsVersion', 'dtlsCipher', 'iceRole', 'selectedCandidatePairChanges', 'bytesSent', 'bytesReceived'],
  'candidate-pair': ['transportId', 'localCandidateId', 'remoteCandidateId', 'nominated', 'state', 'bytesSent', 'bytesReceived', 'currentRoundTripTime', 'requestsSent', 'responsesReceived'],
  'local-candidate': ['transportId', 'address', 'port', 'protocol', 'candidateType', 'priority', 'foundation', 'usernameFragment'],
  'remote-candidate': ['transportId', 'address', 'port', 'protocol', 'candidateType', 'priority'],
  certificate: ['fingerprint', 'fingerprintAlgorithm', 'base64Certificate'],
  'data-channel': ['label', 'protocol', 'dataChannelIdentifier', 'state', 'messagesSent', 'bytesSent', 'messagesReceived', 'bytesReceived'],
};

const TURN_MIN_PORT = 44400;
const TURN_MAX_PORT = 44599;
const TURN_USER = 'purertc';
const TURN_PASSWORD = 'relay only';

/** The candidate-type field of an RFC 8839 candidate line. */
const candidateType = (c: RTCIceCandidateInit): string | undefined => /\btyp (\S+)/.exec(c.candidate ?? '')?.[1];

/** Chrome's selected pair as its own getStats() reports it. */
async function chromeSelectedPair(browser: PagePeer): Promise<NonNullable<Awaited<ReturnType<PagePeer['stats']>>['selectedPair']>> {
  let pair: Awaited<ReturnType<PagePeer['stats']>>['selectedPair'];
  await expect.poll(async () => (pair = (await browser.stats()).selectedPair) !== undefined, { timeout: 10_000 }).toBe(true);
  if (pair === undefined) throw new Error('Chrome has no selected pair');
  return pair;
}

/** purertc's selected pair from its getStats() (transport -> candidate-pair -> candidates). */
async function ourSelectedPair(node: NodePeer): Promise<{ local: Record<string, unknown>; remote: Record<string, unknown> }> {
  const stats = await statsWithSelectedPair(node.pc);
  const transport = [...stats.values()].find((s) => s.type === 'transport');
  const pair = stats.get(String(transport?.['selectedCandidatePairId']));
  const local = stats.get(String(pair?.['localCandidateId']));
  const remote = stats.get(String(pair?.['remoteCandidateId']));
  if (!local || !remote) throw new Error(`no selected pair in purertc's getStats: ${JSON.stringify([...stats.values()])}`);
  return { local, remote };
}

/**
 * RFC 8838 trickle between purertc and a Chrome page peer: our candidates go to Chrome from
 * `onicecandidate` one at a time; Chrome's are forwarded as they show up in its record.
 * Returns a stop function and the log of what was forwarded, in order.
 */
function trickle(node: NodePeer, browser: PagePeer): { stop(): Promise<void>; ours: { candidate: RTCIceCandidateInit; gathering: string }[]; theirs: RTCIceCandidateInit[] } {
  const ours: { candidate: RTCIceCandidateInit; gathering: string }[] = [];
  const theirs: RTCIceCandidateInit[] = [];
  let forwarded = 0;
  let running = true;
  const onCandidate = (e: Event): void => {
    const c = (e as RTCPeerConnectionIceEvent).candidate;
    if (c === null) return;
    const init = c.toJSON();
    ours.push({ candidate: init, gathering: node.pc.iceGatheringState });
    void browser.addIceCandidate(init);
  };
  node.pc.addEventListener('icecandidate', onCandidate);
  const loop = (async () => {
    while (running) {
      const snap = await browser.snapshot().catch(() => undefined);
      if (snap === undefined) break;
      for (const c of snap.candidates.slice(forwarded)) {
        const init: RTCIceCandidateInit = { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment };
        theirs.push(init);
        await node.pc.addIceCandidate(init);
      }
      forwarded = snap.candidates.length;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    ours,
    theirs,
    async stop() {
      running = false;
      node.pc.removeEventListener('icecandidate', onCandidate);
      await loop;
    },
  };
}

describe.skipIf(!chromeAvailable)('purertc RTCPeerConnection <-> Chrome: our TURN server, trickle, Chrome-initiated ICE restart', () => {
  const chrome = useChrome();
  const peers: NodePeer[] = [];
  const servers: TurnServerHandle[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function relayedNode(): Promise<{ node: NodePeer; turn: TurnServerHandle }> {
    const turn = await startTurnServer({
      host: '127.0.0.1', port: 0, realm: 'purertc.test', users: { [TURN_USER]: TURN_PASSWORD },
      minPort: TURN_MIN_PORT, maxPort: TURN_MAX_PORT, allowLoopbackPeers: true,
    });
    servers.push(turn);
    const node = new NodePeer('node', {
      iceInterfaceAddresses: ['127.0.0.1'],
      iceTransportPolicy: 'relay',
      iceServers: [{ urls: `turn:127.0.0.1:${turn.port}`, username: TURN_USER, credential: TURN_PASSWORD }],
    });
    peers.push(node);
    return { node, turn };
  }

  async function expectRelayed(node: NodePeer, browser: PagePeer, turn: TurnServerHandle): Promise<void> {
    const ours = await ourSelectedPair(node);
    expect(ours.local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1' });
    expect(Number(ours.local['port'])).toBeGreaterThanOrEqual(TURN_MIN_PORT);
    expect(Number(ours.local['port'])).toBeLessThanOrEqual(TURN_MAX_PORT);
    // Chrome's selected remote is our relayed address (typ relay when it came by
    // signaling, prflx if a check through the relay arrived first: same address either way).
    const theirs = await chromeSelectedPair(browser);
    expect({ address: theirs.remote.address, port: theirs.remote.port }).toEqual({ address: ours.local['address'], port: ours.local['port'] });
    expect(['relay', 'prflx']).toContain(theirs.remote.candidateType);
    expect(turn.core.allocationCount).toBeGreaterThanOrEqual(1);
  }

  it('Chrome offers, purertc answers relay-only through our TURN server; data both ways over the relay', async () => {
    const { node, turn } = await relayedNode();
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['via-turn'] });
    const record = await negotiate(browser, node);
    expect(record.answererCandidates.length).toBeGreaterThan(0);
    for (const c of record.answererCandidates) expect(candidateType(c)).toBe('relay');
    await browser.waitFor({ kind: 'channelOpen', label: 'via-turn' });
    await node.waitForChannel('via-turn');
    await browser.send('via-turn', 'chrome -> relay -> purertc');
    expect(await node.waitForMessages('via-turn', 1)).toEqual(['chrome -> relay -> purertc']);
    node.channels.get('via-turn')?.send(new Uint8Array(3000).fill(0xab));
    expect(await browser.waitForMessages('via-turn', 1)).toEqual(['ab'.repeat(3000)]);
    await expectRelayed(node, browser, turn);
  }, 60_000);

  it('purertc offers relay-only through our TURN server, Chrome answers; data both ways over the relay', async () => {
    const { node, turn } = await relayedNode();
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const ch = node.createChannel('via-turn');
    const record = await negotiate(node, browser);
    expect(record.offererCandidates.length).toBeGreaterThan(0);
    for (const c of record.offererCandidates) expect(candidateType(c)).toBe('relay');
    expect(record.offer.sdp).not.toMatch(/typ host/);
    await node.waitForChannel('via-turn');
    await browser.waitFor({ kind: 'channelOpen', label: 'via-turn' });
    ch.send('purertc -> relay -> chrome');
    expect(await browser.waitForMessages('via-turn', 1)).toEqual(['purertc -> relay -> chrome']);
    await browser.send('via-turn', 'and back');
    expect(await node.waitForMessages('via-turn', 1)).toEqual(['and back']);
    await expectRelayed(node, browser, turn);
  }, 60_000);

  it('trickle both ways: each candidate crosses as it appears, before gathering completes (RFC 8838)', async () => {
    const node = new NodePeer('node');
    peers.push(node);
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const ch = node.createChannel('trickled');
    const t = trickle(node, browser);
    // Offer/answer without waiting for any gathering; candidates flow on their own.
    await browser.setRemoteDescription(await node.createOffer());
    await node.setRemoteDescription(await browser.createAnswer());
    await node.waitForChannel('trickled');
    await browser.waitFor({ kind: 'channelOpen', label: 'trickled' });
    await t.stop();
    expect(t.ours.length).toBeGreaterThan(0);
    // Our first candidate left while we were still gathering: not batched at the end.
    expect(t.ours[0]?.gathering).toBe('gathering');
    expect(t.theirs.length).toBeGreaterThan(0);
    ch.send('trickled through');
    expect(await browser.waitForMessages('trickled', 1)).toEqual(['trickled through']);
    await browser.send('trickled', 'and back');
    expect(await node.waitForMessages('trickled', 1)).toEqual(['and back']);
  }, 60_000);

  it('Chrome restarts ICE (restartIce): new credentials both ways, trickled candidates, data keeps flowing (RFC 8445 9)', async () => {
    const node = new NodePeer('node');
    peers.push(node);
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['restart'] });
    const first = await negotiate(browser, node);
    await node.waitForChannel('restart');
    await browser.waitFor({ kind: 'channelOpen', label: 'restart' });
    await page.page.evaluate((id) => {
      (window as unknown as { purertc: { pc(i: string): RTCPeerConnection } }).purertc.pc(id).restartIce();
    }, 'chrome');
    const t = trickle(node, browser);
    const offer = await browser.createOffer();
    await node.setRemoteDescription(offer);
    const answer = await node.createAnswer();
    await browser.setRemoteDescription(answer);
    const ufrag = (sdp: string | undefined): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
    expect(ufrag(offer.sdp)).not.toBe(ufrag(first.offer.sdp));
    expect(ufrag(answer.sdp)).not.toBe(ufrag(first.answer.sdp));
    // The new generation's candidates carry the new ufrag.
    await expect.poll(() => t.ours.some((c) => c.candidate.usernameFragment === ufrag(answer.sdp)), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => t.theirs.some((c) => c.usernameFragment === ufrag(offer.sdp)), { timeout: 10_000 }).toBe(true);
    await browser.send('restart', 'after chrome restart');
    expect(await node.waitForMessages('restart', 1)).toEqual(['after chrome restart']);
    node.channels.get('restart')?.send('still here');
    expect(await browser.waitForMessages('restart', 1)).toEqual(['still here']);
    await node.waitFor(() => node.pc.iceConnectionState === 'connected' || node.pc.iceConnectionState === 'completed', 'ICE connected after restart');
    await t.stop();
  }, 60_000);

  it("getStats: purertc's report matches Chrome's own for the same connection (types, key fields, shared values)", async () => {
    const node = new NodePeer('node');
    peers.push(node);
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const ch = node.createChannel('stats');
    await negotiate(node, browser);
    await node.waitForChannel('stats');
    await browser.waitFor({ kind: 'channelOpen', label: 'stats' });
    ch.send('x'.repeat(100));
    ch.send('y'.repeat(200));
    await browser.waitForMessages('stats', 2);
    await browser.send('stats', 'z'.repeat(50));
    await node.waitForMessages('stats', 1);
    const ours = await statsWithSelectedPair(node.pc);
    expectConsistent(ours);
    const entries = await page.page.evaluate(async (id) => {
      const pc = (window as unknown as { purertc: { pc(i: string): RTCPeerConnection } }).purertc.pc(id);
      const out: Record<string, unknown>[] = [];
      (await pc.getStats()).forEach((s: Record<string, unknown>) => out.push({ ...s }));
      return out;
    }, 'chrome');
    const theirs = new Map(entries.map((e) => [String(e['id']), e]));
    const theirTypes = new Set(entries.map((e) => String(e['type'])));
    for (const [type, fields] of Object.entries(KEY_FIELDS)) {
      expect(theirTypes.has(type), `Chrome reports ${type}`).toBe(true);
      const mine = ofType(ours, type);
      expect(mine.length, `purertc reports ${type}`).toBeGreaterThan(0);
      const chromeKeys = new Set(entries.filter((e) => e['type'] === type).flatMap((e) => Object.keys(e)));
      const ourKeys = new Set(mine.flatMap((e) => Object.keys(e)));
      for (const f of fields) {
        expect(chromeKeys.has(f), `Chrome's ${type} has ${f}`).toBe(true);
        expect(ourKeys.has(f), `purertc's ${type} has ${f}`).toBe(true);
      }
      // Every field we report is one Chrome reports for that type too (same names).
      expect([...ourKeys].filter((k) => !chromeKeys.has(k)), `purertc-only fields of ${type}`).toEqual([]);
    }
    expect([...new Set([...ours.values()].map((s) => s.type))].filter((t) => !theirTypes.has(t))).toEqual([]);
    // The values both ends of one DTLS connection must agree on.
    const us = selected(ours);
    const chromeTransport = entries.find((e) => e['type'] === 'transport' && e['selectedCandidatePairId'] !== undefined);
    expect(us.transport['tlsVersion']).toBe(chromeTransport?.['tlsVersion']);
    expect(us.transport['dtlsCipher']).toBe(chromeTransport?.['dtlsCipher']);
    expect(us.transport['dtlsState']).toBe('connected');
    expect(chromeTransport?.['dtlsState']).toBe('connected');
    expect(new Set([us.transport['dtlsRole'], chromeTransport?.['dtlsRole']])).toEqual(new Set(['client', 'server']));
    expect(new Set([us.transport['iceRole'], chromeTransport?.['iceRole']])).toEqual(new Set(['controlling', 'controlled']));
    const theirLocalCert = theirs.get(String(chromeTransport?.['localCertificateId']));
    const theirRemoteCert = theirs.get(String(chromeTransport?.['remoteCertificateId']));
    expect(ours.get(String(us.transport['remoteCertificateId']))?.['base64Certificate']).toBe(theirLocalCert?.['base64Certificate']);
    expect(ours.get(String(us.transport['localCertificateId']))?.['base64Certificate']).toBe(theirRemoteCert?.['base64Certificate']);
    expect(ours.get(String(us.transport['localCertificateId']))?.['fingerprint']).toBe(theirRemoteCert?.['fingerprint']);
    const theirPair = theirs.get(String(chromeTransport?.['selectedCandidatePairId']));
    const theirLocal = theirs.get(String(theirPair?.['localCandidateId']));
    const theirRemote = theirs.get(String(theirPair?.['remoteCandidateId']));
    expect({ address: us.local['address'], port: us.local['port'] }).toEqual({ address: theirRemote?.['address'], port: theirRemote?.['port'] });
    expect({ address: us.remote['address'], port: us.remote['port'] }).toEqual({ address: theirLocal?.['address'], port: theirLocal?.['port'] });
    const theirChannel = entries.find((e) => e['type'] === 'data-channel' && e['label'] === 'stats');
    const ourChannel = ofType(ours, 'data-channel').find((e) => e['label'] === 'stats');
    expect(ourChannel).toMatchObject({ messagesSent: 2, bytesSent: 300, messagesReceived: 1, bytesReceived: 50, dataChannelIdentifier: theirChannel?.['dataChannelIdentifier'] });
    expect(theirChannel).toMatchObject({ messagesReceived: 2, bytesReceived: 300, messagesSent: 1, bytesSent: 50 });
  }, 60_000);
});
