/**
 * @module test/interop/harness/matrix
 * The data-channel interop matrix: checks over two `MatrixPeer`s (node-peers.ts), a
 * runner recording pass/fail/error per (offerer, answerer, check), and a printer writing
 * the matrix as Markdown to test-artifacts/interop-matrix.md.
 *
 * What the checks assert, and where it comes from:
 * - connect: JSEP offer/answer (RFC 8829 section 4.1.8), ICE (RFC 8445), DTLS (RFC 8827),
 *   SCTP (RFC 8831); an in-band channel (DCEP, RFC 8832) opens on both sides.
 * - messages of 0 B, 1 B, 1 KiB, 64 KiB and the largest both sides accept (the smaller of
 *   the two `a=max-message-size` values each side received, RFC 8841 section 6), as text
 *   (PPID 51 / 56 for empty, RFC 8831 section 6.6) and binary (PPID 53 / 57), each way;
 *   the receiver checks kind, size and digest.
 * - unordered and `maxRetransmits: 0` channels (RFC 8832 section 5.1 channel types):
 *   the remote side sees the same reliability parameters and every message arrives
 *   (loopback loses nothing).
 * - pre-negotiated channel (`negotiated: true, id`, RFC 8831 section 6.5): opens on both
 *   sides without `ondatachannel`, messages flow both ways.
 * - 10 channels at once (opened together after connecting), a message each way on each.
 * - close from either side (RFC 8831 section 6.7, stream reset): both sides fire `close`.
 * - getStats (W3C webrtc-stats) on each side: a selected candidate pair and bytes counted.
 *
 * One connection per pair serves every check in order; after a failed check the runner
 * opens a fresh connection, so one failure cannot cascade into the next checks.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { negotiate } from './chrome.js';
import type { ChromeSession } from './chrome.js';
import { createChromePeer, createNodePeer, expectedMessage, MATRIX_WAIT_MS, WaitFailure } from './node-peers.js';
import type { ChromeMatrixPeer, KnownNodeStack, MatrixPeer, NodeStackSpec, Payload, ReceivedMessage } from './node-peers.js';

/** Where the printed matrix goes (gitignored test-artifacts). */
export const MATRIX_PATH = fileURLToPath(new URL('../../../test-artifacts/interop-matrix.md', import.meta.url));
/** The channel every connection opens (in-band, by the offerer) and the message checks use. */
export const CONTROL_LABEL = 'ctl';
/** How many channels "10 channels at once" opens. */
export const MANY_CHANNELS = 10;
/** Messages sent each way on the unordered and maxRetransmits-0 channels. */
export const BURST_MESSAGES = 20;
/** Stream id of the pre-negotiated channel (RFC 8832 section 6: any id both sides agree on). */
export const NEGOTIATED_ID = 42;

/** Two connected peers and the per-connection state the checks share. */
export interface CheckContext {
  readonly offerer: MatrixPeer;
  readonly answerer: MatrixPeer;
  /** Wait bound for each step. */
  readonly timeoutMs: number;
  /** A fresh label (channel labels are unique per connection). */
  label(prefix: string): string;
}

/** One matrix check. `run` throws `CheckFailure` when the behaviour is wrong. */
export interface MatrixCheck {
  /** Short column name, e.g. 'bin-64K'. */
  readonly name: string;
  readonly description: string;
  /** Resolves on pass, optionally to a note for the record (e.g. the size it used). */
  run(ctx: CheckContext): Promise<string | void>;
}

/** A check's verdict: behaviour seen and wrong (or never seen in time) vs. an exception from a stack. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new CheckFailure(message);
}

/** Runs `p`, turning a failed wait of the peers (WaitFailure) into a CheckFailure. */
async function step<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof WaitFailure) throw new CheckFailure(err.message);
    throw err;
  }
}

function sameMessage(got: ReceivedMessage | undefined, want: ReceivedMessage): boolean {
  return got !== undefined && got.binary === want.binary && got.size === want.size && got.digest === want.digest;
}

