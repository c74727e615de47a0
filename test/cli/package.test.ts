/**
 * The package as users get it: `npm run build` emits dist/ with declarations, and every
 * entry of package.json's `exports` map (`purertc`, `purertc/sdp`, ...) loads from the
 * build in a plain Node process, as `import ... from 'purertc/<layer>'` would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types: string; default: string }>; bin: Record<string, string> };

describe('package build and exports', () => {
  it('builds dist/ and every export entry loads with its declarations beside it', () => {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
    const entries = Object.entries(pkg.exports);
    expect(entries.length).toBeGreaterThan(10);
    for (const [, target] of entries) {
      expect(existsSync(target.default), target.default).toBe(true);
      expect(existsSync(target.types), target.types).toBe(true);
    }
    const specifiers = entries.map(([sub]) => (sub === '.' ? 'purertc' : `purertc/${sub.slice(2)}`));
    const script = `const out = {}; for (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).length; console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const counts = JSON.parse(r.stdout) as Record<string, number>;
    for (const s of specifiers) expect(counts[s], s).toBeGreaterThan(0);
    const root = spawnSync(process.execPath, ['--input-type=module', '-e', "import { RTCPeerConnection } from 'purertc'; const pc = new RTCPeerConnection(); console.log(pc.signalingState); pc.close();"], { encoding: 'utf8' });
    expect(root.stdout.trim()).toBe('stable');
    const bin = spawnSync(process.execPath, [pkg.bin.purertc as string, '--help'], { encoding: 'utf8' });
    expect(bin.stdout).toContain('usage: purertc <command>');
  }, 120_000);
});
