/**
 * @module cli/bench
 * `purertc bench`: a quick measure of the hot paths on this machine, with progress:
 * STUN decode + MESSAGE-INTEGRITY check (RFC 8489 14.5), SRTP protect/unprotect of
 * 1200-byte RTP (RFC 3711, RFC 7714), DTLS 1.2 handshakes (RFC 6347, client and server
 * in one process), and SCTP data-channel throughput (RFC 9260, no crypto). The cores
 * are sans-IO, so these run without sockets or timers. The side-by-side comparisons
 * with werift live in the repository's bench/ folder (`npm run bench`).
 */
import { describeFlags, parseArgs } from './args.js';
import { secureRandom, seededRandom } from '../common/random.js';
import { decodeStunMessage, encodeStunMessage, shortTermKey, verifyMessageIntegrity } from '../stun/index.js';
import { SrtpContext } from '../srtp/index.js';
import type { SrtpProfile } from '../srtp/index.js';
import { DtlsEndpoint } from '../dtls/index.js';
import { certificateFingerprint, generateCertificate } from '../crypto/index.js';
import { DataChannelManager } from '../datachannel/index.js';
import { SctpAssociation } from '../sctp/index.js';

const flags = {
  seconds: { type: 'number', default: 1, description: 'time spent on each measurement' },
  only: { type: 'string', default: 'stun,srtp,dtls,sctp', description: 'comma-separated subset of stun,srtp,dtls,sctp' },
} as const;

export const summary = 'Measure STUN, SRTP, DTLS and SCTP hot paths on this machine';
export const usage = `usage: purertc bench [--seconds 1] [--only stun,srtp,dtls,sctp]\n\n${describeFlags(flags)}`;

interface Row {
  readonly name: string;
  readonly value: string;
}

/** Runs `f` repeatedly for about `seconds`; returns calls per second. */
function rate(seconds: number, f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 16; i++) f();
    n += 16;
  }
  return n / ((performance.now() - start) / 1000);
}

const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1));

function benchStun(seconds: number): Row[] {
  const key = shortTermKey('F1xTQJdDc2iAYkwE2bE1zf3e');
  const request = encodeStunMessage(
    {
      class: 'request',
      method: 1,
      transactionId: secureRandom.fill(new Uint8Array(12)),
      attributes: [
        { type: 'USERNAME', value: 'Ah3x:Zr9c' },
        { type: 'GOOG-NETWORK-INFO', networkId: 1, networkCost: 10 },
        { type: 'ICE-CONTROLLING', tieBreaker: 0x1c4d7e2f9a0b3c5dn },
        { type: 'PRIORITY', value: 1853817087 },
        { type: 'USE-CANDIDATE' },
      ],
    },
    { integrityKey: key, fingerprint: true },
  );
  const perS = rate(seconds, () => {
    if (!verifyMessageIntegrity(decodeStunMessage(request), key)) throw new Error('integrity check failed');
  });
  return [{ name: 'STUN Binding request decode + integrity', value: `${fmt(perS)} msg/s` }];
}

function rtpPacket(seq: number, payload: number): Uint8Array {
  const p = new Uint8Array(12 + payload);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  p[8] = 0x12;
  p[11] = 0x34;
  return p;
}

function benchSrtp(seconds: number): Row[] {
  const rows: Row[] = [];
  const profiles: [SrtpProfile, number, number][] = [
    ['SRTP_AES128_CM_HMAC_SHA1_80', 16, 14],
    ['SRTP_AEAD_AES_128_GCM', 16, 12],
  ];
  for (const [profile, keyLen, saltLen] of profiles) {
    const key = secureRandom.fill(new Uint8Array(keyLen));
    const salt = secureRandom.fill(new Uint8Array(saltLen));
    const tx = new SrtpContext(profile, key, salt);
    const out = new Uint8Array(1500);
    let seq = 0;
    const protect = rate(seconds, () => void tx.protectRtp(rtpPacket(seq++ & 0xffff, 1188), out));
    // Unprotect a batch of distinct packets; a fresh receiver per batch so none is a replay.
    const BATCH = 4096;
    const sealed: Uint8Array[] = [];
    const sender = new SrtpContext(profile, key, salt);
    for (let i = 0; i < BATCH; i++) sealed.push(sender.protectRtp(rtpPacket(i, 1188)));
    let rx = new SrtpContext(profile, key, salt);
    let i = 0;
    const unprotect = rate(seconds, () => {
      if (i === BATCH) {
        rx = new SrtpContext(profile, key, salt);
        i = 0;
      }
      const r = rx.unprotectRtp(sealed[i++] as Uint8Array, out);
      if (!r.ok) throw new Error(`unprotect failed: ${r.reason}`);
    });
    rows.push({ name: `SRTP ${profile} protect 1200 B`, value: `${fmt(protect)} pkt/s` });
    rows.push({ name: `SRTP ${profile} unprotect 1200 B`, value: `${fmt(unprotect)} pkt/s` });
  }
  return rows;
}

