// src/node ICE glue: two agents on real loopback UDP sockets; interface filtering;
// mDNS resolution against the `multicast-dns` responder (werift's dependency) on loopback;
// the DNS codec against `dns-packet`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import type { IceEvent } from '../../src/ice/index.js';
import { isUsableHostAddress, listHostAddresses } from '../../src/node/ice-interfaces.js';
import { DnsType, decodeMdnsResponse, encodeMdnsQuery, resolveMdnsName } from '../../src/node/ice-mdns.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';
import { bothConnected, linkIceTransports } from '../support/ice-udp.js';
import { useCleanups, waitFor } from '../support/wait.js';

const require = createRequire(import.meta.url);
interface DnsPacket {
  encode(p: unknown): Buffer;
  decode(b: Buffer): { id: number; questions: { name: string; type: string; class: string }[] };
}
const dnsPacket = require(path.resolve('node_modules/dns-packet/index.js')) as DnsPacket;
type Mdns = {
  on(ev: 'query', cb: (q: { questions: { name: string; type: string }[] }, rinfo: { address: string; port: number }) => void): void;
  respond(r: unknown, rinfo: { address: string; port: number }): void;
  destroy(cb?: () => void): void;
};
const multicastDns = require(path.resolve('node_modules/multicast-dns/index.js')) as (o: Record<string, unknown>) => Mdns;

const cleanups = useCleanups();

async function connectPair(address: string): Promise<[UdpIceTransport, UdpIceTransport, IceEvent[], IceEvent[]]> {
  const a = await UdpIceTransport.create({ role: 'controlling', addresses: [address], includeLoopback: true, mdnsResolver: false });
  const b = await UdpIceTransport.create({ role: 'controlled', addresses: [address], includeLoopback: true, mdnsResolver: false });
  cleanups.push(() => a.close(), () => b.close());
  const [ea, eb] = linkIceTransports(a, b);
  a.gather();
  b.gather();
  await bothConnected(a, b);
  return [a, b, ea, eb];
}

describe('UdpIceTransport on loopback', () => {
  for (const address of ['127.0.0.1', '::1']) {
    it(`two agents connect over ${address} and exchange data`, async () => {
      const [a, b, ea, eb] = await connectPair(address);
      expect(a.agent.selectedPair?.local.address).toBe(address);
      expect(a.send(new Uint8Array([0x17, 1]))).toBe(true);
      expect(b.send(new Uint8Array([0x17, 2]))).toBe(true);
      await waitFor(() => (ea.some((e) => e.type === 'data') && eb.some((e) => e.type === 'data') ? true : undefined), 'data both ways');
      a.close();
      expect(a.agent.connectionState).toBe('closed');
    });
  }
});

describe('host address enumeration (RFC 8445 5.1.1.1)', () => {
  it('filters link-local and loopback unless asked', () => {
    expect(isUsableHostAddress('169.254.1.1', 4, true)).toBe(false);
    expect(isUsableHostAddress('fe80::1', 6, true)).toBe(false);
    expect(isUsableHostAddress('127.0.0.1', 4, false)).toBe(false);
    expect(isUsableHostAddress('127.0.0.1', 4, true)).toBe(true);
    expect(isUsableHostAddress('::1', 6, false)).toBe(false);
    expect(isUsableHostAddress('192.0.2.2', 4, false)).toBe(true);
    expect(isUsableHostAddress('2001:db8::1', 6, false)).toBe(true);
    expect(isUsableHostAddress('::ffff:1.2.3.4', 6, false)).toBe(false);
  });

  it('lists loopback only when asked, IPv6 first', () => {
    const without = listHostAddresses();
    expect(without.some((a) => a.address === '127.0.0.1')).toBe(false);
    const withLo = listHostAddresses({ includeLoopback: true });
    expect(withLo.some((a) => a.address === '127.0.0.1')).toBe(true);
    const fams = withLo.map((a) => a.family);
    expect([...fams].sort((x, y) => y - x)).toEqual(fams);
  });
});