function describeMessage(m: ReceivedMessage | undefined): string {
  return m === undefined ? 'nothing' : `${m.binary ? 'binary' : 'text'} ${m.size} B #${m.digest.toString(16)}`;
}

/** Sends `payload` on `label` from `from` and checks `to` receives exactly it as its next message. */
async function transfer(ctx: CheckContext, from: MatrixPeer, to: MatrixPeer, label: string, payload: Payload): Promise<void> {
  const before = (await to.channelInfo(label))?.received ?? 0;
  await from.send(label, payload);
  const got = await step(to.waitMessages(label, before + 1, ctx.timeoutMs));
  const want = expectedMessage(payload);
  assert(
    sameMessage(got[before], want),
    `${from.stack}->${to.stack} on ${label}: sent ${describeMessage(want)}, received ${describeMessage(got[before])}`,
  );
}

/** The largest message both sides accept: the smaller of what each was told by the other. */
export async function agreedMaxMessageSize(offerer: MatrixPeer, answerer: MatrixPeer): Promise<number> {
  const [a, b] = await Promise.all([offerer.maxMessageSizes(), answerer.maxMessageSizes()]);
  // 0 means "no limit" (RFC 8841 section 6); ignore it in the minimum.
  const limits = [a.remote, b.remote].filter((n) => n > 0);
  return limits.length === 0 ? 256 * 1024 : Math.min(...limits);
}

function messageCheck(name: string, binary: boolean, size: number | 'max'): MatrixCheck {
  return {
    name,
    description: `${binary ? 'binary' : 'string'} message of ${size === 'max' ? 'max-message-size' : `${size} B`}, each way`,
    async run(ctx) {
      const n = size === 'max' ? await agreedMaxMessageSize(ctx.offerer, ctx.answerer) : size;
      await transfer(ctx, ctx.offerer, ctx.answerer, CONTROL_LABEL, { binary, size: n, seed: 1 });
      await transfer(ctx, ctx.answerer, ctx.offerer, CONTROL_LABEL, { binary, size: n, seed: 2 });
      return size === 'max' ? `${n} B` : undefined;
    },
  };
}

/** Opens a channel from the offerer, waits for both ends, checks the answerer's view of its parameters. */
async function openPair(ctx: CheckContext, label: string, init: Parameters<MatrixPeer['createChannel']>[1]): Promise<void> {
  await ctx.offerer.createChannel(label, init);
  await step(ctx.offerer.waitChannelOpen(label, ctx.timeoutMs));
  await step(ctx.answerer.waitChannelOpen(label, ctx.timeoutMs));
}

/** Sends BURST_MESSAGES each way and checks they all arrive (any order). */
async function burst(ctx: CheckContext, label: string): Promise<void> {
  for (const [from, to, seed] of [
    [ctx.offerer, ctx.answerer, 100],
    [ctx.answerer, ctx.offerer, 200],
  ] as const) {
    const payloads: Payload[] = Array.from({ length: BURST_MESSAGES }, (_, i) => ({ binary: i % 2 === 0, size: 100 + i, seed: seed + i }));
    for (const p of payloads) await from.send(label, p);
    const got = await step(to.waitMessages(label, BURST_MESSAGES, ctx.timeoutMs));
    const key = (m: ReceivedMessage) => `${m.binary}/${m.size}/${m.digest}`;
    const want = payloads.map((p) => key(expectedMessage(p))).sort();
    assert(JSON.stringify(got.map(key).sort()) === JSON.stringify(want), `${from.stack}->${to.stack}: burst on ${label} arrived altered`);
  }
}

