// The node STUN server on a real loopback socket, queried by a plain dgram client.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStunServer } from '../../src/node/stun-server.js';
import { decodeStunMessage, encodeStunMessage, getAttribute, verifyFingerprint } from '../../src/stun/index.js';

describe('startStunServer (node:dgram)', () => {
  let server: Awaited<ReturnType<typeof startStunServer>>;
  beforeAll(async () => {
    server = await startStunServer({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a Binding request from a plain dgram client with its mapped address', async () => {
    const client = createSocket('udp4');
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    const tid = new Uint8Array(12).map((_, i) => i * 17);
    const req = encodeStunMessage({ class: 'request', method: 1, transactionId: tid, attributes: [] }, { fingerprint: true });
    const reply = once(client, 'message');
    client.send(req, server.port, '127.0.0.1');
    const [data] = (await reply) as [Buffer];
    const res = decodeStunMessage(new Uint8Array(data));
    expect(res.class).toBe('success');
    expect(res.transactionId).toEqual(tid);
    expect(getAttribute(res, 'XOR-MAPPED-ADDRESS')).toEqual({ type: 'XOR-MAPPED-ADDRESS', family: 'IPv4', address: '127.0.0.1', port: client.address().port });
    expect(verifyFingerprint(res)).toBe(true);
    // Garbage is ignored; the next request still gets its answer.
    client.send(Buffer.from('hello'), server.port, '127.0.0.1');
    const again = once(client, 'message');
    client.send(req, server.port, '127.0.0.1');
    const [data2] = (await again) as [Buffer];
    expect(decodeStunMessage(new Uint8Array(data2)).class).toBe('success');
    client.close();
  });

  it('reports a clear error when the port is in use', async () => {
    await expect(startStunServer({ host: '127.0.0.1', port: server.port })).rejects.toThrow(/already in use/);
  });

  it('close() is idempotent', async () => {
    const s = await startStunServer({ host: '127.0.0.1', port: 0 });
    expect(s.port).toBeGreaterThan(0);
    await s.close();
    await s.close();
  });
});

describe('startStunServer on IPv6 loopback', () => {
  it('answers over ::1 with an IPv6 XOR-MAPPED-ADDRESS', async () => {
    const server = await startStunServer({ host: '::1', port: 0 });
    const client = createSocket('udp6');
    client.bind(0, '::1');
    await once(client, 'listening');
    const tid = new Uint8Array(12).fill(6);
    const reply = once(client, 'message');
    client.send(encodeStunMessage({ class: 'request', method: 1, transactionId: tid, attributes: [] }), server.port, '::1');
    const [data] = (await reply) as [Buffer];
    expect(getAttribute(decodeStunMessage(new Uint8Array(data)), 'XOR-MAPPED-ADDRESS')).toEqual({ type: 'XOR-MAPPED-ADDRESS', family: 'IPv6', address: '::1', port: client.address().port });
    client.close();
    await server.close();
  });
});

describe('purertc stun (CLI)', () => {
  const cli = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stun', ...args], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });

  it('serves until SIGTERM, then exits cleanly', async () => {
    const proc = cli(['--port', '0', '--host', '127.0.0.1']);
    const [line] = (await once(proc.stdout, 'data')) as [Buffer];
    const port = Number(/127\.0\.0\.1:(\d+)\/udp/.exec(line.toString())?.[1]);
    expect(port).toBeGreaterThan(0);
    const client = createSocket('udp4');
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    const reply = once(client, 'message');
    client.send(encodeStunMessage({ class: 'request', method: 1, transactionId: new Uint8Array(12).fill(2), attributes: [] }), port, '127.0.0.1');
    const [data] = (await reply) as [Buffer];
    expect(decodeStunMessage(new Uint8Array(data)).class).toBe('success');
    client.close();
    proc.kill('SIGTERM');
    const [code] = (await once(proc, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const busy = await startStunServer({ host: '127.0.0.1', port: 0 });
    const proc = cli(['--port', String(busy.port), '--host', '127.0.0.1']);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(proc, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`purertc stun: UDP port ${busy.port} on 127.0.0.1 is already in use`));
    await busy.close();
  });
});
