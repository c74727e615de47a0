/**
 * @module test/interop/harness/fixture
 * The vitest wiring for Chrome interop tests: one browser per test file, one page per
 * test, logs and a screenshot in test-artifacts/chrome/ when a test fails. The browser
 * and page helpers themselves live in chrome.ts, which does not import vitest (so
 * benches and scripts run under tsx can use them).
 */
import { readdir, rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ARTIFACTS_DIR, artifactName, launchChrome, nonLoopbackAddresses } from './chrome.js';
import type { ChromeOptions, ChromePage, ChromeSession, NewPageOptions } from './chrome.js';

/** The object `useChrome` returns: valid from the first test on. */
export interface ChromeFixture {
  /** The live session (throws before beforeAll ran). */
  readonly session: ChromeSession;
  /** Wall-clock launch time of this file's browser, ms. */
  readonly launchMs: number;
  newPage(options?: NewPageOptions): Promise<ChromePage>;
}

/**
 * Registers the vitest hooks for one browser per test file: launch in beforeAll, close
 * pages after each test (saving logs and a screenshot when it failed), close in afterAll.
 */
export function useChrome(options: ChromeOptions = {}): ChromeFixture {
  let session: ChromeSession | undefined;
  const open: ChromePage[] = [];
  beforeAll(async () => {
    const outside = nonLoopbackAddresses();
    if (outside.length > 0) {
      console.warn(
        `[chrome harness] this network namespace has non-loopback addresses (${outside.join(', ')}); ` +
          "Chrome will gather them too. Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run ...'",
      );
    }
    session = await launchChrome(options);
  });
  afterEach(async (ctx) => {
    const pages = open.splice(0);
    const failed = ctx.task.result?.state === 'fail' || (ctx.task.result?.errors?.length ?? 0) > 0;
    const base = artifactName(ctx.task.file?.name ?? 'chrome', ctx.task.name);
    if (failed) {
      for (const [i, p] of pages.entries()) {
        await p.saveArtifacts(pages.length > 1 ? `${base}.page-${i}` : base);
      }
    } else {
      await removeArtifacts(base);
    }
    await Promise.all(pages.map((p) => p.close()));
  });
  afterAll(async () => {
    await session?.close();
    session = undefined;
  });
  const live = (): ChromeSession => {
    if (session === undefined) throw new Error('useChrome(): the browser is not running (use it inside a test)');
    return session;
  };
  return {
    get session() {
      return live();
    },
    get launchMs() {
      return live().launchMs;
    },
    async newPage(options) {
      const page = await live().newPage(options);
      open.push(page);
      return page;
    },
  };
}


/** Removes the artifacts an earlier failed run of this test left, so the folder shows only current failures. */
async function removeArtifacts(base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(ARTIFACTS_DIR);
  } catch {
    return; // no folder yet
  }
  const stale = names.filter(
    (n) =>
      n.startsWith(base) && /^(\.page-\d+)?\.(log|png|screenshot-error\.txt)$/.test(n.slice(base.length)),
  );
  await Promise.all(stale.map((n) => rm(`${ARTIFACTS_DIR}${n}`, { force: true })));
}
