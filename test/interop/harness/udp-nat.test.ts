/**
 * The test harness's user-space UDP NAT (udp-nat.ts), checked against node:dgram on
 * loopback: the server behind it sees the mapping's outside address as the source,
 * replies come back to the client from the NAT's own port, one mapping per client
 * endpoint (RFC 4787 section 4.1 endpoint-independent mapping), and datagrams to the
 * outside socket from anyone but the target are dropped (section 5 filtering).
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpNat } from './udp-nat.js';
import type { UdpNat } from './udp-nat.js';

const sockets: Socket[] = [];
const nats: UdpNat[] = [];
afterEach(async () => {
  await Promise.all(nats.splice(0).map((n) => n.close()));
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function socket(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function next(s: Socket): Promise<{ msg: Buffer; rinfo: RemoteInfo }> {
  return new Promise((r) => s.once('message', (msg, rinfo) => r({ msg, rinfo })));
}

describe('harness udp-nat', () => {
  it('maps each client endpoint to its own outside address and relays replies', async () => {
    const server = await socket();
    const nat = await startUdpNat({ target: { address: '127.0.0.1', port: server.address().port } });
    nats.push(nat);
    // The server echoes with the source it saw.
    server.on('message', (msg, rinfo) => server.send(`${msg.toString()}@${rinfo.address}:${rinfo.port}`, rinfo.port, rinfo.address));

    const c1 = await socket();
    const c2 = await socket();
    const r1 = next(c1);
    c1.send('one', nat.port, '127.0.0.1');
    const got1 = await r1;
    const r2 = next(c2);
    c2.send('two', nat.port, '127.0.0.1');
    const got2 = await r2;

    // Replies come from the address the client sent to.
    expect(got1.rinfo.port).toBe(nat.port);
    expect(got2.rinfo.port).toBe(nat.port);
    const maps = nat.mappings();
    expect(maps).toHaveLength(2);
    const m1 = maps.find((m) => m.inside.port === c1.address().port);
    const m2 = maps.find((m) => m.inside.port === c2.address().port);
    expect(got1.msg.toString()).toBe(`one@127.0.0.1:${m1?.outside.port}`);
    expect(got2.msg.toString()).toBe(`two@127.0.0.1:${m2?.outside.port}`);
    expect(m1?.outside.port).not.toBe(c1.address().port);
    expect(m1?.outside.port).not.toBe(m2?.outside.port);

    // The same client endpoint keeps its mapping.
    const again = next(c1);
    c1.send('again', nat.port, '127.0.0.1');
    expect((await again).msg.toString()).toBe(`again@127.0.0.1:${m1?.outside.port}`);
    expect(nat.mappings()).toHaveLength(2);
    expect(nat.mappings().find((m) => m.inside.port === c1.address().port)?.datagramsOut).toBe(2);
  });

  it('drops datagrams to a mapping from anyone but the target', async () => {
    const server = await socket();
    const nat = await startUdpNat({ target: { address: '127.0.0.1', port: server.address().port } });
    nats.push(nat);
    const client = await socket();
    const seen = next(server);
    client.send('open', nat.port, '127.0.0.1');
    const { rinfo } = await seen;

    const stranger = await socket();
    const strangerSent = new Promise<void>((r) => stranger.send('intrude', rinfo.port, '127.0.0.1', () => r()));
    await strangerSent;
    // Then a real reply: the client must see the reply and never the stranger's datagram.
    const reply = next(client);
    server.send('reply', rinfo.port, rinfo.address);
    expect((await reply).msg.toString()).toBe('reply');
    expect(nat.dropped).toBe(1);
  });
});
