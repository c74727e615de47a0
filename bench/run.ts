/**
 * Runs every benchmark in bench/ one after the other, each in its own process (so one
 * bench's warm JIT or garbage does not colour the next), and prints their output.
 * Run: npm run bench [-- name ...]   e.g. `npm run bench -- srtp stun`
 * Benches compare purertc with werift in the same run; figures vary up to 2x between
 * runs on a shared 2-core machine, so compare ratios within one run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// `<bench>-<part>.ts` beside `<bench>.ts` is a helper of that bench (e.g. peer-side.ts,
// the child process of peer.ts), not a bench of its own.
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts');
const all = files
  .map((f) => f.slice(0, -3))
  .filter((name) => !files.some((f) => name.startsWith(`${f.slice(0, -3)}-`)))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown bench ${unknown.join(', ')}; have: ${all.join(', ')}\n`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const [i, name] of chosen.entries()) {
  process.stdout.write(`\n=== [${i + 1}/${chosen.length}] bench/${name}.ts ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${name}.ts exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
