/**
 * Helper of bench/peer.ts, runnable on its own: purertc<->Chrome and werift<->Chrome,
 * the Node side in this process offering one data channel, Chromium headless (the
 * harness in test/interop/harness, loopback flags from captures/chromium-156) answering
 * in its own processes. Per run: connect (createOffer until the channel is open on both
 * sides; Chrome's open is timed when its notice reaches Node, which adds the DevTools
 * round, well under 1 ms here), throughput Node -> Chrome (64 KiB messages,
 * bufferedAmount backpressure; CPU s/MB of the Node sender), 32-byte echo round trip
 * (Chrome echoes). Median of the runs.
 *
 * Run: npx tsx bench/peer-chrome.ts [--stacks purertc,werift] [--mb 16] [--runs 3] [--echo 1000]
 */
import { launchChrome, chromeAvailable } from '../test/interop/harness/chrome.js';
import type { ChromePage } from '../test/interop/harness/chrome.js';
import { makeStack, messageBytes, monoMs, whenOpen } from './peer-stacks.js';
import type { LooseCandidate, LooseChannel, LoosePeer, Stack, StackName } from './peer-stacks.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const STACKS = arg('stacks', 'purertc,werift').split(',').filter((s): s is StackName => s === 'purertc' || s === 'werift');
const MB = Number(arg('mb', '16'));
const RUNS = Number(arg('runs', '3'));
const ECHOES = Number(arg('echo', '1000'));
const MESSAGE_BYTES = 65536;
const BUFFERED_HIGH_BYTES = 1 << 20;
const BUFFERED_LOW_BYTES = 256 << 10;
const BUFFERED_POLL_MS = 2;
/** How long one step may take before the run counts as failed. */
const STEP_TIMEOUT_MS = 60_000;

/** The page side: an answering RTCPeerConnection that counts bytes and echoes 32-byte messages. */
const PAGE_SCRIPT = `
window.bench = {
  pc: null, ready: false, early: [], expected: 0, received: 0,
  async answer(offerSdp) {
    this.ready = false;
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) window.benchCandidate(JSON.stringify(e.candidate.toJSON())); };
    pc.ondatachannel = (e) => {
      const ch = e.channel;
      ch.binaryType = 'arraybuffer';
      const echo = new Uint8Array(32);
      ch.onmessage = (m) => {
        const n = typeof m.data === 'string' ? m.data.length : m.data.byteLength;
        if (n === 32) { ch.send(echo); return; }
        this.received += n;
        if (this.expected > 0 && this.received >= this.expected) { this.expected = 0; window.benchReceived(); }
      };
      const opened = () => window.benchOpen();
      if (ch.readyState === 'open') opened(); else ch.onopen = opened;
    };
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    this.ready = true;
    for (const c of this.early.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    return a.sdp;
  },
  async candidate(json) {
    if (!this.ready) this.early.push(JSON.parse(json));
    else await this.pc.addIceCandidate(JSON.parse(json)).catch(() => {});
  },
  expect(bytes) { this.received = 0; this.expected = bytes; },
  close() { this.pc?.close(); this.pc = null; this.ready = false; this.early = []; },
};
`;

interface Run {
  connectMs: number;
  mbPerS: number;
  cpuSPerMb: number;
  echoMedianUs: number;
  echoP99Us: number;
}

/** Resolvers for the page's notices, one queue per kind. */
class Notices {
  readonly #waiting = new Map<string, (() => void)[]>();
  readonly #early = new Map<string, number>();
  notify(kind: string): void {
    const w = this.#waiting.get(kind)?.shift();
    if (w) w();
    else this.#early.set(kind, (this.#early.get(kind) ?? 0) + 1);
  }
  next(kind: string): Promise<void> {
    const n = this.#early.get(kind) ?? 0;
    if (n > 0) {
      this.#early.set(kind, n - 1);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for Chrome ${kind}`)), STEP_TIMEOUT_MS);
      const list = this.#waiting.get(kind) ?? [];
      list.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.#waiting.set(kind, list);
    });
  }
}

