/**
 * src/node/udp-socket.ts: the lookup that passes IP literals straight to the send (no
 * dns.lookup tick per datagram) agrees with node:net isIP on every IP literal, and a
 * socket made with it sends and receives on loopback.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIceSocket, literalFamily, remoteOf } from '../../src/node/udp-socket.js';

describe('node/udp-socket', () => {
  it('literalFamily agrees with isIP on IPv4 and IPv6 literals, and leaves names to dns.lookup', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
      expect(literalFamily(ip)).toBe(isIP(ip));
    }));
    expect(literalFamily('localhost')).toBe(0);
    expect(literalFamily('example.com')).toBe(0);
  });

  it('remoteOf drops an IPv6 zone id only', () => {
    expect(remoteOf({ address: 'fe80::1%eth0', port: 5, family: 'IPv6', size: 0 })).toEqual({ address: 'fe80::1', port: 5 });
    expect(remoteOf({ address: '127.0.0.1', port: 6, family: 'IPv4', size: 0 })).toEqual({ address: '127.0.0.1', port: 6 });
  });

  it('a socket made by createIceSocket sends to an IP literal and to a name on loopback', async () => {
    const a = createIceSocket('127.0.0.1');
    const b = createIceSocket('127.0.0.1');
    await Promise.all([a, b].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
    const got: string[] = [];
    const two = new Promise<void>((resolve) => b.on('message', (m) => {
      got.push(m.toString());
      if (got.length === 2) resolve();
    }));
    a.send('literal', b.address().port, '127.0.0.1');
    a.send('name', b.address().port, 'localhost');
    await two;
    expect(got.sort()).toEqual(['literal', 'name']);
    a.close();
    b.close();
  });
});
