/**
 * The demo as a newcomer runs it: `npm run demo` (here with `--port 0`), its URL opened
 * in headless Chromium. The page joins a signaling room, the purertc echo bot joins and
 * answers, and Chrome and purertc connect (ICE RFC 8445, DTLS, SCTP RFC 8261, data
 * channel RFC 8831). The test checks the chat round trip, Chrome's own getStats (a
 * nominated pair with nonzero bytes, the DTLS version and cipher), the bot's stats,
 * the offer parsed byte-exact by purertc (RFC 8866); it keeps a screenshot in
 * test-artifacts/, and stops the demo with SIGINT as Ctrl-C would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import WebSocket from 'ws';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { describeOffer, MAX_BOT_ROOMS, startDemo as startDemoInProcess } from '../../src/cli/demo.js';
import type { DemoHandle } from '../../src/cli/demo.js';
import { BOT_NAME } from '../../src/cli/demo-bot.js';
import { SignalingClient } from '../../src/signaling/client.js';
import { MAX_ROOM_ID_LENGTH } from '../../src/signaling/protocol.js';
import { ARTIFACTS_DIR, chromeAvailable, useChrome } from './harness/index.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';

interface DemoState {
  stages: Record<string, string>;
  chat: { who: string; text: string }[];
  errors: string[];
  browserStats: {
    selectedPair: string | null;
    nominated: boolean;
    bytesSent: number;
    bytesReceived: number;
    tlsVersion: string | null;
    dtlsCipher: string | null;
    dtlsState: string | null;
  } | null;
  botStats: {
    dtlsState: string | null;
    tlsVersion?: string | null;
    dtlsCipher?: string | null;
    selectedPair: { local: string; remote: string; nominated: boolean } | null;
    channels: { label: string; messagesReceived: number; bytesReceived: number }[];
  } | null;
  sdp: { identical: boolean; candidates: number; media: { kind: string }[] } | null;
}

function startDemo(): { child: ChildProcess; url: Promise<string>; output: () => string; exited: Promise<number | null> } {
  const child = spawn('npm', ['run', 'demo', '--', '--port', '0'], { cwd: process.cwd(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`demo exited early (${code}):\n${out}`)));
  });
  // 'close', not 'exit': npm may exit on the signal before the demo (its grandchild, which
  // shares the output pipes) has finished shutting down; 'close' waits for every writer.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, url, output: () => out, exited };
}

describe.skipIf(!chromeAvailable)('npm run demo in Chrome', () => {
  const chrome = useChrome();

  it('chats with the purertc echo bot, shows both stats panels, then stops cleanly', async () => {
    const demo = startDemo();
    try {
      const url = await demo.url;
      expect(demo.output()).toMatch(/TURN server at turn:127\.0\.0\.1:\d+\?transport=udp \(user demo, password [0-9a-f]{24}\)/);
      const context = await chrome.session.browser.newContext({ permissions: ['camera', 'microphone'] });
      try {
        const page = await context.newPage();
        await page.goto(`${url}?room=e2e`);
        await expect.poll(() => page.locator('#st-channel').textContent(), { timeout: 20_000 }).toBe('open');
        // The bot greets on open; then our chat line comes back through purertc.
        await page.fill('#chat-input', 'hello purertc');
        await page.click('#chat-send');
        await expect.poll(() => page.locator('#chat-log .bot').allTextContents(), { timeout: 10_000 }).toContain('bot: echo: hello purertc');
        await expect
          .poll(async () => (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).stages.gathering, { timeout: 10_000 })
          .toBe('complete');
        const state = await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState);
        expect(state.stages.signaling).toBe('answered');
        expect(['connected', 'completed']).toContain(state.stages.ice);
        expect(state.stages.sctp).toBe('connected');
        // Chrome's own getStats (W3C webrtc-stats): a nominated pair carrying bytes, DTLS done.
        await expect
          .poll(async () => (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).browserStats, { timeout: 10_000 })
          .toMatchObject({ nominated: true, dtlsState: 'connected' });
        const browser = (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).browserStats;
        expect(browser?.bytesSent).toBeGreaterThan(0);
        expect(browser?.bytesReceived).toBeGreaterThan(0);
        expect(browser?.selectedPair).toMatch(/127\.0\.0\.1:\d+ - .*127\.0\.0\.1:\d+/);
        expect(['FEFD', 'FEFC']).toContain(browser?.tlsVersion);
        expect(browser?.dtlsCipher).toMatch(/^TLS_/);
        expect(await page.locator('#dtls-detail').textContent()).toMatch(/version FE(FD|FC) \(DTLS 1\.[23]\), cipher TLS_/);
        expect(await page.locator('#browser-stats').textContent()).toContain('nominatedyes');
        // The bot's side, sent by the bot from purertc's getStats over the channel.
        await expect
          .poll(async () => (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).botStats?.channels?.[0]?.messagesReceived, { timeout: 10_000 })
          .toBeGreaterThanOrEqual(1);
        const bot = (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).botStats;
        expect(bot?.dtlsState).toBe('connected');
        expect(bot?.selectedPair?.nominated).toBe(true);
        expect(bot?.channels[0]?.label).toBe('chat');
        expect(bot?.channels[0]?.bytesReceived).toBeGreaterThan(0);
        // Where purertc's stats report the DTLS version and cipher, both ends agree on them.
        if (bot?.tlsVersion != null) expect(bot.tlsVersion).toBe(browser?.tlsVersion);
        if (bot?.dtlsCipher != null) expect(bot.dtlsCipher).toBe(browser?.dtlsCipher);
        expect(await page.locator('#bot-stats').textContent()).toContain('nominatedyes');
        // The browser's offer, parsed and re-serialized byte-exact by purertc (RFC 8866).
        await expect.poll(() => page.locator('#roundtrip').textContent(), { timeout: 10_000 }).toBe('round trip byte-exact');
        const sdp = (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).sdp;
        expect(sdp?.identical).toBe(true);
        expect(sdp?.media.map((m) => m.kind)).toEqual(['application']);
        expect(sdp?.candidates).toBeGreaterThan(0);
        expect(await page.locator('#candidates tbody tr').count()).toBeGreaterThan(0);
        expect(state.errors).toEqual([]);
        await mkdir(ARTIFACTS_DIR, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS_DIR}demo.png`, fullPage: true });
        // A second tab in the same room gets its own peer connection with the bot.
        const second = await context.newPage();
        await second.goto(`${url}?room=e2e`);
        await expect.poll(() => second.locator('#st-channel').textContent(), { timeout: 20_000 }).toBe('open');
        await second.fill('#chat-input', 'second tab');
        await second.click('#chat-send');
        await expect.poll(() => second.locator('#chat-log .bot').allTextContents(), { timeout: 10_000 }).toContain('bot: echo: second tab');
        expect(await page.locator('#chat-log .bot').allTextContents()).not.toContain('bot: echo: second tab');
        expect(demo.output().match(/: answered$/gm)).toHaveLength(2);
        await second.close();
        // Leaving the page closes the bot's peer connection (bye, then peer-left).
        await page.close();
        await expect.poll(() => demo.output(), { timeout: 10_000 }).toMatch(/bot <-> \S+: closed \((bye|left the room)\)[^]*bot <-> \S+: closed \((bye|left the room)\)/);
      } finally {
        await context.close();
      }
    } finally {
      if (demo.child.pid !== undefined && demo.child.exitCode === null) process.kill(-demo.child.pid, 'SIGINT');
    }
    await demo.exited;
    expect(demo.output()).toContain('purertc demo: shutting down');
    expect(demo.output()).not.toMatch(/error|unhandled|exception/i);
  });

  it('with ?relay=1 Chrome reaches the bot only through purertc TURN (RFC 8656)', async () => {
    const demo = startDemo();
    try {
      const url = await demo.url;
      const context = await chrome.session.browser.newContext({ permissions: ['camera', 'microphone'] });
      try {
        const page = await context.newPage();
        await page.goto(`${url}?room=relay&relay=1`);
        await expect.poll(() => page.locator('#st-channel').textContent(), { timeout: 20_000 }).toBe('open');
        await page.fill('#chat-input', 'via turn');
        await page.click('#chat-send');
        await expect.poll(() => page.locator('#chat-log .bot').allTextContents(), { timeout: 10_000 }).toContain('bot: echo: via turn');
        // Chrome gathered relay candidates only, from our TURN server, and uses one.
        const types = await page.locator('#candidates tbody tr td:nth-child(2)').allTextContents();
        expect(types.length).toBeGreaterThan(0);
        expect(new Set(types)).toEqual(new Set(['relay']));
        await expect
          .poll(async () => (await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState)).browserStats?.selectedPair, { timeout: 10_000 })
          .toMatch(/^relay 127\.0\.0\.1:\d+ - /);
        const state = await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState);
        expect(state.browserStats?.nominated).toBe(true);
        expect(state.errors).toEqual([]);
        // SIGTERM with the peer still connected: the demo closes the bot's peer and exits
        // (npm, in the same process group, reports the signal rather than a code).
        if (demo.child.pid !== undefined) process.kill(-demo.child.pid, 'SIGTERM');
        await demo.exited;
        expect(demo.output()).toMatch(/closed \(bot stopping\)/);
      } finally {
        await context.close();
      }
    } finally {
      if (demo.child.pid !== undefined && demo.child.exitCode === null) process.kill(-demo.child.pid, 'SIGTERM');
    }
    await demo.exited;
    expect(demo.output()).toContain('purertc demo: shutting down');
    expect(demo.output()).not.toMatch(/error|unhandled|exception/i);
  });
});

/** Chromium 156's own offer (audio, video, data channel), captured on this machine. */
const CHROME_OFFER = readFileSync(new URL('../../vectors/chromium-156/offer-audio-video-datachannel.sdp', import.meta.url), 'utf8');

