// `purertc turn` (src/cli/turn.ts): starts, allocates for a client, stops on SIGTERM;
// bad flags are clear errors.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TurnClient } from '../../src/turn/client.js';
import type { TurnClientEvent } from '../../src/turn/client.js';

const cli = (args: string[]) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'turn', ...args], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });

describe('purertc turn (CLI)', () => {
  it('allocates for a client with the given credentials and exits cleanly on SIGTERM', async () => {
    const proc = cli(['--port', '0', '--host', '127.0.0.1', '--user', 'bob:pw1', '--realm', 'cli.test', '--min-port', '44300', '--max-port', '44309']);
    const [line] = (await once(proc.stdout, 'data')) as [Buffer];
    const port = Number(/127\.0\.0\.1:(\d+)\/udp/.exec(line.toString())?.[1]);
    expect(port).toBeGreaterThan(0);
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const client = new TurnClient({ server: { family: 'IPv4', address: '127.0.0.1', port }, username: 'bob', password: 'pw1', rtoMs: 100 });
    const events: TurnClientEvent[] = [];
    const pump = (): void => {
      for (let t = client.pollTransmit(); t; t = client.pollTransmit()) socket.send(t.data, t.to.port, t.to.address);
      for (let e = client.pollEvent(); e; e = client.pollEvent()) events.push(e);
    };
    const done = new Promise<void>((resolve) => {
      socket.on('message', (d) => {
        client.handleInput(performance.now(), d);
        pump();
        if (events.length > 0) resolve();
      });
    });
    client.allocate(performance.now());
    pump();
    await done;
    expect(events[0]).toMatchObject({ type: 'allocated', relayed: { address: '127.0.0.1' } });
    const relayed = events[0]?.type === 'allocated' ? events[0].relayed.port : 0;
    expect(relayed).toBeGreaterThanOrEqual(44300);
    expect(relayed).toBeLessThanOrEqual(44309);
    socket.close();
    proc.kill('SIGTERM');
    const [code] = (await once(proc, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('rejects a malformed --user', async () => {
    const proc = cli(['--port', '0', '--user', 'nocolon', '--realm', 'r']);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(proc, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toMatch(/--user needs name:password/);
  });
});
