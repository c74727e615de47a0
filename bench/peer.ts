/**
 * The whole RTCPeerConnection, stack against itself, on loopback (issue 6's bench):
 * - connect: createOffer until the data channel is open on both sides;
 * - throughput: 64 KiB messages with bufferedAmount backpressure, MB/s, and CPU seconds
 *   per MB on each side (sender, receiver);
 * - echo: 32-byte message and its echo, round trip median and p99;
 * each side in its own process (bench/peer-side.ts, signalling relayed by this one),
 * median of the runs; then N pairs at once in one process (both sides there): time until
 * every channel is open, failures, and resident memory added per pair.
 * Stacks: purertc, werift 0.25.2, @roamhq/wrtc (libwebrtc), node-datachannel
 * (libdatachannel), in the same run; then purertc<->Chrome and werift<->Chrome
 * (bench/peer-chrome.ts: the Node side here, Chromium headless answering).
 *
 * RSS per pair: the resident memory N pairs add over the process after one warm-up pair,
 * divided by N. At 50 pairs that figure is mostly V8 growing its young generation
 * (semi-spaces, up to 16 MiB each: with --max-semi-space-size=1 purertc's 50-pair figure
 * falls about 4x), a one-time cost of any busy Node process; so the table also gives the
 * marginal figure (RSS(500) - RSS(50)) / 450 when both counts are run, and the JS heap
 * per pair after a full GC.
 *
 * Run: npx tsx bench/peer.ts [--stacks purertc,werift,wrtc,node-datachannel] [--mb 16]
 *        [--runs 3] [--pairs 50,500] [--echo 1000] [--cert per-peer|shared] [--chrome on|off]
 * Figures vary up to 2x between runs on a shared 2-core machine: compare within one run.
 * PURERTC_SRC=/path/to/src measures purertc from another copy of the source tree (a change
 * to a file someone else owns, before it lands); PEER_BENCH_TRACE=1 prints each side's
 * state changes with their times.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromeRows } from './peer-chrome.js';
import type { SideCommand, SideEvent } from './peer-side.js';
import { STACK_NAMES } from './peer-stacks.js';
import type { PureOptions, StackName } from './peer-stacks.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const STACKS = arg('stacks', STACK_NAMES.join(',')).split(',').filter((s): s is StackName => (STACK_NAMES as readonly string[]).includes(s));
const MB = Number(arg('mb', '16'));
const RUNS = Number(arg('runs', '3'));
const PAIRS = arg('pairs', '50,500').split(',').filter((s) => s !== '').map(Number);
const ECHOES = Number(arg('echo', '1000'));
const CHROME = arg('chrome', 'on') !== 'off';
const PURE: PureOptions = { certificate: arg('cert', 'per-peer') === 'shared' ? 'shared' : 'per-peer' };
const MESSAGE_BYTES = 65536;
const TOTAL_BYTES = MB * 1024 * 1024;
/** How long one step (connect, transfer, echoes) may take before the run counts as failed. */
const STEP_TIMEOUT_MS = 60_000;
/** The node:dgram baseline: sockets, and datagrams each receives (RSS per socket levels off by 100). */
const SOCKET_BASELINE_COUNT = 200;
const SOCKET_BASELINE_DATAGRAMS = 100;
/** libwebrtc's file descriptors grow with the square of concurrent connections (PEERS.md). */
const MANY_TIMEOUT_MS = 60_000;

const SIDE = fileURLToPath(new URL('./peer-side.ts', import.meta.url));

