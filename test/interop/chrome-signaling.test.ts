/**
 * Two Chrome pages in one room of purertc's signaling server (src/signaling) connect to
 * each other browser to browser: each page loads the browser client script from the
 * server (/purertc-signaling.js), speaks the protocol over Chrome's own WebSocket
 * (RFC 6455), and runs a real RTCPeerConnection: JSEP offer/answer (RFC 8829 section
 * 3.1) and trickled candidates with the end-of-candidates null (RFC 8838 sections 8 and
 * 13) relayed by the server, then a data channel (RFC 8831) carries a message each way.
 * The pages' candidates are the loopback ones the harness's flags unlock. A third test
 * speaks the raw protocol with the page's WebSocket and no script at all, and one puts
 * a Node peer (libdatachannel through node-datachannel's W3C polyfill) on the Node
 * `SignalingClient` opposite a Chrome page.
 *
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/chrome-signaling.test.ts'
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection as NdcPeerConnection } from 'node-datachannel/polyfill';
import { BROWSER_CLIENT_PATH, SignalingClient, createSignalingServer } from '../../src/signaling/index.js';
import type { SignalingServer } from '../../src/signaling/index.js';
import { DEFAULT_WAIT_MS, chromeAvailable, useChrome } from './harness/index.js';
import type { ChromePage } from './harness/index.js';

/** What a page reports in `window.sigPeer` (see PAGE_SCRIPT). */
interface PageState {
  id: string | null;
  peers: string[];
  connectionState: string;
  channelState: string;
  messages: string[];
  localCandidates: string[];
  remoteCandidates: number;
  endOfCandidates: boolean;
  left: string[];
  /** SDP this page sent and received through the server, in order. */
  sentSdp: string[];
  receivedSdp: string[];
  errors: string[];
  log: string[];
}

/**
 * The page side, plain JavaScript: join the room; the newcomer offers to the peer that
 * was already there, who answers. Candidates trickle through the server as they come.
 */
const PAGE_SCRIPT = `
window.startSignalingPeer = async function (url, room, name) {
  var state = window.sigPeer = {
    id: null, peers: [], connectionState: 'new', channelState: 'none', messages: [],
    localCandidates: [], remoteCandidates: 0, endOfCandidates: false, left: [], sentSdp: [], receivedSdp: [],
    errors: [], log: []
  };
  function log(s) { state.log.push(s); console.log('[sig ' + name + '] ' + s); }
  var sig = await PurertcSignaling.connect(url);
  state.id = sig.id;
  var pc = new RTCPeerConnection();
  var remote = null;
  var pending = [];
  function wire(dc) {
    state.channelState = dc.readyState;
    dc.onopen = function () { state.channelState = 'open'; dc.send('hello from ' + name); };
    dc.onclose = function () { state.channelState = 'closed'; };
    dc.onmessage = function (e) { state.messages.push(String(e.data)); };
  }
  pc.onconnectionstatechange = function () { state.connectionState = pc.connectionState; log('connection ' + pc.connectionState); };
  pc.onicecandidate = function (e) {
    if (e.candidate) state.localCandidates.push(e.candidate.candidate);
    if (remote) sig.candidate(e.candidate ? e.candidate.toJSON() : null, remote);
    else pending.push(e.candidate ? e.candidate.toJSON() : null);
  };
  pc.ondatachannel = function (e) { wire(e.channel); };
  function flush() { while (pending.length) sig.candidate(pending.shift(), remote); }
  sig.on('error', function (m) { state.errors.push(m.code + ': ' + m.message); });
  sig.on('peer-left', function (m) { state.left.push(m.id); });
  sig.on('offer', async function (m) {
    log('offer from ' + m.from);
    remote = m.from;
    state.receivedSdp.push(m.sdp);
    await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    state.sentSdp.push(pc.localDescription.sdp);
    sig.answer(pc.localDescription.sdp, remote);
    flush();
  });
  sig.on('answer', async function (m) {
    log('answer from ' + m.from);
    state.receivedSdp.push(m.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
  });
  sig.on('candidate', async function (m) {
    try {
      if (m.candidate === null) { state.endOfCandidates = true; await pc.addIceCandidate(); }
      else { state.remoteCandidates++; await pc.addIceCandidate(m.candidate); }
    } catch (err) { state.errors.push('addIceCandidate: ' + err); }
  });
  var joined = await sig.join(room, name);
  state.peers = joined.peers.map(function (p) { return p.id; });
  if (joined.peers.length > 0) {
    remote = joined.peers[0].id;
    wire(pc.createDataChannel('chat'));
    await pc.setLocalDescription(await pc.createOffer());
    state.sentSdp.push(pc.localDescription.sdp);
    sig.offer(pc.localDescription.sdp, remote);
    flush();
  }
  return sig.id;
};
`;