describe('mDNS (RFC 6762) resolution of .local candidates', () => {
  it('our query is a well-formed DNS question for dns-packet', () => {
    const q = dnsPacket.decode(Buffer.from(encodeMdnsQuery(7, 'abc-def.local', DnsType.A)));
    expect(q.id).toBe(7);
    expect(q.questions[0]?.name).toBe('abc-def.local');
    expect(q.questions[0]?.type).toBe('A');
  });

  it('decodes dns-packet responses, with name compression', () => {
    const bytes = dnsPacket.encode({
      type: 'response', id: 0, flags: 0x8400,
      questions: [{ type: 'A', name: 'x1.local' }],
      answers: [
        { type: 'A', name: 'x1.local', ttl: 120, data: '192.0.2.44' },
        { type: 'AAAA', name: 'x1.local', ttl: 120, data: '2001:db8::44' },
        { type: 'TXT', name: 'x1.local', ttl: 120, data: 'hi' },
      ],
    });
    const r = decodeMdnsResponse(new Uint8Array(bytes));
    expect(r.answers.map((a) => [a.name, a.type, a.address])).toEqual([
      ['x1.local', 1, '192.0.2.44'],
      ['x1.local', 28, '2001:db8::44'],
      ['x1.local', 16, undefined],
    ]);
  });

  it('property: random bytes throw only ParseError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      if (b.length > 2) b[2] = (b[2] as number) | 0x80;
      try {
        decodeMdnsResponse(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 3000 });
  });

  it('resolves a name through a multicast-dns responder on loopback', async () => {
    // multicast-dns does not bind port 0 itself: hand it a loopback socket.
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const socketPort = sock.address().port;
    const responder = multicastDns({ socket: sock, port: socketPort, bind: false, multicast: false });
    cleanups.push(() => new Promise<void>((r) => responder.destroy(() => r())));
    responder.on('query', (q, rinfo) => {
      const question = q.questions[0];
      if (question?.name === '5c3e2a8c-1111-4222-8333-944455556666.local' && question.type === 'A') {
        responder.respond({ answers: [{ type: 'A', name: question.name, ttl: 120, data: '127.0.0.1' }] }, rinfo);
      }
    });
    const address = await resolveMdnsName('5c3e2a8c-1111-4222-8333-944455556666.local', { target: { address: '127.0.0.1', port: socketPort }, bindAddress: '127.0.0.1', timeoutMs: 3000 });
    expect(address).toBe('127.0.0.1');
    const none = await resolveMdnsName('nobody.local', { target: { address: '127.0.0.1', port: socketPort }, bindAddress: '127.0.0.1', timeoutMs: 200 });
    expect(none).toBeUndefined();

    // End to end: b's host candidate reaches a under an mDNS name; a's transport resolves it.
    const name = '5c3e2a8c-1111-4222-8333-944455556666.local';
    const a = await UdpIceTransport.create({ role: 'controlling', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: { target: { address: '127.0.0.1', port: socketPort }, bindAddress: '127.0.0.1' } });
    const b = await UdpIceTransport.create({ role: 'controlled', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: false });
    cleanups.push(() => a.close(), () => b.close());
    const ea: IceEvent[] = [];
    a.on((e) => ea.push(e));
    b.on((e) => {
      if (e.type === 'candidate') a.addRemoteCandidate({ ...e.candidate, address: name });
    });
    a.on((e) => {
      if (e.type === 'candidate') b.addRemoteCandidate(e.candidate);
    });
    a.setRemoteCredentials(b.agent.localUfrag, b.agent.localPassword);
    b.setRemoteCredentials(a.agent.localUfrag, a.agent.localPassword);
    a.gather();
    b.gather();
    await bothConnected(a, b, 'connect through the mDNS-named candidate');
    expect(ea.some((e) => e.type === 'mdns-query' && e.name === name)).toBe(true);
    expect(a.agent.remoteCandidates.some((c) => c.type === 'host' && c.address === '127.0.0.1')).toBe(true);
  });
});
