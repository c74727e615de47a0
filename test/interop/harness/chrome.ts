/**
 * @module test/interop/harness/chrome
 * Drive Debian's Chromium headless for interop tests against a real browser. The vitest
 * hooks (`useChrome`) are in fixture.ts; this file does not import vitest.
 *
 * Usage (one browser per test file, one page per test):
 * ```ts
 * import { describe, it } from 'vitest';
 * import { chromeAvailable, useChrome, negotiate } from './harness/index.js';
 *
 * describe.skipIf(!chromeAvailable)('chrome: ...', () => {
 *   const chrome = useChrome();                 // beforeAll launch, afterEach close pages, afterAll close
 *   it('connects', async () => {
 *     const page = await chrome.newPage();      // http://localhost:<port>/ with window.purertc
 *     const a = await page.createPeer('a', { dataChannels: ['chat'] });
 *     const b = await page.createPeer('b');
 *     await negotiate(a, b);                   // offer/answer and trickled candidates via Node
 *     await a.waitFor({ kind: 'channelOpen', label: 'chat' });
 *   });
 * });
 * ```
 *
 * Chrome facts this relies on (/work/shared/captures/chromium-156/README.md): launch
 * `/usr/lib/chromium/chromium` itself (the /usr/bin wrapper misbehaves); on a machine with
 * only `lo`, Chrome gathers 127.0.0.1 candidates only with
 * `--allow-loopback-in-peer-connection` AND camera/microphone permission in the browser
 * context; `navigator.mediaDevices` needs a secure context such as http://localhost (so
 * a page server, see page-server.ts); `--host-resolver-rules` keeps it from resolving
 * anything but localhost; `--no-sandbox` because CI runs as root.
 *
 * On a failed test the page's console, the harness's own log and every peer's event log
 * go to `test-artifacts/chrome/<file>--<test>.log`, with a screenshot beside it.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startPageServer } from './page-server.js';
import type { PageRoutes, PageServer } from './page-server.js';
import type {
  PageDescriptions,
  PageCandidate,
  PageCondition,
  PagePeerOptions,
  PagePeerSnapshot,
  PageStatsSummary,
  PageWindow,
} from './page-peers.js';

export type {
  PageCandidate,
  PageChannelCount,
  PageCondition,
  PageDescriptions,
  PageInboundStats,
  PageMessage,
  PageOutboundStats,
  PagePeerOptions,
  PagePeerSnapshot,
  PagePeersApi,
  PageStatsSummary,
  PageWindow,
} from './page-peers.js';
export type { PageRoutes, PageServer } from './page-server.js';

/** Debian's Chromium binary (not the /usr/bin/chromium wrapper). */
export const CHROMIUM_PATH = '/usr/lib/chromium/chromium';

/** True when Chromium is installed; Chrome suites use `describe.skipIf(!chromeAvailable)`. */
export const chromeAvailable: boolean = existsSync(CHROMIUM_PATH);
if (!chromeAvailable) {
  console.warn(
    `[chrome harness] SKIPPING Chrome interop tests: no Chromium at ${CHROMIUM_PATH} ` +
      '(install it with `apt-get install chromium`; CI does).',
  );
}

/**
 * This process's non-loopback interface addresses. Chrome gathers on every interface it
 * can see, so the Chrome tests belong in a namespace with only `lo`, as CI runs them:
 * `unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/chrome'`.
 */
export function nonLoopbackAddresses(): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(`${name} ${a.address}`);
  }
  return out;
}

/** Flags from captures/chromium-156/README.md; each one is there for a reason given above. */
export const CHROME_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost',
];

