/**
 * Data-channel throughput on loopback with each peer in its own process (ICE + DTLS 1.2 +
 * SCTP, RFC 8831), 64 KiB messages: this process sends, a forked child receives; the
 * offer/answer and candidates go over the fork's IPC channel. purertc with SCTP packets
 * capped at 1200 bytes (no probing) and with the packet size that RFC 8899 probing finds
 * on loopback, werift and native libdatachannel (node-datachannel), in the same run.
 * Reports MB/s (wall clock, first send to the receiver's last byte), CPU seconds per MB
 * (both processes, then each), and how busy each event loop was over the transfer
 * (performance.eventLoopUtilization: near 100% marks the side that limits).
 * Run: npx tsx bench/datachannel-proc.ts [megabytes-per-run=32] [runs=3] [stacks=purertc-1200,purertc-pmtu,werift,node-datachannel]
 *   A purertc stack name may carry association options the peer does not set (yet), so
 *   runs with and without them interleave in one invocation: `+zc` zero checksum (RFC 9653,
 *   option `zeroChecksum`), `+tp` reused packet buffers (option `transientPackets`), e.g.
 *   purertc-pmtu+zc+tp.
 * Warm-up: BENCH_WARMUP_MB=64 sends that much first, untimed, so the figures are those of
 *   JIT-compiled code (by default the timed transfer includes the warm-up, as a short
 *   transfer in an application would).
 * Profile: PROF_DIR=/tmp/prof npx tsx bench/datachannel-proc.ts 64 1 purertc-pmtu
 *   (writes sender-<stack>-<run>.cpuprofile and receiver-... into PROF_DIR, covering the
 *   transfer only: the V8 profiler starts at the first send / first byte received and
 *   stops at the last byte; summarize with `npx tsx bench/datachannel-profile.ts FILES`)
 * Other switches: SCTP_STATS=1 prints each association's counters at exit; BENCH_ALL_RUNS=1
 *   prints every run's MB/s; BENCH_DEBUG=1 prints the receiver's loop and CPU times and
 *   context switches; BENCH_CHILD_FLAGS='--trace-gc' passes node flags to the receiver.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** purertc-1200 | purertc-pmtu (each with optional +zc, +tp) | werift | node-datachannel */
type Stack = string;
const MSG = 65536;

interface Signal {
  readonly kind: 'description' | 'candidate' | 'start' | 'progress' | 'done' | 'ready' | 'warm';
  readonly value?: unknown;
}

/** What the receiver reports at the end: its CPU seconds and event-loop utilization over the transfer. */
interface Done {
  readonly cpuS: number;
  readonly elu: number;
}

/** One run's figures: MB/s, CPU seconds per MB of both processes and of each, event-loop utilization of each. */
interface RunResult {
  readonly mbPerS: number;
  readonly cpuSPerMb: number;
  readonly senderCpuSPerMb: number;
  readonly receiverCpuSPerMb: number;
  readonly senderElu: number;
  readonly receiverElu: number;
}

interface Channel {
  send(data: Uint8Array): void;
  readonly bufferedAmount: number;
}

interface Side {
  /** Sender: creates the channel and the offer. */
  offer(): Promise<unknown>;
  answer(offer: unknown): Promise<unknown>;
  accept(answer: unknown): Promise<void>;
  addCandidate(c: unknown): Promise<void>;
  onCandidate(cb: (c: unknown) => void): void;
  /** Sender: the open channel. */
  channel(): Promise<Channel>;
  /** Receiver: bytes received. */
  onBytes(cb: (n: number) => void): void;
  close(): void;
}

/**
 * BENCH_DEBUG (Linux): CPU ticks (1/100 s) of this process's main thread and of all its
 * other threads (JIT compiler, GC helpers, libuv) from /proc/self/task.
 */
async function threadTicks(): Promise<{ main: number; others: number }> {
  const { readdirSync, readFileSync } = await import('node:fs');
  let main = 0;
  let others = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]);
      if (Number(tid) === process.pid) main += ticks;
      else others += ticks;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, others };
}

