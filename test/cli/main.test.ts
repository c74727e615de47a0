/**
 * The `purertc` command as a user types it (through tsx, as `npm run demo` does):
 * the command list, --help for every command, clear errors for bad flags, and the
 * bench command's progress and figures.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function purertc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('purertc command', () => {
  it('lists its commands and has --help for each', () => {
    const top = purertc('--help');
    expect(top.status).toBe(0);
    for (const c of ['bench', 'demo', 'signal', 'stun', 'turn']) {
      expect(top.stdout).toContain(`  ${c}`);
      const h = purertc(c, '--help');
      expect(h.status).toBe(0);
      expect(h.stdout).toContain(`usage: purertc ${c}`);
    }
  });

  it('refuses unknown commands and bad flags with a clear message', () => {
    const unknown = purertc('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = purertc('bench', '--nope');
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toContain("unknown flag '--nope'");
    const badValue = purertc('bench', '--seconds', 'soon');
    expect(badValue.status).toBe(1);
    expect(badValue.stderr).toContain("needs a number, got 'soon'");
    const badBench = purertc('bench', '--only', 'quic');
    expect(badBench.stderr).toContain("unknown bench 'quic'");
  });

  it('bench shows progress and prints a figure for each measurement', () => {
    const r = purertc('bench', '--seconds', '0.05');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[1/4] stun ...');
    expect(r.stdout).toContain('[4/4] sctp ...');
    expect(r.stdout).toMatch(/STUN Binding request decode \+ integrity\s+[\d.]+ (k |M )?msg\/s/);
    expect(r.stdout).toMatch(/SRTP_AEAD_AES_128_GCM unprotect 1200 B\s+[\d.]+ (k |M )?pkt\/s/);
    expect(r.stdout).toMatch(/DTLS 1.2 handshakes \(client \+ server\)\s+[\d.]+ (k |M )?\/s/);
    expect(r.stdout).toMatch(/SCTP data channel.*\s[\d.]+ MB\/s/);
  });
});
