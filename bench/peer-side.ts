/**
 * Helper of bench/peer.ts (not a bench itself): one child process of the peer bench,
 * driven over the IPC channel that `fork` gives it. Two modes:
 * - a side (offerer or answerer) of one connection whose other side is another process:
 *   the parent relays descriptions and candidates, then asks for a timed transfer of
 *   64 KiB messages (bufferedAmount backpressure, W3C webrtc-pc 6.2) and 32-byte echoes;
 * - `many`: N pairs of one stack connected concurrently in this process, reporting the
 *   time until every channel is open and the resident memory they added.
 * Times are CLOCK_MONOTONIC milliseconds (`process.hrtime`), comparable across processes.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { connectPair, makeStack, messageBytes, monoMs, Signaler, whenOpen } from './peer-stacks.js';
import type { LooseChannel, LoosePeer, PureOptions, Stack, StackName } from './peer-stacks.js';

/** Messages from the parent. */
export type SideCommand =
  | { readonly cmd: 'init'; readonly stack: StackName; readonly role: 'offerer' | 'answerer'; readonly pure: PureOptions }
  | { readonly cmd: 'connect' }
  | { readonly cmd: 'signal'; readonly kind: 'offer' | 'answer'; readonly sdp: string }
  | { readonly cmd: 'signal'; readonly kind: 'candidate'; readonly candidate: { candidate?: string; sdpMid?: string | null; sdpMLineIndex?: number | null } }
  | { readonly cmd: 'recv'; readonly bytes: number }
  | { readonly cmd: 'send'; readonly bytes: number; readonly messageBytes: number }
  | { readonly cmd: 'cpu' }
  | { readonly cmd: 'echo'; readonly count: number; readonly warmup: number; readonly size: number }
  | { readonly cmd: 'close' }
  | { readonly cmd: 'many'; readonly stack: StackName; readonly pairs: number; readonly timeoutMs: number; readonly pure: PureOptions }
  | { readonly cmd: 'sockets'; readonly sockets: number; readonly datagrams: number }
  | { readonly cmd: 'exit' };

/** Messages to the parent. */
export type SideEvent =
  | { readonly ev: 'ready' }
  | { readonly ev: 'signal'; readonly kind: 'offer' | 'answer'; readonly sdp: string }
  | { readonly ev: 'signal'; readonly kind: 'candidate'; readonly candidate: object }
  | { readonly ev: 't0'; readonly at: number }
  | { readonly ev: 'open'; readonly at: number }
  | { readonly ev: 'recv-ready' }
  | { readonly ev: 'send-start'; readonly at: number }
  | { readonly ev: 'received'; readonly at: number; readonly cpuS: number }
  | { readonly ev: 'cpu'; readonly cpuS: number }
  | { readonly ev: 'echo'; readonly rttsUs: number[] }
  | { readonly ev: 'closed' }
  | { readonly ev: 'many'; readonly opened: number; readonly failed: number; readonly ms: number; readonly rssBefore: number; readonly rssAfter: number; readonly heapBefore: number; readonly heapAfter: number }
  | { readonly ev: 'sockets'; readonly rssPerSocket: number }
  | { readonly ev: 'error'; readonly message: string };

/** Backpressure: send while bufferedAmount is below HIGH, resume at LOW (or on the poll). */
const BUFFERED_HIGH_BYTES = 1 << 20;
const BUFFERED_LOW_BYTES = 256 << 10;
/** libwebrtc's bufferedamountlow never fired in our runs (PEERS.md): poll as a fallback. */
const BUFFERED_POLL_MS = 2;

function post(e: SideEvent): void {
  process.send?.(e);
}

const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

let stack: Stack | undefined;
let role: 'offerer' | 'answerer' = 'offerer';
let peer: LoosePeer | undefined;
let signaler: Signaler | undefined;
let channel: LooseChannel | undefined;
let received = 0;
let expected = 0;
let recvCpu: NodeJS.CpuUsage = process.cpuUsage();
let sendCpu: NodeJS.CpuUsage = process.cpuUsage();
let onEcho: (() => void) | undefined;