/** The checks, in the order the runner runs them ('connect' is the runner's own first column). */
export const MATRIX_CHECKS: readonly MatrixCheck[] = [
  messageCheck('str-0', false, 0),
  messageCheck('str-1', false, 1),
  messageCheck('str-1K', false, 1024),
  messageCheck('str-64K', false, 65_536),
  messageCheck('str-max', false, 'max'),
  messageCheck('bin-0', true, 0),
  messageCheck('bin-1', true, 1),
  messageCheck('bin-1K', true, 1024),
  messageCheck('bin-64K', true, 65_536),
  messageCheck('bin-max', true, 'max'),
  {
    name: 'unordered',
    description: `channel {ordered: false}: ${BURST_MESSAGES} messages each way arrive; the answerer's channel says ordered false`,
    async run(ctx) {
      const label = ctx.label('unordered');
      await openPair(ctx, label, { ordered: false });
      // Messages first, so a wrong parameter report does not hide whether delivery works.
      await burst(ctx, label);
      const info = await ctx.answerer.channelInfo(label);
      assert(info?.ordered === false, `${ctx.answerer.stack} sees ordered=${String(info?.ordered)}`);
    },
  },
  {
    name: 'rexmit-0',
    description: `channel {maxRetransmits: 0}: ${BURST_MESSAGES} messages each way arrive; the answerer's channel says maxRetransmits 0`,
    async run(ctx) {
      const label = ctx.label('rexmit0');
      await openPair(ctx, label, { maxRetransmits: 0 });
      // Messages first, so a wrong parameter report does not hide whether delivery works.
      await burst(ctx, label);
      const info = await ctx.answerer.channelInfo(label);
      assert(info?.maxRetransmits === 0, `${ctx.answerer.stack} sees maxRetransmits=${String(info?.maxRetransmits)}`);
    },
  },
  {
    name: 'negotiated',
    description: `both sides create {negotiated: true, id: ${NEGOTIATED_ID}}; it opens without ondatachannel; a message each way`,
    async run(ctx) {
      const label = ctx.label('neg');
      await ctx.offerer.createChannel(label, { negotiated: true, id: NEGOTIATED_ID });
      await ctx.answerer.createChannel(label, { negotiated: true, id: NEGOTIATED_ID });
      await step(ctx.offerer.waitChannelOpen(label, ctx.timeoutMs));
      await step(ctx.answerer.waitChannelOpen(label, ctx.timeoutMs));
      await transfer(ctx, ctx.offerer, ctx.answerer, label, { binary: false, size: 10, seed: 3 });
      await transfer(ctx, ctx.answerer, ctx.offerer, label, { binary: true, size: 10, seed: 4 });
      for (const p of [ctx.offerer, ctx.answerer]) {
        const info = await p.channelInfo(label);
        assert(info?.remote === false && info.id === NEGOTIATED_ID, `${p.stack}: negotiated channel is ${JSON.stringify(info)}`);
      }
    },
  },
  {
    name: '10-channels',
    description: `the offerer opens ${MANY_CHANNELS} channels at once; a message each way on each`,
    async run(ctx) {
      const labels = Array.from({ length: MANY_CHANNELS }, () => ctx.label('many'));
      for (const l of labels) await ctx.offerer.createChannel(l);
      for (const l of labels) {
        await step(ctx.offerer.waitChannelOpen(l, ctx.timeoutMs));
        await step(ctx.answerer.waitChannelOpen(l, ctx.timeoutMs));
      }
      for (const [i, l] of labels.entries()) await ctx.offerer.send(l, { binary: false, size: 20, seed: i });
      for (const [i, l] of labels.entries()) await ctx.answerer.send(l, { binary: true, size: 20, seed: i });
      for (const [i, l] of labels.entries()) {
        const a = await step(ctx.answerer.waitMessages(l, 1, ctx.timeoutMs));
        const b = await step(ctx.offerer.waitMessages(l, 1, ctx.timeoutMs));
        assert(sameMessage(a[0], expectedMessage({ binary: false, size: 20, seed: i })), `${l}: answerer got ${describeMessage(a[0])}`);
        assert(sameMessage(b[0], expectedMessage({ binary: true, size: 20, seed: i })), `${l}: offerer got ${describeMessage(b[0])}`);
      }
    },
  },
  closeCheck('close-off', 'offerer'),
  closeCheck('close-ans', 'answerer'),
  statsCheck('stats-off', 'offerer'),
  statsCheck('stats-ans', 'answerer'),
];