function benchDtls(seconds: number): Row[] {
  const cc = generateCertificate({ notBefore: new Date(), rng: secureRandom });
  const sc = generateCertificate({ notBefore: new Date(), rng: secureRandom });
  const once = (): void => {
    const client = new DtlsEndpoint({ role: 'client', certificate: cc, remoteFingerprints: [certificateFingerprint(sc.der)] });
    const server = new DtlsEndpoint({ role: 'server', certificate: sc, remoteFingerprints: [certificateFingerprint(cc.der)] });
    client.start(0);
    server.start(0);
    for (let i = 0; i < 20 && !(client.state === 'connected' && server.state === 'connected'); i++) {
      for (let d = client.pollTransmit(); d; d = client.pollTransmit()) server.handleInput(i, d);
      for (let d = server.pollTransmit(); d; d = server.pollTransmit()) client.handleInput(i, d);
    }
    if (client.state !== 'connected' || server.state !== 'connected') throw new Error('DTLS handshake did not complete');
  };
  const perS = rate(seconds, once);
  return [{ name: 'DTLS 1.2 handshakes (client + server)', value: `${fmt(perS)} /s` }];
}

function benchSctp(seconds: number): Row[] {
  const a = new DataChannelManager(new SctpAssociation({ rng: seededRandom(1), maxSendBufferBytes: 64 << 20 }), { dtlsRole: 'client', remoteMaxMessageSize: 262144 });
  const b = new DataChannelManager(new SctpAssociation({ rng: seededRandom(2) }), { dtlsRole: 'server', remoteMaxMessageSize: 262144 });
  let now = 0;
  let bytes = 0;
  const pump = (): boolean => {
    let moved = false;
    for (let p = a.pollTransmit(); p; p = a.pollTransmit()) (b.handleInput(now, p), (moved = true));
    for (let p = b.pollTransmit(); p; p = b.pollTransmit()) (a.handleInput(now, p), (moved = true));
    for (let e = a.pollEvent(); e; e = a.pollEvent());
    for (let e = b.pollEvent(); e; e = b.pollEvent()) if (e.type === 'message') bytes += (e.data as Uint8Array).length;
    return moved;
  };
  a.connect(now);
  while (pump());
  const ch = a.createChannel(now, { label: 'bench' });
  while (pump());
  const msg = new Uint8Array(64 * 1024).fill(7);
  bytes = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    while (a.bufferedAmount(ch.id) < 4 << 20) a.send(now, ch.id, msg);
    if (!pump()) {
      now = Math.max(now, Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity));
      if (!Number.isFinite(now)) throw new Error('SCTP bench stalled');
      a.handleTimeout(now);
      b.handleTimeout(now);
    }
  }
  const mbPerS = bytes / 1e6 / ((performance.now() - start) / 1000);
  return [{ name: 'SCTP data channel, 64 KiB messages, 1200 B packets', value: `${mbPerS.toFixed(1)} MB/s` }];
}

const BENCHES: Record<string, (seconds: number) => Row[]> = { stun: benchStun, srtp: benchSrtp, dtls: benchDtls, sctp: benchSctp };

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  if (!(f.seconds > 0 && f.seconds <= 60)) throw new Error(`--seconds must be in (0, 60], got ${f.seconds}`);
  const names = f.only.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!BENCHES[n]) throw new Error(`unknown bench '${n}' (have ${Object.keys(BENCHES).join(', ')})`);
  const rows: Row[] = [];
  for (const [i, n] of names.entries()) {
    process.stdout.write(`[${i + 1}/${names.length}] ${n} ...\n`);
    await new Promise((r) => setImmediate(r));
    const got = (BENCHES[n] as (s: number) => Row[])(f.seconds);
    for (const r of got) process.stdout.write(`    ${r.name.padEnd(52)} ${r.value}\n`);
    rows.push(...got);
  }
  process.stdout.write(`\npurertc bench (node ${process.version}):\n${rows.map((r) => `  ${r.name.padEnd(52)} ${r.value}`).join('\n')}\n`);
}