/** How long a wait in the page may take before the test fails with the peer's log. */
export const DEFAULT_WAIT_MS = 20_000;
/** Bound on the harness's own log lines per page. */
const MAX_PAGE_LOG_LINES = 5000;
/** Where failure logs and screenshots go (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/chrome/', import.meta.url));

/** A launched Chromium plus the page server; see `useChrome` for the vitest wiring. */
export interface ChromeSession {
  readonly browser: Browser;
  readonly server: PageServer;
  /** Wall-clock milliseconds `chromium.launch` took. */
  readonly launchMs: number;
  /** Chromium's version string, e.g. '156.0.8078.108'. */
  readonly version: string;
  /** Opens the harness page in a fresh browser context. */
  newPage(options?: NewPageOptions): Promise<ChromePage>;
  /** Closes every page still open. */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

export interface NewPageOptions {
  /** Path on the page server to open (default `/`, the harness page); see `ChromeOptions.routes`. */
  readonly path?: string;
}

export interface ChromeOptions {
  /** Extra pages or scripts the page server serves beside the harness page at `/`. */
  readonly routes?: PageRoutes;
  /** Extra Chromium flags, after `CHROME_ARGS`. */
  readonly args?: readonly string[];
}

/** Launches Chromium and the page server. Prefer `useChrome()` inside a describe block. */
export async function launchChrome(options: ChromeOptions = {}): Promise<ChromeSession> {
  const server = await startPageServer(options.routes);
  const t0 = performance.now();
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      chromiumSandbox: false,
      args: [...CHROME_ARGS, ...(options.args ?? [])],
    });
  } catch (err) {
    await server.close();
    throw err;
  }
  const launchMs = performance.now() - t0;
  const pages = new Set<ChromePage>();
  const closePages = async (): Promise<void> => {
    const all = [...pages];
    pages.clear();
    await Promise.all(all.map((p) => p.close()));
  };
  const version = browser.version();
  return {
    browser,
    server,
    launchMs,
    version,
    async newPage(options = {}) {
      // Camera/microphone permission is what lets Chrome enumerate (loopback) interfaces
      // for ICE instead of hiding them behind mDNS names. Measured here: with
      // --use-fake-ui-for-media-stream the page reports 'granted' even without this, but
      // the grant keeps the harness independent of that flag's auto-accept.
      const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
      const page = await context.newPage();
      const url = new URL(options.path ?? '/', server.url).href;
      const chromePage: ChromePage = new ChromePage(context, page, url, () => pages.delete(chromePage));
      chromePage.note(`Chromium ${version}`);
      pages.add(chromePage);
      await page.goto(url);
      if (options.path === undefined || options.path === '/') {
        await page.waitForFunction(() => typeof (window as unknown as Partial<PageWindow>).purertc === 'object');
      }
      return chromePage;
    },
    closePages,
    async close() {
      await closePages();
      await browser.close();
      await server.close();
    },
  };
}

/** A file name for failure artifacts from a test file and test name. */
export function artifactName(file: string, test: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80);
  return `${clean(file.split('/').pop() ?? file)}--${clean(test)}`;
}

/** One harness page in its own browser context. */
export class ChromePage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly url: string;
  /** Console messages, page errors and harness actions, in order (bounded). */
  readonly log: string[] = [];
  readonly #peers = new Map<string, PagePeer>();
  readonly #onClose: (() => void) | undefined;
  #closed = false;

  constructor(context: BrowserContext, page: Page, url: string, onClose?: () => void) {
    this.context = context;
    this.page = page;
    this.url = url;
    this.#onClose = onClose;
    page.on('console', (m) => this.note(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.note(`pageerror: ${e.message}`));
    page.on('crash', () => this.note('page crashed'));
  }

  /** Appends a line to this page's log (saved on failure). */
  note(line: string): void {
    if (this.log.length < MAX_PAGE_LOG_LINES) this.log.push(`${new Date().toISOString()} ${line}`);
  }

  /** Creates an RTCPeerConnection in the page, named `id`. */
  async createPeer(id: string, options: PagePeerOptions = {}): Promise<PagePeer> {
    this.note(`createPeer ${id} ${JSON.stringify(options)}`);
    await this.page.evaluate(([i, o]) => (window as unknown as PageWindow).purertc.createPeer(i, o), [id, options] as const);
    const peer = new PagePeer(this, id);
    this.#peers.set(id, peer);
    return peer;
  }

  get peers(): readonly PagePeer[] {
    return [...this.#peers.values()];
  }

  /** Writes `<name>.log` (page log plus every peer's snapshot) and `<name>.png`. */
  async saveArtifacts(name: string): Promise<void> {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const parts = [`page ${this.url}`, ...this.log, ''];
    for (const peer of this.#peers.values()) {
      try {
        const snap = await peer.snapshot();
        parts.push(`--- peer ${peer.id}`, JSON.stringify({ ...snap, events: undefined }, null, 2), ...snap.events, '');
      } catch (err) {
        parts.push(`--- peer ${peer.id}: snapshot failed: ${String(err)}`);
      }
    }
    await writeFile(`${ARTIFACTS_DIR}${name}.log`, parts.join('\n'));
    try {
      await this.page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true });
    } catch (err) {
      await writeFile(`${ARTIFACTS_DIR}${name}.screenshot-error.txt`, String(err));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
    await this.context.close();
  }
}

