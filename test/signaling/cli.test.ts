/**
 * `purertc signal` as a user runs it (src/cli/signal.ts through src/cli/main.ts): it
 * prints its URL, serves clients, logs joins, stops cleanly on SIGINT and SIGTERM
 * (clients see 1001 "going away", RFC 6455 section 7.4.1), and says clearly when the
 * port is taken.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SignalingClient, createSignalingServer } from '../../src/signaling/index.js';

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  waitFor(re: RegExp): Promise<RegExpExecArray>;
}

function runCli(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'signal', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out);
          if (m) {
            waiters.delete(check);
            resolve(m);
          }
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (waiters.delete(check)) reject(new Error(`exited (${code}) before ${String(re)}:\n${out}`));
        });
      }),
  };
}

describe('purertc signal', () => {
  it('serves until SIGINT, logs joins, closes clients with 1001', async () => {
    const cli = runCli(['--port', '0', '--host', '127.0.0.1']);
    try {
      const [, url] = await cli.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)\n/);
      await cli.waitFor(/browser client at http:\/\/127\.0\.0\.1:\d+\/purertc-signaling\.js/);
      const a = await SignalingClient.connect(url as string);
      const b = await SignalingClient.connect(url as string);
      await a.join('lobby');
      await b.join('lobby');
      b.message('hi');
      expect(await a.next('message')).toEqual({ type: 'message', from: b.id, data: 'hi' });
      await cli.waitFor(new RegExp(`${b.id} joined 'lobby'`));
      cli.child.kill('SIGINT');
      expect((await a.closed).code).toBe(1001);
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain('purertc signal: SIGINT, shutting down');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('stops on SIGTERM too', async () => {
    const cli = runCli(['--port', '0', '--quiet']);
    try {
      await cli.waitFor(/listening on/);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain('SIGTERM, shutting down');
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('a port in use is a clear error and exit code 1', async () => {
    const taken = await createSignalingServer({ host: '127.0.0.1', port: 0 });
    try {
      const cli = runCli(['--port', String(taken.port), '--host', '127.0.0.1']);
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toContain(`purertc signal: port ${taken.port} on 127.0.0.1 is already in use`);
    } finally {
      await taken.close();
    }
  });

  it('bad flags are usage errors', async () => {
    const cli = runCli(['--port', '70000']);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('--port must be 0..65535');
  });
});
