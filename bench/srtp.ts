/**
 * SRTP protect and unprotect per second, 1200-byte RTP packets (12-byte header, 1188-byte
 * payload), for every profile: purertc (into a reused output buffer, and allocating), next
 * to werift's SrtpSession (the profiles it has), to the bare node:crypto calls we make for
 * the same packet (our floor, see floorFor), and for AES-CM to the usual per-packet
 * createCipheriv('aes-ctr') + createHmac pair.
 * Rates are per second of this process's CPU time, and each figure is the best of ROUNDS
 * interleaved rounds: the machine is shared, and both filter out time taken by others.
 * Run: npx tsx bench/srtp.ts [msPerRound] [rounds]
 */
import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes } from 'node:crypto';
import { RtpHeader, SrtpSession } from 'werift';
import { SrtpContext, SrtpProfile, srtpProfileParams } from '../src/srtp/index.js';
import type { SrtpProfile as Profile } from '../src/srtp/index.js';

const MS = Number(process.argv[2] ?? 150);
/** Rounds per measurement, interleaved between contenders; the best round counts (the machine is shared). */
const ROUNDS = Number(process.argv[3] ?? 5);
const PACKET = 1200;
const HEADER = 12;
const SSRC = 0x1234_5678;
/** Distinct packets pre-protected for the unprotect runs (replay protection forbids reuse). */
const POOL = 8192;

/** Packets per second of CPU time (user + system of this process, so other load on a shared machine counts less). */
function rate(f: (i: number) => void, ms: number): number {
  let n = 0;
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  while (performance.now() - wallStart < ms) {
    for (let k = 0; k < 256; k++) f(n++);
  }
  const cpu = process.cpuUsage(cpuStart);
  return (n * 1e6) / (cpu.user + cpu.system);
}

function rtp(seq: number): Uint8Array {
  const b = new Uint8Array(PACKET);
  b.set(randomBytes(PACKET), 0);
  b[0] = 0x80;
  b[1] = 96;
  b[2] = seq >> 8;
  b[3] = seq & 0xff;
  new DataView(b.buffer).setUint32(8, SSRC);
  return b;
}

function setSeq(b: Uint8Array, seq: number): void {
  b[2] = (seq >> 8) & 0xff;
  b[3] = seq & 0xff;
}

interface Row {
  profile: string;
  op: string;
  ours: number;
  oursAlloc: number;
  werift: number | undefined;
  floor: number;
  naive: number | undefined;
}

/**
 * The bare node:crypto calls purertc makes for one packet, with none of our JS around them:
 * AES-CM: one reused-ECB `update` over the counter blocks + two one-shot `crypto.hash`
 * (HMAC inner and outer); GCM: createCipheriv/createDecipheriv, setAAD, (setAuthTag),
 * update, final (, getAuthTag).
 */