/** A child process with a queue of its events. */
class Side {
  readonly child: ChildProcess;
  readonly #events: SideEvent[] = [];
  #wake: (() => void) | undefined;
  #exited = false;
  relay: Side | undefined;
  constructor() {
    this.child = fork(SIDE, [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: SideEvent) => {
      if (m.ev === 'signal') {
        this.relay?.send(m.kind === 'candidate' ? { cmd: 'signal', kind: 'candidate', candidate: m.candidate } : { cmd: 'signal', kind: m.kind, sdp: m.sdp });
        return;
      }
      this.#events.push(m);
      this.#wake?.();
    });
    this.child.on('exit', () => {
      this.#exited = true;
      this.#wake?.();
    });
  }
  send(c: SideCommand): void {
    if (!this.#exited) this.child.send(c);
  }
  async wait<K extends SideEvent['ev']>(ev: K, timeoutMs = STEP_TIMEOUT_MS): Promise<Extract<SideEvent, { ev: K }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#events.findIndex((e) => e.ev === ev || e.ev === 'error');
      if (i >= 0) {
        const e = this.#events.splice(i, 1)[0] as SideEvent;
        if (e.ev === 'error') throw new Error(e.message);
        return e as Extract<SideEvent, { ev: K }>;
      }
      if (this.#exited) throw new Error(`side exited waiting for ${ev}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${ev}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
  exit(): void {
    this.send({ cmd: 'exit' });
    setTimeout(() => this.child.kill('SIGKILL'), 3000).unref();
  }
}

interface Run {
  connectMs: number;
  mbPerS: number;
  sendCpuSPerMb: number;
  recvCpuSPerMb: number;
  echoMedianUs: number;
  echoP99Us: number;
}

async function oneRun(a: Side, b: Side, measure: boolean): Promise<Run> {
  a.send({ cmd: 'connect' });
  const t0 = (await a.wait('t0')).at;
  const [oa, ob] = await Promise.all([a.wait('open'), b.wait('open')]);
  const connectMs = Math.max(oa.at, ob.at) - t0;
  const bytes = measure ? TOTAL_BYTES : Math.min(TOTAL_BYTES, 2 << 20);
  b.send({ cmd: 'recv', bytes });
  await b.wait('recv-ready');
  a.send({ cmd: 'send', bytes, messageBytes: MESSAGE_BYTES });
  const start = (await a.wait('send-start')).at;
  const got = await b.wait('received');
  a.send({ cmd: 'cpu' });
  const sendCpu = (await a.wait('cpu')).cpuS;
  const mb = bytes / 1e6;
  a.send({ cmd: 'echo', count: measure ? ECHOES : 100, warmup: 50, size: 32 });
  const rtts = (await a.wait('echo')).rttsUs;
  a.send({ cmd: 'close' });
  b.send({ cmd: 'close' });
  await Promise.all([a.wait('closed'), b.wait('closed')]);
  return {
    connectMs,
    mbPerS: mb / ((got.at - start) / 1000),
    sendCpuSPerMb: sendCpu / mb,
    recvCpuSPerMb: got.cpuS / mb,
    echoMedianUs: rtts[Math.floor(rtts.length / 2)] ?? Number.NaN,
    echoP99Us: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] ?? Number.NaN,
  };
}

async function pairRuns(stack: StackName): Promise<Run[] | string> {
  const a = new Side();
  const b = new Side();
  a.relay = b;
  b.relay = a;
  try {
    a.send({ cmd: 'init', stack, role: 'offerer', pure: PURE });
    b.send({ cmd: 'init', stack, role: 'answerer', pure: PURE });
    await Promise.all([a.wait('ready'), b.wait('ready')]);
    await oneRun(a, b, false);
    const runs: Run[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await oneRun(a, b, true));
    return runs;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] ?? 'error' : String(e);
  } finally {
    a.exit();
    b.exit();
  }
}

interface Many {
  pairs: number;
  opened: number;
  ms: number;
  rssPerPairKiB: number;
  heapPerPairKiB: number;
  rssDeltaBytes: number;
}

async function manyRun(stack: StackName, pairs: number): Promise<Many | string> {
  const s = new Side();
  try {
    s.send({ cmd: 'many', stack, pairs, timeoutMs: MANY_TIMEOUT_MS, pure: PURE });
    const m = await s.wait('many', MANY_TIMEOUT_MS + 30_000);
    return {
      pairs,
      opened: m.opened,
      ms: m.ms,
      rssPerPairKiB: (m.rssAfter - m.rssBefore) / 1024 / pairs,
      heapPerPairKiB: (m.heapAfter - m.heapBefore) / 1024 / pairs,
      rssDeltaBytes: m.rssAfter - m.rssBefore,
    };
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] ?? 'error' : String(e);
  } finally {
    s.exit();
  }
}