async function oneRun(stack: Stack, page: ChromePage, notices: Notices, measure: boolean, fromChrome: { candidate: (c: LooseCandidate) => void }): Promise<Run> {
  const t0 = monoMs();
  const pc: LoosePeer = stack.create();
  let remoteSet = false;
  const early: LooseCandidate[] = [];
  fromChrome.candidate = (c) => {
    if (process.env['PEER_BENCH_TRACE'] === '1') process.stderr.write(`node +${(monoMs() - t0).toFixed(1)} ms Chrome candidate ${c.candidate ?? ''}\n`);
    if (remoteSet) void pc.addIceCandidate(c).catch(() => undefined);
    else early.push(c);
  };
  pc.onicecandidate = (ev) => {
    const c = ev?.candidate;
    if (!c?.candidate) return;
    const init = stack.fixLocalCandidate({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }, pc.localDescription?.sdp);
    page.page.evaluate((json) => (window as unknown as { bench: { candidate(j: string): Promise<void> } }).bench.candidate(json), JSON.stringify(init)).catch(() => undefined);
  };
  if (process.env['PEER_BENCH_TRACE'] === '1') {
    const target = pc as unknown as { addEventListener?: (type: string, f: () => void) => void } & Record<string, unknown>;
    for (const [type, field] of [['iceconnectionstatechange', 'iceConnectionState'], ['connectionstatechange', 'connectionState']] as const) {
      target.addEventListener?.(type, () => process.stderr.write(`node +${(monoMs() - t0).toFixed(1)} ms ${field} ${String(target[field])}\n`));
    }
  }
  const ch: LooseChannel = pc.createDataChannel('bench');
  try {
    ch.binaryType = 'arraybuffer';
  } catch {
    // werift has no binaryType.
  }
  let onEcho: (() => void) | undefined;
  ch.onmessage = (ev) => {
    if (messageBytes(ev.data) === 32) onEcho?.();
  };
  const localOpen = whenOpen(ch).then(() => monoMs());
  const remoteOpen = notices.next('open').then(() => monoMs());
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const answerSdp = await page.page.evaluate((sdp) => (window as unknown as { bench: { answer(s: string): Promise<string> } }).bench.answer(sdp), offer.sdp ?? '');
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  remoteSet = true;
  for (const c of early.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
  const [localAt, remoteAt] = [await localOpen, await remoteOpen];
  if (process.env['PEER_BENCH_TRACE'] === '1') process.stderr.write(`node channel open +${(localAt - t0).toFixed(1)} ms, Chrome's +${(remoteAt - t0).toFixed(1)} ms\n`);
  const connectMs = Math.max(localAt, remoteAt) - t0;

  const total = measure ? MB * 1024 * 1024 : 2 << 20;
  await page.page.evaluate((n) => (window as unknown as { bench: { expect(b: number): void } }).bench.expect(n), total);
  const done = notices.next('received');
  const msg = stack.toBinary(new Uint8Array(MESSAGE_BYTES).fill(7));
  ch.bufferedAmountLowThreshold = BUFFERED_LOW_BYTES;
  const cpu0 = process.cpuUsage();
  const start = monoMs();
  let sent = 0;
  while (sent < total) {
    while (sent < total && ch.bufferedAmount < BUFFERED_HIGH_BYTES) {
      ch.send(msg);
      sent += MESSAGE_BYTES;
    }
    if (sent >= total) break;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => ch.bufferedAmount <= BUFFERED_LOW_BYTES && finish(), BUFFERED_POLL_MS);
      const finish = (): void => {
        clearInterval(timer);
        ch.onbufferedamountlow = null;
        resolve();
      };
      ch.onbufferedamountlow = finish;
    });
  }
  await done;
  const secs = (monoMs() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const mb = total / 1e6;

  const echo = stack.toBinary(new Uint8Array(32).fill(3));
  const rtts: number[] = [];
  const count = measure ? ECHOES : 100;
  for (let i = 0; i < 50 + count; i++) {
    const t = monoMs();
    await new Promise<void>((resolve) => {
      onEcho = resolve;
      ch.send(echo);
    });
    if (i >= 50) rtts.push((monoMs() - t) * 1000);
  }
  rtts.sort((a, b) => a - b);
  pc.close();
  await page.page.evaluate(() => (window as unknown as { bench: { close(): void } }).bench.close());
  return {
    connectMs,
    mbPerS: mb / secs,
    cpuSPerMb: (cpu.user + cpu.system) / 1e6 / mb,
    echoMedianUs: rtts[Math.floor(rtts.length / 2)] ?? Number.NaN,
    echoP99Us: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] ?? Number.NaN,
  };
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Runs the Chrome pairs; returns table rows (same columns as bench/peer.ts). */
export async function chromeRows(stacks: readonly StackName[] = STACKS): Promise<string[]> {
  if (!chromeAvailable) return stacks.map((s) => `| ${s}<->Chrome | no Chromium at /usr/lib/chromium/chromium | | | |`);
  const chrome = await launchChrome();
  const rows: string[] = [];
  try {
    for (const name of stacks) {
      const stack = makeStack(name);
      const page = await chrome.newPage();
      const notices = new Notices();
      const fromChrome = { candidate: (_c: LooseCandidate) => undefined as void };
      await page.page.exposeFunction('benchOpen', () => notices.notify('open'));
      await page.page.exposeFunction('benchReceived', () => notices.notify('received'));
      await page.page.exposeFunction('benchCandidate', (json: string) => fromChrome.candidate(JSON.parse(json) as LooseCandidate));
      await page.page.evaluate(PAGE_SCRIPT);
      try {
        await oneRun(stack, page, notices, false, fromChrome);
        const runs: Run[] = [];
        for (let r = 0; r < RUNS; r++) runs.push(await oneRun(stack, page, notices, true, fromChrome));
        rows.push(
          `| ${name}<->Chrome ${chrome.version} | ${median(runs.map((x) => x.connectMs)).toFixed(1)} ms | ${median(runs.map((x) => x.mbPerS)).toFixed(1)} MB/s | ` +
            `${median(runs.map((x) => x.cpuSPerMb)).toFixed(3)} (Node sender) | ${median(runs.map((x) => x.echoMedianUs)).toFixed(0)} / ${median(runs.map((x) => x.echoP99Us)).toFixed(0)} us |`,
        );
      } catch (e) {
        rows.push(`| ${name}<->Chrome | failed: ${e instanceof Error ? e.message : String(e)} | | | |`);
      } finally {
        await page.close();
      }
    }
  } finally {
    await chrome.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await chromeRows();
  console.log(`\nNode <-> Chrome on loopback, ${MB} MiB of 64 KiB messages Node -> Chrome, ${ECHOES} echoes of 32 B, median of ${RUNS}:\n`);
  console.log('| pair | connect | throughput | CPU s/MB | 32 B echo median / p99 |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  process.exit(0);
}