function attach(ch: LooseChannel): void {
  channel = ch;
  try {
    ch.binaryType = 'arraybuffer';
  } catch {
    // werift has no binaryType: it delivers Buffers.
  }
  const echo = stack?.toBinary(new Uint8Array(32)) ?? new Uint8Array(32);
  ch.onmessage = (ev) => {
    const n = messageBytes(ev.data);
    if (role === 'answerer') {
      if (n === 32) {
        ch.send(echo);
        return;
      }
      received += n;
      if (expected > 0 && received >= expected) {
        expected = 0;
        post({ ev: 'received', at: monoMs(), cpuS: cpuSeconds(recvCpu) });
      }
    } else if (n === 32) {
      onEcho?.();
    }
  };
}

/** PEER_BENCH_TRACE=1: each side prints its state changes (ms since its connect began) to stderr. */
const TRACE = process.env['PEER_BENCH_TRACE'] === '1';
let traceT0 = 0;

function newPeer(s: Stack): LoosePeer {
  const p = s.create();
  peer = p;
  if (TRACE) {
    traceT0 = monoMs();
    const target = p as unknown as { addEventListener?: (type: string, f: () => void) => void } & Record<string, unknown>;
    for (const [type, field] of [['iceconnectionstatechange', 'iceConnectionState'], ['connectionstatechange', 'connectionState'], ['icegatheringstatechange', 'iceGatheringState']] as const) {
      target.addEventListener?.(type, () => process.stderr.write(`${role} +${(monoMs() - traceT0).toFixed(1)} ms ${field} ${String(target[field])}\n`));
    }
  }
  signaler = new Signaler(p, s, (candidate) => post({ ev: 'signal', kind: 'candidate', candidate }));
  return p;
}

async function connectOfferer(s: Stack): Promise<void> {
  const t0 = monoMs();
  post({ ev: 't0', at: t0 });
  const p = newPeer(s);
  const ch = p.createDataChannel('bench');
  attach(ch);
  void whenOpen(ch).then(() => {
    if (TRACE) process.stderr.write(`${role} +${(monoMs() - traceT0).toFixed(1)} ms channel open\n`);
    post({ ev: 'open', at: monoMs() });
  });
  const offer = await p.createOffer();
  await p.setLocalDescription(offer);
  if (TRACE) process.stderr.write(`${role} +${(monoMs() - traceT0).toFixed(1)} ms offer set\n`);
  post({ ev: 'signal', kind: 'offer', sdp: offer.sdp ?? '' });
}

async function answer(s: Stack, sdp: string): Promise<void> {
  const p = newPeer(s);
  p.ondatachannel = (ev) => {
    attach(ev.channel);
    void whenOpen(ev.channel).then(() => {
      if (TRACE) process.stderr.write(`${role} +${(monoMs() - traceT0).toFixed(1)} ms channel open\n`);
      post({ ev: 'open', at: monoMs() });
    });
  };
  await signaler?.remoteDescription({ type: 'offer', sdp });
  const a = await p.createAnswer();
  await p.setLocalDescription(a);
  if (TRACE) process.stderr.write(`${role} +${(monoMs() - traceT0).toFixed(1)} ms answer set\n`);
  post({ ev: 'signal', kind: 'answer', sdp: a.sdp ?? '' });
}

async function sendBytes(total: number, size: number): Promise<void> {
  const ch = channel;
  const s = stack;
  if (!ch || !s) throw new Error('no channel');
  const msg = s.toBinary(new Uint8Array(size).fill(7));
  ch.bufferedAmountLowThreshold = BUFFERED_LOW_BYTES;
  sendCpu = process.cpuUsage();
  post({ ev: 'send-start', at: monoMs() });
  let sent = 0;
  while (sent < total) {
    while (sent < total && ch.bufferedAmount < BUFFERED_HIGH_BYTES) {
      ch.send(msg);
      sent += size;
    }
    if (sent >= total) break;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (ch.bufferedAmount <= BUFFERED_LOW_BYTES) done();
      }, BUFFERED_POLL_MS);
      const done = (): void => {
        clearInterval(timer);
        ch.onbufferedamountlow = null;
        resolve();
      };
      ch.onbufferedamountlow = done;
    });
  }
}