/** RSS that node:dgram alone keeps per socket that has received datagrams (see peer-side.ts). */
async function socketRss(): Promise<number | string> {
  const s = new Side();
  try {
    s.send({ cmd: 'sockets', sockets: SOCKET_BASELINE_COUNT, datagrams: SOCKET_BASELINE_DATAGRAMS });
    return (await s.wait('sockets')).rssPerSocket;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] ?? 'error' : String(e);
  } finally {
    s.exit();
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;

const results = new Map<StackName, { runs: Run[] | string; many: (Many | string)[] }>();
for (const stack of STACKS) {
  const runs = await pairRuns(stack);
  const many: (Many | string)[] = [];
  for (const n of PAIRS) many.push(await manyRun(stack, n));
  results.set(stack, { runs, many });
  process.stdout.write(`${stack} done\n`);
}

const cpuNote = PURE.certificate === 'shared' ? ', purertc peers share one generated certificate' : '';
console.log(
  `\nRTCPeerConnection <-> itself on loopback, each side its own process, ${MB} MiB of 64 KiB messages, ` +
    `${ECHOES} echoes of 32 B, median of ${RUNS}${cpuNote}:\n`,
);
const slope = PAIRS.length === 2 && (PAIRS[1] as number) > (PAIRS[0] as number);
const header = [
  'pair', 'connect', 'throughput', 'CPU s/MB send / recv', '32 B echo median / p99',
  ...PAIRS.map((n) => `${n} pairs: all open, RSS/pair (heap)`),
  ...(slope ? [`RSS/pair marginal ${PAIRS[0]}->${PAIRS[1]}`] : []),
];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const [stack, r] of results) {
  const cells: string[] = [`${stack}<->${stack}`];
  if (typeof r.runs === 'string') cells.push(`failed: ${r.runs}`, '', '', '');
  else {
    const rs = r.runs;
    cells.push(
      `${median(rs.map((x) => x.connectMs)).toFixed(1)} ms`,
      `${median(rs.map((x) => x.mbPerS)).toFixed(1)} MB/s`,
      `${median(rs.map((x) => x.sendCpuSPerMb)).toFixed(3)} / ${median(rs.map((x) => x.recvCpuSPerMb)).toFixed(3)}`,
      `${median(rs.map((x) => x.echoMedianUs)).toFixed(0)} / ${median(rs.map((x) => x.echoP99Us)).toFixed(0)} us`,
    );
  }
  for (const m of r.many) {
    if (typeof m === 'string') cells.push(`failed: ${m}`);
    else {
      const fails = m.pairs - m.opened;
      cells.push(`${fails === 0 ? `${m.ms.toFixed(0)} ms` : `${fails} of ${m.pairs} failed`}, ${m.rssPerPairKiB.toFixed(0)} KiB (${m.heapPerPairKiB.toFixed(0)})`);
    }
  }
  if (slope) {
    const [lo, hi] = r.many;
    const ok = typeof lo === 'object' && typeof hi === 'object' && lo.opened === lo.pairs && hi.opened === hi.pairs;
    cells.push(ok ? `${((hi.rssDeltaBytes - lo.rssDeltaBytes) / 1024 / (hi.pairs - lo.pairs)).toFixed(0)} KiB` : 'n/a');
  }
  console.log(`| ${cells.join(' | ')} |`);
}
if (PAIRS.length > 0) {
  const perSocket = await socketRss();
  console.log(
    typeof perSocket === 'number'
      ? `\nPlatform share: a plain node:dgram socket on loopback that has received ${SOCKET_BASELINE_DATAGRAMS} datagrams keeps ${(perSocket / 1024).toFixed(0)} KiB resident ` +
          `(${SOCKET_BASELINE_COUNT} sockets, after GC); purertc and werift bind one socket per peer, two per pair.`
      : `\nPlatform share: socket baseline failed: ${perSocket}`,
  );
}
const chromeStacks = STACKS.filter((s): s is 'purertc' | 'werift' => s === 'purertc' || s === 'werift');
if (CHROME && chromeStacks.length > 0) {
  console.log(`\nNode <-> Chrome (headless Chromium answering, the Node side offering), ${MB} MiB Node -> Chrome, median of ${RUNS}:\n`);
  console.log('| pair | connect | throughput | CPU s/MB | 32 B echo median / p99 |');
  console.log('|---|---|---|---|---|');
  for (const row of await chromeRows(chromeStacks)) console.log(row);
}
process.exit(0);
