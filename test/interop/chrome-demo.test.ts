/**
 * The demo as a newcomer runs it: `npm run demo` (here with `--port 0`), its URL opened
 * in headless Chromium. The page gathers candidates against purertc's STUN server and
 * purertc parses and re-serializes the browser's own offer (RFC 8866); the test checks
 * what the page shows, keeps a screenshot in test-artifacts/, and stops the demo with
 * SIGINT as Ctrl-C would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, chromeAvailable, useChrome } from './harness/index.js';

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
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, output: () => out, exited };
}

describe.skipIf(!chromeAvailable)('npm run demo in Chrome', () => {
  const chrome = useChrome();

  it('shows ICE gathering against our STUN server and the offer parsed byte-exact, then stops cleanly', async () => {
    const demo = startDemo();
    try {
      const url = await demo.url;
      const context = await chrome.session.browser.newContext({ permissions: ['camera', 'microphone'] });
      try {
        const page = await context.newPage();
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { demoResult?: unknown }).demoResult !== undefined, undefined, { timeout: 20_000 });
        const result = (await page.evaluate(() => (window as unknown as { demoResult: unknown }).demoResult)) as {
          identical: boolean;
          bundle: string[];
          candidates: number;
          media: { kind: string; codecs: string[] }[];
        };
        expect(result.identical).toBe(true);
        expect(result.media.map((m) => m.kind)).toEqual(['audio', 'video', 'application']);
        expect(result.bundle).toEqual(['0', '1', '2']);
        expect(result.candidates).toBeGreaterThan(0);
        expect(result.media[1]?.codecs.some((c) => / VP8\/90000/.test(c))).toBe(true);
        expect(await page.locator('#gathering').textContent()).toBe('complete');
        expect(await page.locator('#roundtrip').textContent()).toBe('round trip byte-exact');
        expect(await page.locator('#candidates tbody tr').count()).toBeGreaterThan(0);
        await mkdir(ARTIFACTS_DIR, { recursive: true });
        await page.screenshot({ path: `${ARTIFACTS_DIR}demo.png`, fullPage: true });
      } finally {
        await context.close();
      }
    } finally {
      if (demo.child.pid !== undefined && demo.child.exitCode === null) process.kill(-demo.child.pid, 'SIGINT');
    }
    await demo.exited;
    expect(demo.output()).toContain('purertc demo: shutting down');
  });
});
