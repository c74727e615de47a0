/**
 * Data-channel throughput on loopback with each peer in its own process (ICE + DTLS 1.2 +
 * SCTP, RFC 8831), 64 KiB messages: this process sends, a forked child receives; the
 * offer/answer and candidates go over the fork's IPC channel. purertc with SCTP packets
 * capped at 1200 bytes (no probing) and with the packet size that RFC 8899 probing finds
 * on loopback, werift and native libdatachannel (node-datachannel), in the same run. Reports MB/s (wall clock, first send to the
 * receiver's last byte) and CPU seconds per MB (sender + receiver).
 * Run: npx tsx bench/datachannel-proc.ts [megabytes-per-run=32] [runs=3] [stacks=purertc-1200,purertc-pmtu,werift,node-datachannel]
 * Profile: PROF_DIR=/tmp/prof npx tsx bench/datachannel-proc.ts 64 1 purertc-pmtu
 *   (writes one .cpuprofile per process into PROF_DIR)
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Stack = 'purertc-1200' | 'purertc-pmtu' | 'werift' | 'node-datachannel';
const MSG = 65536;

interface Signal {
  readonly kind: 'description' | 'candidate' | 'start' | 'progress' | 'done' | 'ready';
  readonly value?: unknown;
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

let originalStartProbe: (() => void) | undefined;

async function purertcSide(probe: boolean): Promise<Side> {
  const { SctpAssociation } = await import('../src/sctp/association.js');
  // Capped at 1200 bytes: turn the PMTU search off (the peer builds its association with defaults).
  const proto = SctpAssociation.prototype as unknown as Record<string, () => void>;
  originalStartProbe ??= proto['startProbe'];
  proto['startProbe'] = probe ? (originalStartProbe as () => void) : () => undefined;
  if (process.env['SCTP_STATS']) {
    // Prints each association's packet size and counters when the process ends.
    const seen = new Set<InstanceType<typeof SctpAssociation>>();
    const poll = SctpAssociation.prototype.pollTransmit;
    SctpAssociation.prototype.pollTransmit = function (this: InstanceType<typeof SctpAssociation>) {
      seen.add(this);
      return poll.call(this);
    };
    process.on('exit', () => {
      for (const a of seen) console.error(`[${process.argv[2] === '--child' ? 'receiver' : 'sender'}] mtu ${a.mtu} cwnd ${a.congestionWindow} ${JSON.stringify(a.stats)}`);
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
  stack === 'werift' ? weriftSide() : stack === 'node-datachannel' ? nodeDatachannelSide() : purertcSide(stack === 'purertc-pmtu');

/** The receiver (child process). */
async function child(stack: Stack, total: number): Promise<void> {
  const side = await makeSide(stack);
  const send = (m: Signal): void => void process.send?.(m);
  side.onCandidate((c) => send({ kind: 'candidate', value: c }));
  let received = 0;
  let c0 = process.cpuUsage();
  side.onBytes((n) => {
    if (received === 0) c0 = process.cpuUsage();
    received += n;
    if (received >= total) {
      const cpu = process.cpuUsage(c0);
      send({ kind: 'done', value: (cpu.user + cpu.system) / 1e6 });
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
async function once(stack: Stack, total: number): Promise<{ mbPerS: number; cpuSPerMb: number }> {
  const prof = process.env['PROF_DIR'];
  const kid: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', stack, String(total)], {
    execArgv: ['--import', 'tsx', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])],
  });
  const side = await makeSide(stack);
  const post = (m: Signal): void => void kid.send(m);
  let resolveDone: (cpu: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let resolveAnswer: (a: unknown) => void = () => undefined;
  const answer = new Promise<unknown>((r) => (resolveAnswer = r));
  kid.on('message', (m: Signal) => {
    if (m.kind === 'ready') resolveReady();
    else if (m.kind === 'description') resolveAnswer(m.value);
    else if (m.kind === 'candidate') void side.addCandidate(m.value).catch(() => undefined);
    else if (m.kind === 'done') resolveDone(m.value as number);
  });
  side.onCandidate((c) => post({ kind: 'candidate', value: c }));
  await ready;
  post({ kind: 'description', value: await side.offer() });
  await side.accept(await answer);
  const ch = await side.channel();
  // Let SCTP settle (PMTU probes answered) before measuring.
  await new Promise((r) => setTimeout(r, 300));
  const msg = new Uint8Array(MSG).fill(7);
  const c0 = process.cpuUsage();
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
  const childCpu = await done;
  clearInterval(timer);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  side.close();
  kid.disconnect();
  await new Promise((r) => kid.once('exit', r));
  const mb = total / 1e6;
  return { mbPerS: mb / secs, cpuSPerMb: ((cpu.user + cpu.system) / 1e6 + childCpu) / mb };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Stack, Number(process.argv[4]));
} else {
  const MB = Number(process.argv[2] ?? 32);
  const RUNS = Number(process.argv[3] ?? 3);
  const stacks = (process.argv[4] ?? 'purertc-1200,purertc-pmtu,werift,node-datachannel').split(',') as Stack[];
  const total = MB * 1024 * 1024;
  const results = new Map<Stack, { mbPerS: number; cpuSPerMb: number }[]>(stacks.map((s) => [s, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const s of stacks) results.get(s)?.push(await once(s, total));
    process.stdout.write(`run ${r + 1}/${RUNS} done\n`);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`\nData channel, one peer per process, loopback, ${MB} MiB of 64 KiB messages, median of ${RUNS}:`);
  for (const [s, rs] of results) {
    console.log(`  ${s.padEnd(14)} ${median(rs.map((x) => x.mbPerS)).toFixed(1).padStart(6)} MB/s   ${median(rs.map((x) => x.cpuSPerMb)).toFixed(4)} CPU s/MB (both processes)`);
  }
  process.exit(0);
}