/** What `negotiate` needs from either side; a future Node peer implements it too. */
export interface SignalingPeer {
  readonly id: string;
  /** createOffer and setLocalDescription; resolves to the offer. */
  createOffer(): Promise<RTCSessionDescriptionInit>;
  /** createAnswer and setLocalDescription; resolves to the answer. */
  createAnswer(): Promise<RTCSessionDescriptionInit>;
  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  /** Waits for the end of gathering and resolves to every local candidate. */
  gatherCandidates(): Promise<RTCIceCandidateInit[]>;
}

/** An RTCPeerConnection living in a Chrome page. */
export class PagePeer implements SignalingPeer {
  readonly page: ChromePage;
  readonly id: string;

  constructor(page: ChromePage, id: string) {
    this.page = page;
    this.id = id;
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return this.#call('createOffer', (i) => (window as unknown as PageWindow).purertc.createOffer(i));
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.#call('createAnswer', (i) => (window as unknown as PageWindow).purertc.createAnswer(i));
  }

  async setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    this.page.note(`${this.id} setRemoteDescription ${desc.type}\n${desc.sdp ?? ''}`);
    await this.page.page.evaluate(
      ([i, d]) => (window as unknown as PageWindow).purertc.setRemoteDescription(i, d),
      [this.id, desc] as const,
    );
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    this.page.note(`${this.id} addIceCandidate ${JSON.stringify(candidate)}`);
    await this.page.page.evaluate(
      ([i, c]) => (window as unknown as PageWindow).purertc.addIceCandidate(i, c),
      [this.id, candidate] as const,
    );
  }

  async gatherCandidates(timeoutMs = DEFAULT_WAIT_MS): Promise<RTCIceCandidateInit[]> {
    await this.waitFor({ kind: 'gatheringComplete' }, timeoutMs);
    const snap = await this.snapshot();
    return snap.candidates.map((c: PageCandidate) => ({
      candidate: c.candidate,
      sdpMid: c.sdpMid,
      sdpMLineIndex: c.sdpMLineIndex,
      usernameFragment: c.usernameFragment,
    }));
  }

  /** Sends a text message on the data channel `label`. */
  async send(label: string, data: string): Promise<void> {
    await this.page.page.evaluate(
      ([i, l, d]) => (window as unknown as PageWindow).purertc.send(i, l, d),
      [this.id, label, data] as const,
    );
  }

  /** Sends a binary message on the data channel `label`. */
  async sendBytes(label: string, data: Uint8Array): Promise<void> {
    const hex = Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
    await this.page.page.evaluate(
      ([i, l, h]) => (window as unknown as PageWindow).purertc.sendBytes(i, l, h),
      [this.id, label, hex] as const,
    );
  }

  /**
   * Waits until `condition` holds in the page. Fails at once when it never can (the
   * connection failed or closed, the channel closed), or after `timeoutMs` with the
   * peer's snapshot in the error message.
   */
  async waitFor(condition: PageCondition, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    let result: string | null;
    try {
      const handle = await this.page.page.waitForFunction(
        ([i, c]) => (window as unknown as PageWindow).purertc.check(i, c),
        [this.id, condition] as const,
        { timeout: timeoutMs, polling: 20 },
      );
      result = await handle.jsonValue();
      await handle.dispose();
    } catch (err) {
      const snap = await this.snapshot().catch(() => undefined);
      throw new Error(
        `${this.id}: ${JSON.stringify(condition)} did not happen: ${String(err)}\n` +
          (snap === undefined ? '' : snap.events.join('\n')),
      );
    }
    if (result !== 'ok') {
      const snap = await this.snapshot();
      throw new Error(`${this.id}: ${JSON.stringify(condition)} ${String(result)}\n${snap.events.join('\n')}`);
    }
  }

  /** Waits for `count` messages on `label` and returns their data (text, or hex for binary). */
  async waitForMessages(label: string, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<string[]> {
    await this.waitFor({ kind: 'messages', label, count }, timeoutMs);
    const snap = await this.snapshot();
    return snap.messages.filter((m) => m.label === label).map((m) => m.data);
  }

  snapshot(): Promise<PagePeerSnapshot> {
    return this.page.page.evaluate((i) => (window as unknown as PageWindow).purertc.snapshot(i), this.id);
  }

  /** Chrome's own serialization of the local and remote descriptions it holds. */
  descriptions(): Promise<PageDescriptions> {
    return this.page.page.evaluate((i) => (window as unknown as PageWindow).purertc.descriptions(i), this.id);
  }

  stats(): Promise<PageStatsSummary> {
    return this.page.page.evaluate((i) => (window as unknown as PageWindow).purertc.stats(i), this.id);
  }

  /** Mime types this Chrome can send (`side` 'sender') or receive for `kind` (RTCRtpSender/Receiver.getCapabilities). */
  capabilities(kind: 'audio' | 'video', side: 'sender' | 'receiver' = 'sender'): Promise<string[]> {
    return this.page.page.evaluate(([k, s]) => (window as unknown as PageWindow).purertc.capabilities(k, s), [kind, side] as const);
  }

  /** setCodecPreferences on every transceiver of `kind` (mime types in order; RTX/RED/ULPFEC kept after them). */
  async setCodecPreferences(kind: 'audio' | 'video', mimeTypes: readonly string[]): Promise<void> {
    this.page.note(`${this.id} setCodecPreferences ${kind} ${mimeTypes.join(',')}`);
    await this.page.page.evaluate(
      ([i, k, m]) => (window as unknown as PageWindow).purertc.setCodecPreferences(i, k, m),
      [this.id, kind, mimeTypes] as const,
    );
  }

  async close(): Promise<void> {
    await this.page.page.evaluate((i) => (window as unknown as PageWindow).purertc.close(i), this.id);
  }

  async #call<T>(what: string, fn: (id: string) => Promise<T>): Promise<T> {
    this.page.note(`${this.id} ${what}`);
    const result = await this.page.page.evaluate(fn, this.id);
    if (typeof result === 'object' && result !== null && 'sdp' in result) {
      this.page.note(`${this.id} ${what} ->\n${String((result as { sdp?: unknown }).sdp)}`);
    }
    return result;
  }
}