function closeCheck(name: string, side: 'offerer' | 'answerer'): MatrixCheck {
  return {
    name,
    description: `a channel the offerer opened is closed by the ${side}; both sides fire close`,
    async run(ctx) {
      const label = ctx.label(`close-${side}`);
      await openPair(ctx, label, {});
      await ctx[side].closeChannel(label);
      await step(ctx.offerer.waitChannelClosed(label, ctx.timeoutMs));
      await step(ctx.answerer.waitChannelClosed(label, ctx.timeoutMs));
    },
  };
}

function statsCheck(name: string, side: 'offerer' | 'answerer'): MatrixCheck {
  return {
    name,
    description: `the ${side}'s getStats shows the selected pair (loopback) and bytes sent and received`,
    async run(ctx) {
      const peer = ctx[side];
      // Traffic first, so the counters have something to count on any connection.
      await transfer(ctx, ctx.offerer, ctx.answerer, CONTROL_LABEL, { binary: true, size: 1000, seed: 5 });
      await transfer(ctx, ctx.answerer, ctx.offerer, CONTROL_LABEL, { binary: true, size: 1000, seed: 6 });
      const s = await peer.stats();
      const loop = (a: string | undefined) => a === '127.0.0.1' || a === '::1';
      assert(s.selectedPair !== undefined, `${peer.stack}: no selected candidate pair in getStats (types: ${s.types.join(', ')})`);
      assert(
        loop(s.selectedPair.local.address) && loop(s.selectedPair.remote.address) && s.selectedPair.local.port > 0 && s.selectedPair.remote.port > 0,
        `${peer.stack}: selected pair ${JSON.stringify(s.selectedPair)}`,
      );
      assert(s.bytesSent > 0 && s.bytesReceived > 0, `${peer.stack}: bytes sent ${s.bytesSent}, received ${s.bytesReceived}`);
      const { local, remote } = s.selectedPair;
      return `${local.candidateType} ${local.address}:${local.port} ↔ ${remote.candidateType} ${remote.address}:${remote.port}, ${s.bytesSent} B sent, ${s.bytesReceived} B received`;
    },
  };
}

/** One side of a pair: a name and a way to create a fresh peer. */
export interface PeerFactory {
  readonly name: string;
  create(id: string): Promise<MatrixPeer>;
  /** Releases whatever create() set up beyond the peer itself (e.g. a Chrome page). */
  release?(peer: MatrixPeer): Promise<void>;
}

