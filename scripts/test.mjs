#!/usr/bin/env node
// `npm test`: runs vitest inside a private network namespace that has only loopback, so
// no test (Chrome included) can reach another address. When this process can see other
// interfaces and may create namespaces (root, with `unshare` and `ip`), it re-runs itself
// under `unshare -n`; inside such a namespace (as .ci/run calls it) it runs vitest
// directly. Elsewhere it runs vitest directly and says that the loopback-only tests may
// not hold. Extra arguments go to vitest: `npm test -- test/sdp`.
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

const args = process.argv.slice(2);
const others = Object.entries(networkInterfaces()).filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal));
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;

let r;
if (others.length > 0 && process.getuid?.() === 0 && has('unshare') && has('ip')) {
  const vitest = ['npx', 'vitest', 'run', ...args].map(quote).join(' ');
  r = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && ${vitest}`], { stdio: 'inherit' });
} else {
  if (others.length > 0) {
    console.warn(`npm test: interfaces other than loopback are visible (${others.map(([n]) => n).join(', ')}) and no private namespace can be made here (needs root, unshare and ip); the Chrome tests expect loopback only.`);
  }
  r = spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit' });
}
process.exit(r.status ?? 1);