describe.skipIf(!chromeAvailable)('chrome: two pages connect through the purertc signaling server', () => {
  const chrome = useChrome();
  let server: SignalingServer;

  beforeAll(async () => {
    server = await createSignalingServer({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  /**
   * The harness maps every host but localhost to NOTFOUND (--host-resolver-rules), and
   * that rule catches IP literals too, so the pages reach the server as localhost.
   */
  const pageUrl = (): string => `ws://localhost:${server.port}/`;

  async function openPeerPage(room: string, name: string): Promise<{ page: ChromePage; id: string }> {
    const page = await chrome.newPage();
    await page.page.addScriptTag({ url: `http://localhost:${server.port}${BROWSER_CLIENT_PATH}` });
    await page.page.addScriptTag({ content: PAGE_SCRIPT });
    const id = await page.page.evaluate(
      ([u, r, n]) => (window as unknown as { startSignalingPeer(u: string, r: string, n: string): Promise<string> }).startSignalingPeer(u, r, n),
      [pageUrl(), room, name] as const,
    );
    page.note(`signaling id ${id}`);
    return { page, id };
  }

  function state(page: ChromePage): Promise<PageState> {
    return page.page.evaluate(() => (window as unknown as { sigPeer: PageState }).sigPeer);
  }

  async function waitUntil(page: ChromePage, what: string, fn: string): Promise<void> {
    try {
      await page.page.waitForFunction(fn, undefined, { timeout: DEFAULT_WAIT_MS, polling: 20 });
    } catch (err) {
      throw new Error(`${what}: ${String(err)}\n${JSON.stringify(await state(page), null, 2)}`);
    }
  }

  it('browser to browser: offer, answer and trickled candidates relayed, a data channel message each way', async () => {
    const a = await openPeerPage('room-1', 'alice');
    const b = await openPeerPage('room-1', 'bob');
    for (const [p, who] of [[a, 'alice'], [b, 'bob']] as const) {
      await waitUntil(p.page, `${who} got a message`, 'window.sigPeer.messages.length >= 1');
      await waitUntil(p.page, `${who} connected`, "window.sigPeer.connectionState === 'connected'");
    }
    const sa = await state(a.page);
    const sb = await state(b.page);
    expect(sb.peers).toEqual([a.id]); // bob found alice in the room and offered
    // Chrome's offer and answer crossed the server byte for byte.
    expect(sb.sentSdp).toHaveLength(1);
    expect(sa.receivedSdp).toEqual(sb.sentSdp);
    expect(sb.receivedSdp).toEqual(sa.sentSdp);
    expect(sa.receivedSdp[0]).toMatch(/^v=0\r\n[\s\S]*m=application [\s\S]*a=sctp-port:/);
    expect(sa.messages).toEqual(['hello from bob']);
    expect(sb.messages).toEqual(['hello from alice']);
    for (const s of [sa, sb]) {
      expect(s.errors).toEqual([]);
      expect(s.remoteCandidates).toBeGreaterThan(0);
      // Only loopback UDP candidates (as the harness's flags and CI's namespace make them).
      const udp = s.localCandidates.filter((c) => / udp /i.test(c));
      expect(udp.length).toBeGreaterThan(0);
      for (const c of udp) expect(c.split(' ')[4]).toBe('127.0.0.1');
    }
    // The null end-of-candidates crossed the server to both sides.
    await waitUntil(a.page, 'alice end-of-candidates', 'window.sigPeer.endOfCandidates');
    await waitUntil(b.page, 'bob end-of-candidates', 'window.sigPeer.endOfCandidates');

    // Closing bob's page drops his WebSocket: the server tells alice.
    await b.page.close();
    await waitUntil(a.page, 'alice heard peer-left', `window.sigPeer.left.includes(${JSON.stringify(b.id)})`);
    expect(server.core.roomMembers('room-1').map((p) => p.id)).toEqual([a.id]);
  });

  it('rooms keep pairs apart: two rooms, two connections', async () => {
    const pages = [];
    for (const [room, name] of [['x', 'x1'], ['y', 'y1'], ['x', 'x2'], ['y', 'y2']] as const) pages.push(await openPeerPage(room, name));
    for (const p of pages) await waitUntil(p.page, 'message', 'window.sigPeer.messages.length >= 1');
    const messages = await Promise.all(pages.map(async (p) => (await state(p.page)).messages));
    expect(messages).toEqual([['hello from x2'], ['hello from y2'], ['hello from x1'], ['hello from y1']]);
  });

  it('a Chrome page and a Node peer (libdatachannel) on the Node SignalingClient connect through the server', async () => {
    // The Node side waits in the room; the page joins and offers (PAGE_SCRIPT's rule).
    const sig = await SignalingClient.connect(server.url);
    const pc = new NdcPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration);
    try {
      const received: string[] = [];
      let remote: string | undefined;
      const early: (RTCIceCandidateInit | null)[] = [];
      pc.onicecandidate = (e: RTCPeerConnectionIceEvent) => {
        const c = e.candidate === null ? null : (e.candidate.toJSON() as RTCIceCandidateInit);
        if (remote === undefined) early.push(c);
        else sendCandidate(c, remote);
      };
      const sendCandidate = (c: RTCIceCandidateInit | null, to: string): void => {
        sig.candidate(c === null ? null : { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }, to);
      };
      pc.ondatachannel = (e: RTCDataChannelEvent) => {
        e.channel.onmessage = (m: MessageEvent) => {
          received.push(String(m.data));
          e.channel.send(`echo: ${String(m.data)}`);
        };
      };
      sig.on('offer', (m) => {
        remote = m.from;
        void (async () => {
          await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          sig.answer(pc.localDescription?.sdp ?? answer.sdp ?? '', m.from);
          for (const c of early.splice(0)) sendCandidate(c, m.from);
        })();
      });
      sig.on('candidate', (m) => {
        if (m.candidate !== null && m.candidate.candidate !== '') void pc.addIceCandidate(m.candidate);
      });
      await sig.join('node-room', 'node');

      const page = await openPeerPage('node-room', 'chrome');
      expect((await state(page.page)).peers).toEqual([sig.id]);
      await waitUntil(page.page, 'chrome got the echo', 'window.sigPeer.messages.length >= 1');
      expect((await state(page.page)).messages).toEqual(['echo: hello from chrome']);
      expect(received).toEqual(['hello from chrome']);
      expect(remote).toBe(page.id);
    } finally {
      pc.close();
      await sig.close();
    }
  });

  it("a page speaking the raw protocol with the browser's WebSocket: error replies keep it up", async () => {
    const page = await chrome.newPage();
    const replies = await page.page.evaluate(async (url: string) => {
      const ws = new WebSocket(url);
      const got: unknown[] = [];
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          ws.addEventListener('message', (e) => resolve(JSON.parse(String(e.data))), { once: true });
          ws.addEventListener('close', (e) => reject(new Error(`closed ${e.code}`)), { once: true });
        });
      got.push(await next()); // welcome
      ws.send('{not json');
      got.push(await next());
      ws.send(JSON.stringify({ type: 'offer', sdp: 'v=0' })); // before join
      got.push(await next());
      ws.send(JSON.stringify({ type: 'join', room: 'raw', name: 'page' }));
      got.push(await next());
      got.push(ws.readyState);
      ws.close();
      return got;
    }, pageUrl());
    expect(replies[0]).toMatchObject({ type: 'welcome' });
    expect(replies[1]).toMatchObject({ type: 'error', code: 'bad-json' });
    expect(replies[2]).toMatchObject({ type: 'error', code: 'not-in-room' });
    expect(replies[3]).toMatchObject({ type: 'joined', room: 'raw', peers: [] });
    expect(replies[4]).toBe(1); // WebSocket.OPEN
  });
});