function floorFor(profile: Profile, op: 'protect' | 'unprotect'): (i: number) => void {
  const p = srtpProfileParams(profile);
  const key = randomBytes(p.keyLength);
  const iv = randomBytes(p.kind === 'gcm' ? 12 : 16);
  const pkt = rtp(0);
  const header = pkt.subarray(0, HEADER);
  const payload = pkt.subarray(HEADER);
  if (p.kind === 'cm') {
    const ecb = createCipheriv(p.keyLength === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
    ecb.setAutoPadding(false);
    const blocks = new Uint8Array(Math.ceil(payload.length / 16) * 16);
    const inner = new Uint8Array(64 + PACKET + 4);
    const outer = new Uint8Array(64 + 20);
    return () => {
      ecb.update(blocks);
      hash('sha1', inner, 'buffer');
      hash('sha1', outer, 'buffer');
    };
  }
  const algorithm = p.keyLength === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  if (op === 'protect') {
    return () => {
      const c = createCipheriv(algorithm, key, iv);
      c.setAAD(header);
      c.update(payload);
      c.final();
      c.getAuthTag();
    };
  }
  const c = createCipheriv(algorithm, key, iv);
  c.setAAD(header);
  const ct = c.update(payload);
  c.final();
  const tag = c.getAuthTag();
  return () => {
    const d = createDecipheriv(algorithm, key, iv);
    d.setAAD(header);
    d.setAuthTag(tag);
    d.update(ct);
    d.final();
  };
}

/** For AES-CM, the per-packet-object way (what werift does): createCipheriv('aes-*-ctr') + createHmac. */
function naiveFor(profile: Profile): ((i: number) => void) | undefined {
  const p = srtpProfileParams(profile);
  if (p.kind !== 'cm') return undefined;
  const key = randomBytes(p.keyLength);
  const authKey = randomBytes(20);
  const iv = randomBytes(16);
  const pkt = rtp(0);
  const payload = pkt.subarray(HEADER);
  const roc = new Uint8Array(4);
  const algorithm = p.keyLength === 32 ? 'aes-256-ctr' : 'aes-128-ctr';
  return () => {
    createCipheriv(algorithm, key, iv).update(payload);
    createHmac('sha1', authKey).update(pkt).update(roc).digest();
  };
}

const rows: Row[] = [];
for (const profile of Object.values(SrtpProfile)) {
  const p = srtpProfileParams(profile);
  const key = randomBytes(p.keyLength);
  const salt = randomBytes(p.saltLength);
  const werift = p.dtlsId === 1 || p.dtlsId === 7
    ? new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: p.dtlsId })
    : undefined;

  // protect
  const tx = new SrtpContext(profile, key, salt);
  const plain = rtp(0);
  const out = new Uint8Array(PACKET + p.rtpTagLength);
  const oursProtect = (i: number): void => {
    setSeq(plain, i);
    tx.protectRtp(plain, out);
  };
  const oursProtectAlloc = (i: number): void => {
    setSeq(plain, i);
    tx.protectRtp(plain);
  };
  const wHeader = new RtpHeader({ sequenceNumber: 0, ssrc: SSRC, payloadType: 96, timestamp: 0 });
  const wPayload = Buffer.from(plain.subarray(HEADER));
  const weriftProtect = werift === undefined ? undefined : (i: number): void => {
    wHeader.sequenceNumber = i & 0xffff;
    werift.encrypt(wPayload, wHeader);
  };

  // unprotect: a pool of distinct sequential packets, a fresh receiver per pass
  const sender = new SrtpContext(profile, key, salt);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < POOL; i++) pool.push(sender.protectRtp(rtp(i)));
  const wPool = werift === undefined ? [] : pool.map((b) => Buffer.from(b));
  let rx = new SrtpContext(profile, key, salt);
  const rxOut = new Uint8Array(PACKET + p.rtpTagLength);
  const oursUnprotect = (i: number): void => {
    const k = i % POOL;
    if (k === 0) rx = new SrtpContext(profile, key, salt);
    if (!rx.unprotectRtp(pool[k]!, rxOut).ok) throw new Error('unprotect failed');
  };
  const oursUnprotectAlloc = (i: number): void => {
    const k = i % POOL;
    if (k === 0) rx = new SrtpContext(profile, key, salt);
    if (!rx.unprotectRtp(pool[k]!).ok) throw new Error('unprotect failed');
  };
  let wrx = werift;
  const weriftUnprotect = werift === undefined ? undefined : (i: number): void => {
    const k = i % POOL;
    if (k === 0) wrx = new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: p.dtlsId as 1 | 7 });
    wrx!.decrypt(wPool[k]!);
  };

  for (const [op, o, oa, w] of [
    ['protect', oursProtect, oursProtectAlloc, weriftProtect],
    ['unprotect', oursUnprotect, oursUnprotectAlloc, weriftUnprotect],
  ] as const) {
    const floor = floorFor(profile, op);
    const naive = naiveFor(profile);
    const contenders = [o, oa, floor, w, naive].filter((f) => f !== undefined);
    for (const f of contenders) rate(f, 100); // warm up
    const best = contenders.map(() => 0);
    for (let r = 0; r < ROUNDS; r++) {
      contenders.forEach((f, i) => {
        best[i] = Math.max(best[i]!, rate(f, MS));
      });
    }
    const at = (f: unknown): number | undefined => (f === undefined ? undefined : best[contenders.indexOf(f as (i: number) => void)]);
    rows.push({ profile, op, ours: best[0]!, oursAlloc: best[1]!, floor: best[2]!, werift: at(w), naive: at(naive) });
  }
}

const k = (n: number | undefined): string => (n === undefined ? '-' : `${(n / 1000).toFixed(0)}k`);
console.log(`SRTP, ${PACKET}-byte RTP packets, packets per CPU-second, best of ${ROUNDS} (node ${process.version})`);
console.log('purertc: into a reused buffer; alloc: new output each packet; floor: the bare node:crypto calls purertc makes;');
console.log('ctr+hmac: createCipheriv(aes-ctr) + createHmac per packet (the usual way, werift\'s)');
console.log(['profile'.padEnd(29), 'op'.padEnd(10), 'purertc', '  alloc', ' werift', '  floor', 'ctr+hmac', 'x werift', 'floor/ours'].join(' '));
for (const r of rows) {
  console.log(
    [
      r.profile.padEnd(29),
      r.op.padEnd(10),
      k(r.ours).padStart(7),
      k(r.oursAlloc).padStart(7),
      k(r.werift).padStart(7),
      k(r.floor).padStart(7),
      k(r.naive).padStart(8),
      (r.werift === undefined ? '-' : (r.ours / r.werift).toFixed(2)).padStart(8),
      (r.floor / r.ours).toFixed(2).padStart(10),
    ].join(' '),
  );
}