/** Rewrites applied to what crosses Node between the two peers (e.g. our SDP codec). */
export interface SignalingTransforms {
  offer?(desc: RTCSessionDescriptionInit): RTCSessionDescriptionInit;
  answer?(desc: RTCSessionDescriptionInit): RTCSessionDescriptionInit;
  candidate?(candidate: RTCIceCandidateInit): RTCIceCandidateInit;
}

/** What crossed Node during `negotiate`, before and after the transforms. */
export interface NegotiationRecord {
  readonly offer: RTCSessionDescriptionInit;
  readonly offerDelivered: RTCSessionDescriptionInit;
  readonly answer: RTCSessionDescriptionInit;
  readonly answerDelivered: RTCSessionDescriptionInit;
  readonly offererCandidates: readonly RTCIceCandidateInit[];
  readonly answererCandidates: readonly RTCIceCandidateInit[];
}

/**
 * One JSEP exchange through Node (RFC 8829 section 4.1.8 order): offerer creates and
 * sets the offer, the answerer sets it remotely and answers, the offerer sets the answer;
 * then each side's gathered candidates go to the other (RFC 8838 trickle, batched at the
 * end of gathering). Each item passes through `transforms` on the way.
 */
export async function negotiate(
  offerer: SignalingPeer,
  answerer: SignalingPeer,
  transforms: SignalingTransforms = {},
): Promise<NegotiationRecord> {
  const offer = await offerer.createOffer();
  const offerDelivered = transforms.offer?.(offer) ?? offer;
  await answerer.setRemoteDescription(offerDelivered);
  const answer = await answerer.createAnswer();
  const answerDelivered = transforms.answer?.(answer) ?? answer;
  await offerer.setRemoteDescription(answerDelivered);
  const [offererCandidates, answererCandidates] = await Promise.all([
    offerer.gatherCandidates(),
    answerer.gatherCandidates(),
  ]);
  const pass = (c: RTCIceCandidateInit) => transforms.candidate?.(c) ?? c;
  for (const c of offererCandidates) await answerer.addIceCandidate(pass(c));
  for (const c of answererCandidates) await offerer.addIceCandidate(pass(c));
  return { offer, offerDelivered, answer, answerDelivered, offererCandidates, answererCandidates };
}