describe('the demo in-process, with visitors we did not write', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function demo(): Promise<{ demo: DemoHandle; log: string[] }> {
    const log: string[] = [];
    const d = await startDemoInProcess({ host: '127.0.0.1', port: 0, stunPort: 0, turnPort: 0, log: (l) => log.push(l) });
    cleanups.push(() => d.close());
    return { demo: d, log };
  }

  async function signaling(d: DemoHandle, room: string): Promise<SignalingClient> {
    const sig = await SignalingClient.connect(d.signalingUrl);
    cleanups.push(() => sig.close());
    await sig.join(room, 'visitor');
    return sig;
  }

  function askBot(d: DemoHandle, room: string): Promise<Response> {
    return fetch(`${d.url.replace('localhost', '127.0.0.1')}api/bot?room=${encodeURIComponent(room)}`, { method: 'POST' });
  }

  it('parses Chrome\'s captured offer byte-exact (RFC 8866)', () => {
    const out = describeOffer(CHROME_OFFER) as { identical: boolean; bundle: string[]; media: { kind: string; codecs: string[] }[] };
    expect(out.identical).toBe(true);
    expect(out.media.map((m) => m.kind)).toEqual(['audio', 'video', 'application']);
    expect(out.bundle).toEqual(['0', '1', '2']);
    expect(out.media[0]?.codecs.some((c) => / opus\/48000/.test(c))).toBe(true);
    expect(out.media[1]?.codecs.some((c) => / VP8\/90000/.test(c))).toBe(true);
  });

  it('describeOffer on random text or mangled Chrome offers throws only ParseError', () => {
    const mangled = fc
      .tuple(fc.nat({ max: CHROME_OFFER.length }), fc.nat({ max: 64 }), fc.string({ maxLength: 16 }))
      .map(([at, cut, insert]) => CHROME_OFFER.slice(0, at) + insert + CHROME_OFFER.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), mangled), (text) => {
        try {
          describeOffer(text);
        } catch (err) {
          if (!(err instanceof ParseError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a werift peer (independent TypeScript stack) chats with the bot through the demo signaling', async () => {
    const { demo: d, log } = await demo();
    const sig = await signaling(d, 'werift');
    const res = await askBot(d, 'werift');
    expect(res.status).toBe(200);
    const joined = await sig.next('peer-joined');
    expect(joined.name).toBe(BOT_NAME);
    expect(((await res.json()) as { bot: string }).bot).toBe(joined.id);
    const pc = new WeriftPeerConnection({ ...WERIFT_LOOPBACK_CONFIG, iceServers: [{ urls: d.stunUrl }] });
    cleanups.push(() => pc.close());
    const dc = pc.createDataChannel('chat');
    const got: unknown[] = [];
    dc.onMessage.subscribe((m) => got.push(JSON.parse(typeof m === 'string' ? m : m.toString())));
    sig.on('candidate', (m) => {
      if (m.candidate !== null) void pc.addIceCandidate({ candidate: m.candidate.candidate, sdpMid: m.candidate.sdpMid ?? '0', sdpMLineIndex: m.candidate.sdpMLineIndex ?? 0 });
    });
    await pc.setLocalDescription(await pc.createOffer());
    await expect.poll(() => pc.iceGatheringState, { timeout: 10_000 }).toBe('complete');
    sig.offer(pc.localDescription?.sdp ?? '', joined.id);
    const answer = await sig.next('answer');
    expect(answer.from).toBe(joined.id);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await expect.poll(() => dc.readyState, { timeout: 15_000 }).toBe('open');
    dc.send('hi from werift');
    await expect.poll(() => got, { timeout: 10_000 }).toContainEqual({ kind: 'echo', text: 'echo: hi from werift' });
    // The greeting, and a stats summary from the bot's own getStats (W3C webrtc-stats).
    expect(got).toContainEqual({ kind: 'echo', text: `hello from ${BOT_NAME}, built on purertc` });
    await expect
      .poll(() => got.some((m) => (m as { kind: string; channels?: { messagesReceived: number }[] }).kind === 'stats' && (m as { channels: { messagesReceived: number }[] }).channels[0]?.messagesReceived === 1), { timeout: 10_000 })
      .toBe(true);
    const stats = got.find((m) => (m as { kind: string }).kind === 'stats') as { dtlsState: string; selectedPair: { nominated: boolean } | null };
    expect(stats.dtlsState).toBe('connected');
    expect(stats.selectedPair?.nominated).toBe(true);
    // Leaving: the bot closes that peer connection.
    sig.bye(joined.id);
    await expect.poll(() => log.join('\n'), { timeout: 10_000 }).toMatch(/closed \(bye\)/);
  }, 30_000);

  it('a bad offer gets a bye, not a crash; the bot answers the next one', async () => {
    const { demo: d, log } = await demo();
    const sig = await signaling(d, 'bad');
    expect((await askBot(d, 'bad')).status).toBe(200);
    const bot = await sig.next('peer-joined');
    sig.offer('v=0\r\nthis is not SDP\r\n', bot.id);
    expect((await sig.next('bye')).from).toBe(bot.id);
    expect(log.join('\n')).toMatch(/negotiation failed/);
    // Candidates for a peer the bot does not have are ignored.
    sig.candidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }, bot.id);
    sig.offer(CHROME_OFFER, bot.id);
    const answer = await sig.next('answer');
    expect(answer.sdp).toMatch(/^v=0\r\n/);
    expect(d.botRooms()).toEqual(['bad']);
  }, 20_000);

  it('lets only the demo page\'s origin drive the bot and the signaling', async () => {
    const { demo: d } = await demo();
    const base = d.url.replace('localhost', '127.0.0.1');
    const post = (origin: string): Promise<Response> => fetch(`${base}api/bot?room=o`, { method: 'POST', headers: { origin } });
    expect((await post('http://evil.example')).status).toBe(403);
    expect((await post(d.url.replace(/\/$/, ''))).status).toBe(200);
    const status = (origin: string): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(d.signalingUrl, { origin });
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', () => undefined);
      });
    expect(await status('http://evil.example')).toBe(403);
    expect(await status(d.url.replace(/\/$/, ''))).toBe(101);
  });

  it('checks the room asked for, and bounds the rooms the bot joins', async () => {
    const { demo: d } = await demo();
    expect((await askBot(d, '')).status).toBe(400);
    expect((await askBot(d, 'r'.repeat(MAX_ROOM_ID_LENGTH + 1))).status).toBe(400);
    const ok = await Promise.all(Array.from({ length: MAX_BOT_ROOMS }, (_, i) => askBot(d, `room-${i}`)));
    expect(ok.map((r) => r.status)).toEqual(Array.from({ length: MAX_BOT_ROOMS }, () => 200));
    expect((await askBot(d, 'one-too-many')).status).toBe(503);
    // Asking again for a room it is in is fine.
    expect((await askBot(d, 'room-0')).status).toBe(200);
    expect(d.botRooms()).toHaveLength(MAX_BOT_ROOMS);
  }, 20_000);
});