async function echoes(count: number, warmup: number, size: number): Promise<number[]> {
  const ch = channel;
  const s = stack;
  if (!ch || !s) throw new Error('no channel');
  const msg = s.toBinary(new Uint8Array(size).fill(3));
  const rtts: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t = monoMs();
    await new Promise<void>((resolve) => {
      onEcho = resolve;
      ch.send(msg);
    });
    if (i >= warmup) rtts.push(Math.round((monoMs() - t) * 1000));
  }
  onEcho = undefined;
  return rtts.sort((a, b) => a - b);
}

const gc = (globalThis as { gc?: () => void }).gc;

async function many(s: Stack, pairs: number, timeoutMs: number): Promise<void> {
  // Warm the code paths with one pair first so the figure is what the pairs add.
  {
    const a = s.create();
    const b = s.create();
    await connectPair(s, a, b);
    a.close();
    b.close();
  }
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
  const before = process.memoryUsage();
  const peers: LoosePeer[] = [];
  let opened = 0;
  const t0 = monoMs();
  let last = t0;
  const all = Promise.all(
    Array.from({ length: pairs }, async () => {
      const a = s.create();
      const b = s.create();
      peers.push(a, b);
      await connectPair(s, a, b);
      opened++;
      last = monoMs();
    }),
  );
  await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs))]);
  const ms = last - t0;
  gc?.();
  const after = process.memoryUsage();
  post({ ev: 'many', opened, failed: pairs - opened, ms, rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heapUsed, heapAfter: after.heapUsed });
  for (const p of peers) p.close();
}

/**
 * The platform's share of RSS per peer: `count` plain node:dgram sockets on loopback, each
 * receiving `datagrams` 100-byte datagrams (no WebRTC at all); resident bytes added per
 * receiving socket, after a full GC.
 */
async function sockets(count: number, datagrams: number): Promise<number> {
  const bind = (s: Socket): Promise<void> => new Promise((resolve) => s.bind(0, '127.0.0.1', resolve));
  const sender = createSocket('udp4');
  await bind(sender);
  gc?.();
  const before = process.memoryUsage().rss;
  const open: Socket[] = [sender];
  for (let i = 0; i < count; i++) {
    const r = createSocket('udp4');
    await bind(r);
    open.push(r);
    let got = 0;
    const done = new Promise<void>((resolve) => r.on('message', () => ++got === datagrams && resolve()));
    for (let j = 0; j < datagrams; j++) sender.send(new Uint8Array(100), r.address().port, '127.0.0.1');
    await done;
  }
  gc?.();
  const perSocket = (process.memoryUsage().rss - before) / count;
  for (const o of open) o.close();
  return perSocket;
}

async function handle(m: SideCommand): Promise<void> {
  switch (m.cmd) {
    case 'init':
      stack = makeStack(m.stack, m.pure);
      role = m.role;
      post({ ev: 'ready' });
      break;
    case 'connect':
      if (stack) await connectOfferer(stack);
      break;
    case 'signal':
      if (m.kind === 'offer' && stack) await answer(stack, m.sdp);
      else if (m.kind === 'answer') await signaler?.remoteDescription({ type: 'answer', sdp: m.sdp });
      else if (m.kind === 'candidate') signaler?.candidate(m.candidate);
      break;
    case 'recv':
      received = 0;
      expected = m.bytes;
      recvCpu = process.cpuUsage();
      post({ ev: 'recv-ready' });
      break;
    case 'send':
      await sendBytes(m.bytes, m.messageBytes);
      break;
    case 'cpu':
      post({ ev: 'cpu', cpuS: cpuSeconds(sendCpu) });
      break;
    case 'echo':
      post({ ev: 'echo', rttsUs: await echoes(m.count, m.warmup, m.size) });
      break;
    case 'close':
      peer?.close();
      peer = undefined;
      channel = undefined;
      signaler = undefined;
      await new Promise((r) => setTimeout(r, 50));
      post({ ev: 'closed' });
      break;
    case 'many':
      stack = makeStack(m.stack, m.pure);
      await many(stack, m.pairs, m.timeoutMs);
      break;
    case 'sockets':
      post({ ev: 'sockets', rssPerSocket: await sockets(m.sockets, m.datagrams) });
      break;
    case 'exit':
      try {
        stack?.cleanup();
      } finally {
        process.exit(0);
      }
  }
}

process.on('message', (m: SideCommand) => {
  handle(m).catch((e: unknown) => post({ ev: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
