/**
 * STUN decode + MESSAGE-INTEGRITY (+ FINGERPRINT) check per second for a Chrome-like
 * ICE Binding request (USERNAME, GOOG-NETWORK-INFO, ICE-CONTROLLING, PRIORITY,
 * USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT), purertc next to werift's
 * `parseMessage(data, key)` (which checks both) in the same run.
 * Run: npx tsx bench/stun.ts
 */
import { parseMessage } from 'werift';
import {
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  shortTermKey,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../src/stun/index.js';

const password = 'F1xTQJdDc2iAYkwE2bE1zf3e';
const key = shortTermKey(password);
const request = encodeStunMessage(
  {
    class: 'request',
    method: 1,
    transactionId: new Uint8Array([0x4a, 0x2b, 0x63, 0x91, 0x0d, 0x5e, 0x77, 0x12, 0x38, 0xa4, 0xc9, 0xe0]),
    attributes: [
      { type: 'USERNAME', value: 'Xk3m:8fYq' },
      { type: 'GOOG-NETWORK-INFO', networkId: 1, networkCost: 10 },
      { type: 'ICE-CONTROLLING', tieBreaker: 0x1c4d7e2f9a0b3c5dn },
      { type: 'PRIORITY', value: 1853817087 },
      { type: 'USE-CANDIDATE' },
    ],
  },
  { integrityKey: key, fingerprint: true },
);
const buf = Buffer.from(request);
const keyBuf = Buffer.from(password);

function ours(): boolean {
  const m = decodeStunMessage(buf);
  return verifyFingerprint(m) && verifyMessageIntegrity(m, key) && getAttribute(m, 'USERNAME') !== undefined;
}
function theirs(): boolean {
  const m = parseMessage(buf, keyBuf);
  return m !== undefined && m.getAttributeValue('USERNAME') !== undefined;
}

function rate(f: () => boolean, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) if (!f()) throw new Error('check failed');
    n += 1000;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

for (const f of [ours, theirs]) rate(f, 300); // warm up
// Interleaved rounds, ratio per round: the machine is shared, so compare like with like.
const ROUNDS = 7;
const results: { ours: number; werift: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const first = round % 2 === 0;
  const a = rate(first ? ours : theirs, 500);
  const b = rate(first ? theirs : ours, 500);
  results.push(first ? { ours: a, werift: b } : { ours: b, werift: a });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const o = median(results.map((r) => r.ours));
const w = median(results.map((r) => r.werift));
const ratio = median(results.map((r) => r.ours / r.werift));
process.stdout.write(`STUN decode + integrity + fingerprint, ${request.length}-byte Chrome-like Binding request (median of ${ROUNDS} interleaved 0.5 s rounds)\n`);
process.stdout.write(`  purertc: ${Math.round(o).toLocaleString('en-US')} msg/s\n`);
process.stdout.write(`  werift:  ${Math.round(w).toLocaleString('en-US')} msg/s\n`);
process.stdout.write(`  ratio purertc/werift (median of per-round ratios): ${ratio.toFixed(2)}x\n`);
