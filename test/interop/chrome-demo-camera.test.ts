/**
 * The demo's camera echo in Chrome: the demo (src/cli/demo.ts, in-process) serves the page,
 * Chromium opens it with its fake camera and microphone (the harness's
 * --use-fake-device-for-media-stream), the page sends them to the purertc echo bot, which
 * forwards every RTP packet back over SRTP. Chrome's own getStats (webrtc-stats 8.3
 * inbound-rtp) must show the echo decoded (framesDecoded, frameWidth) and the bot's
 * summary must count packets both ways. With ?camera=1 the camera is in the first offer;
 * without it the page's button adds it by renegotiation (JSEP RFC 9429 5.10), then pauses
 * and resumes it, each time a re-offer the bot answers on the same connection.
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/chrome-demo-camera.test.ts'
 */
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemo } from '../../src/cli/demo.js';
import type { BotStatsSummary } from '../../src/cli/demo-bot.js';
import { ARTIFACTS_DIR, chromeAvailable, useChrome } from './harness/index.js';

interface EchoStats {
  inbound: { framesDecoded: number; keyFramesDecoded: number; frameWidth: number; frameHeight: number; packetsReceived: number; packetsLost: number; nackCount: number; pliCount: number; codec: string | null } | null;
  outbound: { framesEncoded: number; frameWidth: number; packetsSent: number; codec: string | null } | null;
  audio: { packetsSent: number; packetsReceived: number; codec: string | null };
}

interface DemoState {
  stages: Record<string, string>;
  errors: string[];
  camera: string;
  cameraError: string | null;
  echoStats: EchoStats | null;
  botStats: BotStatsSummary | null;
  offers: number;
  answers: number;
  sdp: { identical: boolean; media: { kind: string; direction: string }[] } | null;
}

const demoState = (page: Page): Promise<DemoState> => page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState);
/** How long Chrome gets to encode, send, and decode the echo of 30+ frames (a bound for a hang, not a timing check). */
const MEDIA_WAIT_MS = 30_000;

describe.skipIf(!chromeAvailable)('the demo camera echo in Chrome', () => {
  const chrome = useChrome();
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(query: string): Promise<{ page: Page; log: string[] }> {
    const log: string[] = [];
    const demo = await startDemo({ host: '127.0.0.1', port: 0, stunPort: 0, turnPort: 0, log: (l) => log.push(l) });
    cleanups.push(() => demo.close());
    const context = await chrome.session.browser.newContext({ permissions: ['camera', 'microphone'] });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${demo.url}?${query}`);
    await expect.poll(() => page.locator('#st-channel').textContent(), { timeout: 20_000 }).toBe('open');
    return { page, log };
  }

  /** Waits until Chrome has decoded more than `frames` frames of the echo. */
  async function echoDecoded(page: Page, frames: number): Promise<EchoStats> {
    await expect.poll(async () => (await demoState(page)).echoStats?.inbound?.framesDecoded ?? 0, { timeout: MEDIA_WAIT_MS }).toBeGreaterThan(frames);
    return (await demoState(page)).echoStats!;
  }

  it('?camera=1: Chrome decodes its camera sent back by the purertc bot; both ends count the packets', async () => {
    const { page, log } = await open('room=camera&camera=1');
    const echo = await echoDecoded(page, 30);
    // Chrome's inbound-rtp for the echo: frames decoded at the size Chrome's encoder sent.
    expect(echo.inbound!.frameWidth).toBeGreaterThan(0);
    expect(echo.inbound!.frameWidth).toBe(echo.outbound!.frameWidth);
    expect(echo.inbound!.codec).toBe('video/VP8');
    expect(echo.inbound!.keyFramesDecoded).toBeGreaterThan(0);
    await expect.poll(async () => (await demoState(page)).echoStats?.audio.packetsReceived ?? 0, { timeout: MEDIA_WAIT_MS }).toBeGreaterThan(0);
    // The bot's own getStats, sent over the data channel: packets in and out on both sections.
    await expect
      .poll(async () => {
        const media = (await demoState(page)).botStats?.media ?? [];
        return media.filter((x) => (x.inbound?.packetsReceived ?? 0) > 0 && (x.outbound?.packetsSent ?? 0) > 0).map((x) => x.kind).sort();
      }, { timeout: MEDIA_WAIT_MS })
      .toEqual(['audio', 'video']);
    const state = await demoState(page);
    const video = state.botStats!.media.find((x) => x.kind === 'video')!;
    expect(video.codec).toBe('video/VP8');
    expect(video.inbound!.framesReceived).toBeGreaterThan(0);
    expect(state.camera).toBe('on');
    expect(state.cameraError).toBeNull();
    expect(state.errors).toEqual([]);
    // The camera was in the first (and only) offer.
    expect(state.offers).toBe(1);
    await expect.poll(async () => (await demoState(page)).sdp?.media.map((x) => x.kind).sort(), { timeout: 10_000 }).toEqual(['application', 'audio', 'video']);
    expect(await page.locator('#bot-stats').textContent()).toMatch(/video \(mid \d+, video\/VP8\) received\d+ packets/);
    expect(await page.locator('#echo-stats').textContent()).toMatch(/\d+ decoded/);
    expect(log.filter((l) => / echoing (audio|video) of mid /.test(l))).toHaveLength(2);
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS_DIR}demo-camera.png`, fullPage: true });
  }, 60_000);

  it('the camera button renegotiates: added to a running chat, paused and resumed on the same connection', async () => {
    const { page, log } = await open('room=button');
    expect((await demoState(page)).camera).toBe('off');
    expect((await demoState(page)).echoStats).toBeNull();
    await page.click('#camera-toggle');
    const first = await echoDecoded(page, 30);
    expect(first.inbound!.frameWidth).toBeGreaterThan(0);
    const afterStart = await demoState(page);
    expect(afterStart.offers).toBe(2);
    // Pause: tracks replaced by null, sections inactive, one more offer.
    await page.click('#camera-toggle');
    await expect.poll(async () => (await demoState(page)).answers, { timeout: 10_000 }).toBe(3);
    expect((await demoState(page)).camera).toBe('off');
    // Resume on the same transceivers: the echo goes on decoding.
    await page.click('#camera-toggle');
    await expect.poll(async () => (await demoState(page)).answers, { timeout: 10_000 }).toBe(4);
    const paused = (await demoState(page)).echoStats!.inbound!.framesDecoded;
    await echoDecoded(page, paused + 30);
    const state = await demoState(page);
    expect(state.camera).toBe('on');
    expect(state.errors).toEqual([]);
    expect(state.stages['channel']).toBe('open');
    expect(await page.evaluate(() => (window as unknown as { demoPc: RTCPeerConnection }).demoPc.getTransceivers().length)).toBe(2);
    expect(log.filter((l) => l.endsWith(': answered a re-offer'))).toHaveLength(3);
    expect(log.filter((l) => / echoing (audio|video) of mid /.test(l))).toHaveLength(2);
    expect(log.join('\n')).not.toMatch(/closed \(|negotiation failed/);
  }, 90_000);
});
