/**
 * The floor node:crypto and node:dgram put under the data-channel path (bench/datachannel-proc.ts):
 * per-record AES-128-GCM seal and open as the DTLS record layer does them (one
 * createCipheriv / createDecipheriv per record: Node cannot re-key or re-IV a GCM context),
 * at the 1200-byte and the 16 KiB record sizes and for a SACK-sized record; and 1200-byte
 * and 16 KiB dgram sends to a loopback socket, with the CPU each costs. A data packet costs
 * at least one seal and one send on the sender, one receive and one open on the receiver,
 * plus, every second packet (RFC 9260 6.2), a SACK record each way.
 * Run: npx tsx bench/datachannel-floor.ts [seconds-per-case=1]
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CipherGCM, DecipherGCM } from 'node:crypto';
import { createSocket } from 'node:dgram';

const SECONDS = Number(process.argv[2] ?? 1);
const key = randomBytes(16);
const nonce = Buffer.alloc(12);
const aad = Buffer.alloc(13);
const TAG = { authTagLength: 16 } as const;

function loop(fn: (i: number) => void): { perSecond: number; us: number } {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) for (let i = 0; i < 100; i++) fn(n++);
  const s = (performance.now() - t0) / 1000;
  return { perSecond: n / s, us: (s * 1e6) / n };
}

console.log(`AES-128-GCM, one context per record (node:crypto ${process.versions.openssl}):`);
for (const size of [28, 1200 - 29, 16_384]) {
  const pt = randomBytes(size);
  const out = new Uint8Array(size + 16);
  const seal = loop((i) => {
    nonce.writeUInt32BE(i >>> 0, 8);
    const c = createCipheriv('aes-128-gcm', key, nonce, TAG) as CipherGCM;
    c.setAAD(aad);
    out.set(c.update(pt));
    c.final();
    out.set(c.getAuthTag(), size);
  });
  const c = createCipheriv('aes-128-gcm', key, nonce, TAG) as CipherGCM;
  c.setAAD(aad);
  const ct = c.update(pt);
  c.final();
  const tag = c.getAuthTag();
  const open = loop(() => {
    const d = createDecipheriv('aes-128-gcm', key, nonce, TAG) as DecipherGCM;
    d.setAuthTag(tag);
    d.setAAD(aad);
    d.update(ct);
    d.final();
  });
  const mb = (r: { perSecond: number }): string => ((r.perSecond * size) / 1e6).toFixed(0);
  console.log(
    `  ${String(size).padStart(5)} B: seal ${(seal.perSecond / 1000).toFixed(0)}k/s (${seal.us.toFixed(2)} us, ${mb(seal)} MB/s)   open ${(open.perSecond / 1000).toFixed(0)}k/s (${open.us.toFixed(2)} us, ${mb(open)} MB/s)`,
  );
}

const rx = createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
let received = 0;
rx.on('message', () => void received++);
const port = rx.address().port;
console.log('dgram send to a loopback socket (the receiver in this process, reading between batches of 64):');
for (const size of [1200, 16_384]) {
  const tx = createSocket('udp4');
  await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
  const buf = Buffer.alloc(size);
  let n = 0;
  received = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    for (let i = 0; i < 64; i++, n++) tx.send(buf, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(
    `  ${String(size).padStart(5)} B: ${(n / s / 1000).toFixed(0)}k sends/s (${((n * size) / s / 1e6).toFixed(0)} MB/s), CPU per send ${((cpu.user + cpu.system) / n).toFixed(2)} us` +
      ` (user ${(cpu.user / n).toFixed(2)}, system ${(cpu.system / n).toFixed(2)}; receiving included), ${((100 * received) / n).toFixed(0)}% read back`,
  );
  tx.close();
}
rx.close();