/** PROF_DIR: a V8 CPU profile of the transfer only (node:inspector), written as `<name>.cpuprofile`. */
async function startProfile(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = process.env['PROF_DIR'];
  if (!dir) return undefined;
  const { Session } = await import('node:inspector');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return async (name) => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  };
}

let originalStartProbe: (() => void) | undefined;

async function purertcSide(probe: boolean, zeroChecksum: boolean, transientPackets: boolean): Promise<Side> {
  const { SctpAssociation } = await import('../src/sctp/association.js');
  // Capped at 1200 bytes: turn the PMTU search off (the peer builds its association with defaults).
  const proto = SctpAssociation.prototype as unknown as Record<string, () => void>;
  originalStartProbe ??= proto['startProbe'];
  proto['startProbe'] = probe ? (originalStartProbe as () => void) : () => undefined;
  if (zeroChecksum || transientPackets) {
    // The peer builds its association without these options: set them before its first
    // INIT or INIT ACK goes out (connect for the client, handleInput for the server). The
    // peer encrypts each packet into a DTLS record as soon as it polls it (transientPackets).
    for (const name of ['connect', 'handleInput'] as const) {
      const original = SctpAssociation.prototype[name] as (...a: unknown[]) => void;
      (SctpAssociation.prototype as unknown as Record<string, unknown>)[name] = function (this: Record<string, unknown>, ...a: unknown[]) {
        if (zeroChecksum) this['offerZeroChecksum'] = true;
        if (transientPackets) this['transientPackets'] = true;
        return original.apply(this, a);
      };
    }
  }
  if (process.env['SCTP_STATS']) {
    // Prints each association's packet size and counters when the process ends.
    const seen = new Set<InstanceType<typeof SctpAssociation>>();
    const poll = SctpAssociation.prototype.pollTransmit;
    SctpAssociation.prototype.pollTransmit = function (this: InstanceType<typeof SctpAssociation>) {
      seen.add(this);
      return poll.call(this);
    };
    process.on('exit', () => {
      for (const a of seen) console.error(`[${process.argv[2] === '--child' ? 'receiver' : 'sender'}] mtu ${a.mtu} cwnd ${a.congestionWindow} zero-checksum ${a.usesZeroChecksum} ${JSON.stringify(a.stats)}`);
    });
  }
  const { RTCPeerConnection } = await import('../src/node/rtc-peer-connection.js');
  const pc = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  let candidateCb: (c: unknown) => void = () => undefined;
  pc.onicecandidate = (e) => e.candidate && candidateCb(e.candidate.toJSON());
  let ch: import('../src/node/rtc-data-channel.js').RTCDataChannel | undefined;
  let bytesCb: (n: number) => void = () => undefined;
  pc.ondatachannel = (e) => {
    e.channel.binaryType = 'arraybuffer';
    e.channel.onmessage = (m) => bytesCb((m.data as ArrayBuffer).byteLength);
  };
  return {
    async offer() {
      ch = pc.createDataChannel('bench');
      await pc.setLocalDescription(await pc.createOffer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async answer(offer) {
      await pc.setRemoteDescription(offer as never);
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async accept(answer) {
      await pc.setRemoteDescription(answer as never);
    },
    addCandidate: (c) => pc.addIceCandidate(c as never),
    onCandidate: (cb) => (candidateCb = cb),
    channel: () =>
      new Promise((r) => {
        const c = ch as NonNullable<typeof ch>;
        if (c.readyState === 'open') r(c);
        else c.onopen = () => r(c);
      }),
    onBytes: (cb) => (bytesCb = cb),
    close: () => pc.close(),
  };
}

async function weriftSide(): Promise<Side> {
  const { RTCPeerConnection } = await import('werift');
  // Loopback settings from ../shared/PEERS.md.
  const pc = new RTCPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceUseIpv6: false,
    iceServers: [{ urls: 'stun:127.0.0.1:9' }],
    iceStunGatherTimeout: 0.001,
  } as ConstructorParameters<typeof RTCPeerConnection>[0]);
  let candidateCb: (c: unknown) => void = () => undefined;
  pc.onIceCandidate.subscribe((c) => c && candidateCb(c.toJSON()));
  let ch: import('werift').RTCDataChannel | undefined;
  let bytesCb: (n: number) => void = () => undefined;
  pc.onDataChannel.subscribe((c) => c.onMessage.subscribe((d) => bytesCb((d as Buffer).length)));
  return {
    async offer() {
      ch = pc.createDataChannel('bench');
      await pc.setLocalDescription(await pc.createOffer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async answer(offer) {
      await pc.setRemoteDescription(offer as never);
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async accept(answer) {
      await pc.setRemoteDescription(answer as never);
    },
    addCandidate: (c) => pc.addIceCandidate(c as never),
    onCandidate: (cb) => (candidateCb = cb),
    channel: () =>
      new Promise((r) => {
        const c = ch as NonNullable<typeof ch>;
        const wrap: Channel = { send: (d) => c.send(Buffer.from(d.buffer, d.byteOffset, d.byteLength)), get bufferedAmount() { return c.bufferedAmount; } };
        if (c.readyState === 'open') r(wrap);
        else c.stateChanged.subscribe((s) => s === 'open' && r(wrap));
      }),
    onBytes: (cb) => (bytesCb = cb),
    close: () => void pc.close(),
  };
}

/** Native libdatachannel through its W3C polyfill (loopback settings from ../shared/PEERS.md). */
async function nodeDatachannelSide(): Promise<Side> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  type Pc = {
    createDataChannel(l: string): NdcChannel;
    createOffer(): Promise<{ type: string; sdp: string }>;
    createAnswer(): Promise<{ type: string; sdp: string }>;
    setLocalDescription(d?: unknown): Promise<void>;
    setRemoteDescription(d: unknown): Promise<void>;
    addIceCandidate(c: unknown): Promise<void>;
    localDescription: { type: string; sdp: string } | null;
    onicecandidate: ((e: { candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null }) => void) | null;
    ondatachannel: ((e: { channel: NdcChannel }) => void) | null;
    close(): void;
  };
  type NdcChannel = { readyState: string; bufferedAmount: number; binaryType: string; onopen: (() => void) | null; onmessage: ((e: { data: ArrayBuffer }) => void) | null; send(d: Uint8Array): void };
  const { RTCPeerConnection } = require('node-datachannel/polyfill') as { RTCPeerConnection: new (c: unknown) => Pc };
  const pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' });
  let candidateCb: (c: unknown) => void = () => undefined;
  pc.onicecandidate = (e) => {
    const c = e.candidate;
    // Its candidates come as `a=candidate:...` without an m-line index.
    if (c && c.candidate) candidateCb({ candidate: c.candidate.replace(/^a=/, ''), sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 });
  };
  let ch: NdcChannel | undefined;
  let bytesCb: (n: number) => void = () => undefined;
  pc.ondatachannel = (e) => {
    e.channel.binaryType = 'arraybuffer';
    e.channel.onmessage = (m) => bytesCb(m.data.byteLength);
  };
  return {
    async offer() {
      ch = pc.createDataChannel('bench');
      await pc.setLocalDescription(await pc.createOffer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async answer(offer) {
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: pc.localDescription?.type, sdp: pc.localDescription?.sdp };
    },
    async accept(answer) {
      await pc.setRemoteDescription(answer);
    },
    addCandidate: (c) => pc.addIceCandidate(c),
    onCandidate: (cb) => (candidateCb = cb),
    channel: () =>
      new Promise((r) => {
        const c = ch as NdcChannel;
        if (c.readyState === 'open') r(c);
        else c.onopen = () => r(c);
      }),
    onBytes: (cb) => (bytesCb = cb),
    close: () => {
      pc.close();
      (require('node-datachannel') as { cleanup(): void }).cleanup();
    },
  };
}

const makeSide = (stack: Stack): Promise<Side> =>
  stack === 'werift'
    ? weriftSide()
    : stack === 'node-datachannel'
      ? nodeDatachannelSide()
      : /^purertc-(1200|pmtu)(\+zc|\+tp)*$/.test(stack)
        ? purertcSide(stack.startsWith('purertc-pmtu'), stack.includes('+zc'), stack.includes('+tp'))
        : Promise.reject(new Error(`unknown stack ${stack}`));

/** The receiver (child process). */
async function child(stack: Stack, total: number, warmup: number): Promise<void> {
  const side = await makeSide(stack);
  const send = (m: Signal): void => void process.send?.(m);
  side.onCandidate((c) => send({ kind: 'candidate', value: c }));
  let received = 0;
  let c0 = process.cpuUsage();
  let e0 = performance.eventLoopUtilization();
  let profile: Promise<((name: string) => Promise<void>) | undefined> = Promise.resolve(undefined);
  let ticks0: Promise<{ main: number; others: number }> | undefined;
  side.onBytes((n) => {
    if (received === 0 && warmup === 0) {
      if (process.env['BENCH_DEBUG']) ticks0 = threadTicks();
      profile = startProfile();
      c0 = process.cpuUsage();
      e0 = performance.eventLoopUtilization();
    }
    received += n;
    if (warmup > 0) {
      // The warm-up is done: the measured transfer starts with the next message.
      if (received >= warmup) {
        received = 0;
        warmup = 0;
        send({ kind: 'warm' });
      }
      return;
    }
    if (received >= total) {
      const cpu = process.cpuUsage(c0);
      const done: Done = { cpuS: (cpu.user + cpu.system) / 1e6, elu: performance.eventLoopUtilization(e0).utilization };
      if (process.env['BENCH_DEBUG']) {
        const el = performance.eventLoopUtilization(e0);
        const ru = process.resourceUsage();
        const line = `[receiver] loop active ${el.active.toFixed(0)} ms idle ${el.idle.toFixed(0)} ms, cpu user ${(cpu.user / 1e3).toFixed(0)} ms sys ${(cpu.system / 1e3).toFixed(0)} ms, ctx switches vol ${ru.voluntaryContextSwitches} invol ${ru.involuntaryContextSwitches}`;
        void Promise.all([ticks0, threadTicks()]).then(([a, b]) =>
          console.error(a ? `${line}; CPU of the main thread ${(b.main - a.main) * 10} ms, of the other threads ${(b.others - a.others) * 10} ms` : line),
        );
      }
      void profile.then(async (stop) => {
        await stop?.(`receiver-${stack}-${process.pid}`);
        send({ kind: 'done', value: done });
      });
    }
  });
  process.on('message', (m: Signal) => {
    if (m.kind === 'description') void side.answer(m.value).then((a) => send({ kind: 'description', value: a }));
    else if (m.kind === 'candidate') void side.addCandidate(m.value).catch(() => undefined);
  });
  process.on('disconnect', () => {
    side.close();
    setTimeout(() => process.exit(0), 50);
  });
  send({ kind: 'ready' });
}

/** One run: fork the receiver, connect, send `total` bytes, wait for the receiver. */
async function once(stack: Stack, total: number, warmup: number): Promise<RunResult> {
  const kid: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', stack, String(total), String(warmup)], {
    // BENCH_CHILD_FLAGS: extra node flags for the receiver, e.g. --trace-gc (run the sender with `node --trace-gc --import tsx`).
    execArgv: ['--import', 'tsx', ...(process.env['BENCH_CHILD_FLAGS']?.split(' ').filter(Boolean) ?? [])],
  });
  const side = await makeSide(stack);
  const post = (m: Signal): void => void kid.send(m);
  let resolveDone: (d: Done) => void = () => undefined;
  const done = new Promise<Done>((r) => (resolveDone = r));
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let resolveAnswer: (a: unknown) => void = () => undefined;
  const answer = new Promise<unknown>((r) => (resolveAnswer = r));
  let resolveWarm: () => void = () => undefined;
  const warm = new Promise<void>((r) => (resolveWarm = r));
  kid.on('message', (m: Signal) => {
    if (m.kind === 'ready') resolveReady();
    else if (m.kind === 'warm') resolveWarm();
    else if (m.kind === 'description') resolveAnswer(m.value);
    else if (m.kind === 'candidate') void side.addCandidate(m.value).catch(() => undefined);
    else if (m.kind === 'done') resolveDone(m.value as Done);
  });
  side.onCandidate((c) => post({ kind: 'candidate', value: c }));
  await ready;
  post({ kind: 'description', value: await side.offer() });
  await side.accept(await answer);
  const ch = await side.channel();
  // Let SCTP settle (PMTU probes answered) before measuring.
  await new Promise((r) => setTimeout(r, 300));
  const msg = new Uint8Array(MSG).fill(7);
  if (warmup > 0) {
    // BENCH_WARMUP_MB: this much goes through first, untimed (JIT-compiled code, steady state).
    let queued = 0;
    const fill = (): void => {
      while (queued < warmup && ch.bufferedAmount < 4 << 20) {
        ch.send(msg);
        queued += MSG;
      }
    };
    const t = setInterval(fill, 1);
    fill();
    await warm;
    clearInterval(t);
  }
  const stopProfile = await startProfile();
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let sent = 0;
  const pump = (): void => {
    while (sent < total && ch.bufferedAmount < 4 << 20) {
      ch.send(msg);
      sent += MSG;
    }
  };
  const timer = setInterval(pump, 1);
  pump();
  const child = await done;
  clearInterval(timer);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const elu = performance.eventLoopUtilization(e0).utilization;
  await stopProfile?.(`sender-${stack}-${process.pid}-${Math.round(t0)}`);
  side.close();
  kid.disconnect();
  await new Promise((r) => kid.once('exit', r));
  const mb = total / 1e6;
  const senderCpuS = (cpu.user + cpu.system) / 1e6;
  return {
    mbPerS: mb / secs,
    cpuSPerMb: (senderCpuS + child.cpuS) / mb,
    senderCpuSPerMb: senderCpuS / mb,
    receiverCpuSPerMb: child.cpuS / mb,
    senderElu: elu,
    receiverElu: child.elu,
  };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Stack, Number(process.argv[4]), Number(process.argv[5] ?? 0));
} else {
  const MB = Number(process.argv[2] ?? 32);
  const RUNS = Number(process.argv[3] ?? 3);
  const stacks = (process.argv[4] ?? 'purertc-1200,purertc-pmtu,werift,node-datachannel').split(',') as Stack[];
  const total = MB * 1024 * 1024;
  const warmupMb = Number(process.env['BENCH_WARMUP_MB'] ?? 0);
  const warmup = Math.ceil((warmupMb * 1024 * 1024) / MSG) * MSG;
  const results = new Map<Stack, RunResult[]>(stacks.map((s) => [s, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const s of stacks) results.get(s)?.push(await once(s, total, warmup));
    process.stdout.write(`run ${r + 1}/${RUNS} done\n`);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`\nData channel, one peer per process, loopback, ${MB} MiB of 64 KiB messages${warmup > 0 ? ` after ${warmupMb} MiB untimed` : ''}, median of ${RUNS}:`);
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`.padStart(4);
  for (const [s, rs] of results) {
    const m = (f: (r: RunResult) => number): number => median(rs.map(f));
    console.log(
      `  ${s.padEnd(16)} ${m((x) => x.mbPerS).toFixed(1).padStart(6)} MB/s   ${m((x) => x.cpuSPerMb).toFixed(4)} CPU s/MB (both processes;` +
        ` sender ${m((x) => x.senderCpuSPerMb).toFixed(4)}, receiver ${m((x) => x.receiverCpuSPerMb).toFixed(4)})` +
        `   event loop busy: sender ${pct(m((x) => x.senderElu))}, receiver ${pct(m((x) => x.receiverElu))}`,
    );
    if (process.env['BENCH_ALL_RUNS']) console.log(`    runs: ${rs.map((x) => x.mbPerS.toFixed(1)).join(' ')} MB/s`);
  }
  process.exit(0);
}
