/**
 * Data-channel throughput through the SCTP association alone (no DTLS, no crypto):
 * 64 KiB messages from one purertc peer to another over an in-process loss-free link,
 * next to werift's SCTP in the same run; once with 1200-byte packets and once with
 * 8192-byte packets (probing off, so the sizes stay as given). Reports MB/s (wall clock) and CPU seconds per MB (both peers).
 * Run: npx tsx bench/sctp.ts [megabytes]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { seededRandom } from '../src/common/random.js';
import { DataChannelManager } from '../src/datachannel/manager.js';
import { SctpAssociation } from '../src/sctp/association.js';

const MB = Number(process.argv[2] ?? 64);
const MSG = 64 * 1024;
const COUNT = Math.ceil((MB * 1e6) / MSG);
const WINDOW_BYTES = 4 * 1024 * 1024; // keep this much queued on the sender
const WERIFT_CONCURRENCY = 4;

interface Result {
  name: string;
  mbPerS: number;
  cpuSecPerMb: number;
}

function measure<T>(fn: () => T): { ms: number; cpuS: number; out: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuS: (c.user + c.system) / 1e6, out };
}

async function measureAsync(fn: () => Promise<void>): Promise<{ ms: number; cpuS: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuS: (c.user + c.system) / 1e6 };
}

function ours(mtu: number): Result {
  const a = new DataChannelManager(new SctpAssociation({ rng: seededRandom(1), mtu, maxMtu: mtu, maxSendBufferBytes: 64 << 20 }), { dtlsRole: 'client', remoteMaxMessageSize: 262144 });
  const b = new DataChannelManager(new SctpAssociation({ rng: seededRandom(2), mtu, maxMtu: mtu }), { dtlsRole: 'server', remoteMaxMessageSize: 262144 });
  let now = 0;
  const pump = (): boolean => {
    let moved = false;
    for (let p = a.pollTransmit(); p; p = a.pollTransmit()) {
      b.handleInput(now, p);
      moved = true;
    }
    for (let p = b.pollTransmit(); p; p = b.pollTransmit()) {
      a.handleInput(now, p);
      moved = true;
    }
    return moved;
  };
  let received = 0;
  let bytes = 0;
  const drain = () => {
    for (let e = a.pollEvent(); e; e = a.pollEvent());
    for (let e = b.pollEvent(); e; e = b.pollEvent()) {
      if (e.type === 'message') {
        received++;
        bytes += (e.data as Uint8Array).length;
      }
    }
  };
  a.connect(now);
  while (pump()) drain();
  drain();
  const ch = a.createChannel(now, { label: 'bench' });
  while (pump()) drain();
  drain();
  const msg = new Uint8Array(MSG).fill(7);
  let sent = 0;
  const r = measure(() => {
    while (received < COUNT) {
      while (sent < COUNT && a.bufferedAmount(ch.id) < WINDOW_BYTES) {
        a.send(now, ch.id, msg);
        sent++;
      }
      if (!pump()) {
        // nothing moved: let timers run (delayed SACK), on a virtual clock
        const t = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
        if (t === Infinity) throw new Error('stalled');
        now = Math.max(now, t);
        a.handleTimeout(now);
        b.handleTimeout(now);
      }
      drain();
    }
  });
  const mb = bytes / 1e6;
  return { name: `purertc (packets <= ${mtu} B)`, mbPerS: mb / (r.ms / 1000), cpuSecPerMb: r.cpuS / mb };
}

async function werift(mtu: number): Promise<Result> {
  const require = createRequire(import.meta.url);
  const { SCTP } = require(path.resolve('node_modules/werift/lib/sctp/src/sctp.js')) as {
    SCTP: {
      client(t: unknown, port: number, o: { mtu: number }): WSctp;
      server(t: unknown, port: number, o: { mtu: number }): WSctp;
    };
  };
  interface WSctp {
    state: string;
    start(p: number): Promise<void>;
    stop(): Promise<void>;
    send(s: number, ppid: number, d: Buffer, o?: { ordered: boolean }): Promise<void>;
    onReceive: { subscribe(fn: (s: number, p: number, d: Buffer) => void): void };
  }
  const ta = { onData: undefined as undefined | ((b: Buffer) => void), send: async (b: Buffer) => void setImmediate(() => tb.onData?.(b)) };
  const tb = { onData: undefined as undefined | ((b: Buffer) => void), send: async (b: Buffer) => void setImmediate(() => ta.onData?.(b)) };
  const client = SCTP.client(ta, 5000, { mtu });
  const server = SCTP.server(tb, 5000, { mtu });
  let bytes = 0;
  let received = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  server.onReceive.subscribe((_s, _p, d) => {
    bytes += d.length;
    if (++received === COUNT) done();
  });
  await server.start(5000);
  await client.start(5000);
  while (client.state !== 'connected') await new Promise((r) => setTimeout(r, 1));
  const msg = Buffer.alloc(MSG, 7);
  const r = await measureAsync(async () => {
    // werift's send() resolves when its queue has drained; keep a few in flight.
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < COUNT; i++) {
      const p: Promise<void> = client.send(1, 53, msg, { ordered: true }).then(() => void inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= WERIFT_CONCURRENCY) await Promise.race(inFlight);
    }
    await finished;
  });
  await client.stop();
  await server.stop();
  const mb = bytes / 1e6;
  return { name: `werift 0.25.2 SCTP (mtu ${mtu})`, mbPerS: mb / (r.ms / 1000), cpuSecPerMb: r.cpuS / mb };
}

const results: Result[] = [];
// warm-up so the JIT has seen the hot path
ours(1200);
results.push(ours(1200));
results.push(ours(8192));
results.push(await werift(1200));
results.push(await werift(8192));
console.log(`SCTP data-channel throughput, ${COUNT} x 64 KiB messages (${((COUNT * MSG) / 1e6).toFixed(1)} MB), in-process, no crypto`);
for (const r of results) console.log(`${r.name.padEnd(34)} ${r.mbPerS.toFixed(1).padStart(8)} MB/s  ${r.cpuSecPerMb.toFixed(4)} CPU s/MB`);
