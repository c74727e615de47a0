/**
 * Data-channel throughput through the whole stack on loopback: ICE + DTLS 1.2 + SCTP
 * (RFC 8831), 64 KiB messages, purertc to purertc and werift to werift, both peers in
 * this one process, in the same run: purertc once with SCTP packets capped at 1200 bytes
 * (PMTU probing off) and once with the packet size probing finds on loopback (RFC 8899,
 * the default). Reports connect time, MB/s (wall clock) and CPU seconds per MB (both
 * peers together), median of the runs. bench/datachannel-proc.ts runs each peer in its
 * own process.
 * Run: npx tsx bench/datachannel.ts [megabytes-per-run=16] [runs=3]
 */
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import { RTCPeerConnection } from '../src/node/rtc-peer-connection.js';
import { SctpAssociation } from '../src/sctp/association.js';

// The peer builds its association with defaults; for the 1200-byte rows the PMTU search is turned off.
const proto = SctpAssociation.prototype as unknown as Record<string, () => void>;
const startProbe = proto['startProbe'] as () => void;
const setProbing = (on: boolean): void => {
  proto['startProbe'] = on ? startProbe : () => undefined;
};

const MB = Number(process.argv[2] ?? 16);
const RUNS = Number(process.argv[3] ?? 3);
const TOTAL = MB * 1024 * 1024;
const MSG = 65536;

interface Channel {
  send(data: Uint8Array): void;
  readonly bufferedAmount: number;
}
interface Pair {
  connect(): Promise<{ send: Channel; onBytes(cb: (n: number) => void): void }>;
  close(): void;
}

function purertcPair(): Pair {
  const a = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  const b = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  return {
    async connect() {
      a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined);
      b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined);
      const ch = a.createDataChannel('bench');
      ch.binaryType = 'arraybuffer';
      const remote = new Promise<import('../src/node/rtc-data-channel.js').RTCDataChannel>((r) => (b.ondatachannel = (e) => r(e.channel)));
      const opened = new Promise((r) => (ch.onopen = r));
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      await opened;
      const rc = await remote;
      return { send: ch, onBytes: (cb) => (rc.onmessage = (e) => cb((e.data as ArrayBuffer).byteLength)) };
    },
    close() {
      a.close();
      b.close();
    },
  };
}

function weriftPair(): Pair {
  // Loopback settings from ../shared/PEERS.md.
  const config = {
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceUseIpv6: false,
    iceServers: [{ urls: 'stun:127.0.0.1:9' }],
    iceStunGatherTimeout: 0.001,
  } as ConstructorParameters<typeof WeriftPeerConnection>[0];
  const a = new WeriftPeerConnection(config);
  const b = new WeriftPeerConnection(config);
  return {
    async connect() {
      a.onIceCandidate.subscribe((c) => c && void b.addIceCandidate(c));
      b.onIceCandidate.subscribe((c) => c && void a.addIceCandidate(c));
      const ch = a.createDataChannel('bench');
      const remote = new Promise<import('werift').RTCDataChannel>((r) => b.onDataChannel.subscribe(r));
      const opened = new Promise<void>((r) => ch.stateChanged.subscribe((s) => s === 'open' && r()));
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      await opened;
      const rc = await remote;
      return {
        send: { send: (d) => ch.send(Buffer.from(d.buffer, d.byteOffset, d.byteLength)), get bufferedAmount() { return ch.bufferedAmount; } },
        onBytes: (cb) => rc.onMessage.subscribe((d) => cb((d as Buffer).length)),
      };
    },
    close() {
      void a.close();
      void b.close();
    },
  };
}

async function once(make: () => Pair): Promise<{ connectMs: number; mbPerS: number; cpuSPerMb: number }> {
  const pair = make();
  const t0 = performance.now();
  const { send, onBytes } = await pair.connect();
  const connectMs = performance.now() - t0;
  // Let the PMTU probes be answered before measuring.
  await new Promise((r) => setTimeout(r, 300));
  const msg = new Uint8Array(MSG).fill(7);
  let received = 0;
  const done = new Promise<void>((r) => onBytes((n) => ((received += n) >= TOTAL ? r() : undefined)));
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    while (sent < TOTAL && send.bufferedAmount < 4 << 20) {
      send.send(msg);
      sent += MSG;
    }
  }, 1);
  await done;
  clearInterval(timer);
  const secs = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(c0);
  pair.close();
  const mb = TOTAL / 1e6;
  return { connectMs, mbPerS: mb / secs, cpuSPerMb: (cpu.user + cpu.system) / 1e6 / mb };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows: [string, { connectMs: number; mbPerS: number; cpuSPerMb: number }[]][] = [
  ['purertc, probed PMTU', []],
  ['purertc, 1200-byte SCTP', []],
  ['werift 0.25.2 <-> werift', []],
];
for (let r = 0; r < RUNS; r++) {
  setProbing(true);
  (rows[0] as (typeof rows)[0])[1].push(await once(purertcPair));
  setProbing(false);
  (rows[1] as (typeof rows)[0])[1].push(await once(purertcPair));
  (rows[2] as (typeof rows)[0])[1].push(await once(weriftPair));
  process.stdout.write(`run ${r + 1}/${RUNS} done\n`);
}
console.log(`\nData channel over ICE+DTLS+SCTP on loopback, ${MB} MiB of 64 KiB messages, median of ${RUNS}:`);
for (const [name, rs] of rows) {
  console.log(
    `  ${name.padEnd(26)} connect ${median(rs.map((x) => x.connectMs)).toFixed(0).padStart(5)} ms   ` +
      `${median(rs.map((x) => x.mbPerS)).toFixed(1).padStart(6)} MB/s   ${median(rs.map((x) => x.cpuSPerMb)).toFixed(4)} CPU s/MB`,
  );
}
const mbps = (i: number): number => median((rows[i] as (typeof rows)[0])[1].map((x) => x.mbPerS));
console.log(`  throughput ratio purertc/werift: ${(mbps(0) / mbps(2)).toFixed(2)}x probed, ${(mbps(1) / mbps(2)).toFixed(2)}x at 1200 bytes`);
process.exit(0);