/** The installed version of an npm package, from its package.json (for the matrix's preface). */
export function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve(name)).split(`${sep}node_modules${sep}`);
    const root = `${dir.slice(0, -1).join(`${sep}node_modules${sep}`)}${sep}node_modules${sep}${name}`;
    return (JSON.parse(readFileSync(`${root}${sep}package.json`, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/** A factory for a stack in this process: a known one by name, or any W3C-shaped constructor (purertc). */
export function nodePeerFactory(stack: KnownNodeStack | NodeStackSpec): PeerFactory {
  return { name: typeof stack === 'string' ? stack : stack.name, create: async (id) => createNodePeer(stack, id) };
}

/**
 * A factory for Chrome peers, each in its own page (browser context) of `session()`,
 * the page closed by `release`. Pass the session lazily (`() => chrome.session`) since
 * `useChrome` launches it in beforeAll. It uses the session's own `newPage`, not the
 * fixture's: the fixture closes every page it opened after each test, which would cut
 * pairs still running concurrently.
 */
export function chromePeerFactory(session: () => ChromeSession): PeerFactory {
  return {
    name: 'chrome',
    async create(id) {
      return createChromePeer(await session().newPage(), id);
    },
    async release(peer: MatrixPeer) {
      await (peer as ChromeMatrixPeer).peer.page.close();
    },
  };
}

export type CheckStatus = 'pass' | 'fail' | 'error';

/** A recorded non-pass outcome: stacks (undefined = any) and checks it covers, and why. */
export interface KnownResult {
  readonly offerer?: string | readonly string[];
  readonly answerer?: string | readonly string[];
  readonly checks: readonly string[];
  readonly status: CheckStatus;
  readonly why: string;
}

function stackMatches(rule: string | readonly string[] | undefined, s: string): boolean {
  return rule === undefined || rule === s || (Array.isArray(rule) && rule.includes(s));
}

/** The expected status of a cell: the first matching known result's, else 'pass'. */
export function expectedStatus(known: readonly KnownResult[], offerer: string, answerer: string, check: string): CheckStatus {
  const rule = known.find((r) => stackMatches(r.offerer, offerer) && stackMatches(r.answerer, answerer) && r.checks.includes(check));
  return rule?.status ?? 'pass';
}

/**
 * Runs at most `n` of the functions given at once (pairs spend most of their time idle,
 * waiting on connects and on known failures' timeouts).
 */
export function concurrencyLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** One cell of the matrix. */
export interface CheckResult {
  readonly offerer: string;
  readonly answerer: string;
  readonly check: string;
  readonly status: CheckStatus;
  /** Why it failed; on pass, the check's note (often empty). */
  readonly detail: string;
  /** On fail or error, the last log lines of both peers (LOG_TAIL_LINES each); else empty. */
  readonly log: readonly string[];
  readonly ms: number;
}

/** Log lines of each peer kept with a failed result. */
export const LOG_TAIL_LINES = 30;

export interface RunPairOptions {
  readonly checks?: readonly MatrixCheck[];
  /** Bound on each wait inside a check (default MATRIX_WAIT_MS). */
  readonly timeoutMs?: number;
  /** Bound on each wait while connecting (default MATRIX_WAIT_MS): gathering, channel open, connected. */
  readonly connectTimeoutMs?: number;
}

/** How long closing a peer (or releasing its page) may take before the runner moves on. */
export const CLOSE_TIMEOUT_MS = 5_000;

/** `p`, or a rejection after CLOSE_TIMEOUT_MS (a stack whose close() never settles must not hang the run). */
function bounded(p: Promise<unknown> | undefined): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`close did not settle in ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The name of the connect column. */
export const CONNECT_CHECK = 'connect';

function verdict(err: unknown): { status: CheckStatus; detail: string } {
  if (err instanceof CheckFailure) return { status: 'fail', detail: err.message };
  return { status: 'error', detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** Runs every check for one (offerer, answerer) pair and returns one result per check, connect first. */
export async function runPair(offererF: PeerFactory, answererF: PeerFactory, options: RunPairOptions = {}): Promise<CheckResult[]> {
  const checks = options.checks ?? MATRIX_CHECKS;
  const timeoutMs = options.timeoutMs ?? MATRIX_WAIT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? MATRIX_WAIT_MS;
  const results: CheckResult[] = [];
  const tail = async (p: MatrixPeer): Promise<string[]> => {
    const lines = await p.readLog().catch((err: unknown) => [`log unavailable: ${String(err)}`]);
    return lines.slice(-LOG_TAIL_LINES).map((l) => `${p.stack} ${l}`);
  };
  const record = async (check: string, started: number, v: { status: CheckStatus; detail: string }, withLog = true): Promise<void> => {
    const ms = Math.round(performance.now() - started);
    const log = v.status === 'pass' || conn === undefined || !withLog ? [] : [...(await tail(conn.offerer)), ...(await tail(conn.answerer))];
    results.push({ offerer: offererF.name, answerer: answererF.name, check, ...v, log, ms });
  };
  let conn: CheckContext | undefined;
  let counter = 0;
  let attempt = 0;
  const teardown = async (): Promise<void> => {
    if (conn === undefined) return;
    const { offerer, answerer } = conn;
    conn = undefined;
    await Promise.allSettled([bounded(offerer.close()), bounded(answerer.close())]);
    await Promise.allSettled([bounded(offererF.release?.(offerer)), bounded(answererF.release?.(answerer))]);
  };
  const connect = async (): Promise<void> => {
    attempt++;
    const offerer = await offererF.create(`off${attempt}`);
    let answerer: MatrixPeer;
    try {
      answerer = await answererF.create(`ans${attempt}`);
    } catch (err) {
      await offerer.close().catch(() => undefined);
      await offererF.release?.(offerer);
      throw err;
    }
    conn = { offerer, answerer, timeoutMs, label: (p) => `${p}-${++counter}` };
    await offerer.createChannel(CONTROL_LABEL);
    await negotiate(offerer, answerer);
    await step(offerer.waitChannelOpen(CONTROL_LABEL, connectTimeoutMs));
    await step(answerer.waitChannelOpen(CONTROL_LABEL, connectTimeoutMs));
    await step(offerer.waitConnected(connectTimeoutMs));
    await step(answerer.waitConnected(connectTimeoutMs));
  };
  try {
    let t = performance.now();
    let connectError: { status: CheckStatus; detail: string } | undefined;
    try {
      await connect();
      await record(CONNECT_CHECK, t, { status: 'pass', detail: '' });
    } catch (err) {
      connectError = verdict(err);
      await record(CONNECT_CHECK, t, connectError);
    }
    for (const check of checks) {
      t = performance.now();
      if (connectError !== undefined) {
        // The connect result carries the logs; these cells only point at it.
        await record(check.name, t, { status: 'error', detail: `not connected: ${connectError.detail}` }, false);
        continue;
      }
      try {
        if (conn === undefined) await connect();
        const ctx = conn as CheckContext | undefined;
        if (ctx === undefined) throw new Error('no connection');
        const note = await check.run(ctx);
        await record(check.name, t, { status: 'pass', detail: note ?? '' });
      } catch (err) {
        await record(check.name, t, verdict(err));
        await teardown();
      }
    }
  } finally {
    await teardown();
  }
  return results;
}

const MARK: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', error: 'ERR' };

/** The matrix as Markdown: one row per pair, one column per check, then every failure's detail. */
export function formatMatrix(
  results: readonly CheckResult[],
  title = 'Data-channel interop matrix',
  preface: readonly string[] = [],
): string {
  const checks: string[] = [];
  const pairs: string[] = [];
  const cell = new Map<string, CheckResult>();
  for (const r of results) {
    if (!checks.includes(r.check)) checks.push(r.check);
    const pair = `${r.offerer} → ${r.answerer}`;
    if (!pairs.includes(pair)) pairs.push(pair);
    cell.set(`${pair}|${r.check}`, r);
  }
  const lines = [
    `# ${title}`,
    '',
    ...preface.flatMap((l) => [l, '']),
    'Rows: offerer → answerer. Cells: pass, FAIL (behaviour wrong or never seen in time), ERR (a stack threw).',
    '',
    `| pair | ${checks.join(' | ')} |`,
    `|---|${checks.map(() => '---').join('|')}|`,
  ];
  for (const pair of pairs) {
    lines.push(`| ${pair} | ${checks.map((c) => (cell.has(`${pair}|${c}`) ? MARK[cell.get(`${pair}|${c}`)?.status ?? 'error'] : '')).join(' | ')} |`);
  }
  const bad = results.filter((r) => r.status !== 'pass');
  if (bad.length > 0) {
    lines.push('', '## Failures', '');
    for (const r of bad) lines.push(`- ${r.offerer} → ${r.answerer}, ${r.check}: ${MARK[r.status]}: ${r.detail.split('\n')[0] ?? ''}`);
  }
  const notes = results.filter((r) => r.status === 'pass' && r.detail !== '');
  if (notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const r of notes) lines.push(`- ${r.offerer} → ${r.answerer}, ${r.check}: ${r.detail}`);
  }
  const all = [{ name: CONNECT_CHECK, description: 'offer/answer, ICE, DTLS, SCTP; the in-band control channel opens on both sides' }, ...MATRIX_CHECKS];
  lines.push('', '## Checks', '');
  for (const c of all) if (checks.includes(c.name)) lines.push(`- ${c.name}: ${c.description}`);
  return `${lines.join('\n')}\n`;
}

/** Writes the matrix to `path` (default MATRIX_PATH) and returns the text. */
export async function writeMatrix(
  results: readonly CheckResult[],
  path = MATRIX_PATH,
  title?: string,
  preface?: readonly string[],
): Promise<string> {
  const text = formatMatrix(results, title, preface);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return text;
}
