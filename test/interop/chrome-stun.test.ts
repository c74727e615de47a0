/**
 * Chrome gathers a server-reflexive candidate from our STUN server (RFC 8445 section
 * 5.1.1.2 gathering; RFC 8489 section 12 Binding server, section 14.2 XOR-MAPPED-ADDRESS),
 * and the address it reports is exactly the source our server saw.
 *
 * Why a NAT: libwebrtc discards a srflx candidate whose mapped address equals the local
 * address of its shared UDP socket (UDPPort::OnStunBindingRequestSucceeded keeps it only
 * when mDNS host obfuscation is on), and on plain loopback the two are always equal:
 * measured here, Chrome pointed straight at a STUN server on 127.0.0.1 gets its answer
 * and reports no srflx candidate, so such a test would prove nothing. Alternatives
 * looked at: a page without camera permission (mDNS on) does not happen with the
 * harness flags (--use-fake-ui-for-media-stream makes the permission read 'granted'),
 * and a namespace NAT needs nft or iptables, which this machine does not have (the
 * kernel has nf_tables; tc's nat action is not built in). So our server sits behind the
 * harness's user-space UDP NAT (harness/udp-nat.ts): the source the server sees (the
 * mapping's outside socket) differs from Chrome's own socket, as behind a real NAT.
 * Everything stays on 127.0.0.1, with no root and no namespaces. Chrome is pointed at
 * the NAT's port (`stun:127.0.0.1:<port>`); the NAT forwards to our server.
 *
 * What is checked against what: Chrome's srflx candidate (its decoding of our
 * XOR-MAPPED-ADDRESS) must equal the NAT mapping's outside address, which is by
 * construction the request source our server answered; its raddr/rport (RFC 8839
 * section 5.1, the base) must be Chrome's own host candidate, which is the mapping's
 * inside address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startStunServer } from '../../src/node/stun-server.js';
import { chromeAvailable, startUdpNat, useChrome } from './harness/index.js';
import type { UdpNat } from './harness/index.js';

interface CandidateFields {
  readonly transport: string;
  readonly address: string;
  readonly port: number;
  readonly type: string;
  readonly raddr: string | undefined;
  readonly rport: number | undefined;
}

/** The RFC 8839 section 5.1 candidate-attribute fields this test needs, read from Chrome's line. */
function fields(candidate: string): CandidateFields {
  const t = candidate.replace(/^a=/, '').split(' ');
  const after = (name: string): string | undefined => {
    const i = t.indexOf(name);
    return i < 0 ? undefined : t[i + 1];
  };
  const rport = after('rport');
  return {
    transport: (t[2] ?? '').toLowerCase(),
    address: t[4] ?? '',
    port: Number(t[5]),
    type: after('typ') ?? '',
    raddr: after('raddr'),
    rport: rport === undefined ? undefined : Number(rport),
  };
}

describe.skipIf(!chromeAvailable)('chrome: srflx candidate from our STUN server', () => {
  const chrome = useChrome();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reports the mapped address our server saw as the request source', async () => {
    const stun = await startStunServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => stun.close());
    const nat: UdpNat = await startUdpNat({ target: { address: stun.host, port: stun.port } });
    cleanups.push(() => nat.close());

    const page = await chrome.newPage();
    const peer = await page.createPeer('a', {
      iceServers: [{ urls: `stun:127.0.0.1:${nat.port}` }],
      dataChannels: ['x'],
    });
    await peer.createOffer();
    const candidates = (await peer.gatherCandidates()).map((c) => fields(c.candidate ?? ''));

    const srflx = candidates.filter((c) => c.type === 'srflx');
    expect(srflx).toHaveLength(1);
    const reflexive = srflx[0];
    if (reflexive === undefined) return;
    expect(reflexive.transport).toBe('udp');

    // The request our server answered came from this NAT mapping (Chrome sent through it,
    // our server's answer came back through it).
    const mapping = nat.mappings().find(
      (m) => m.outside.address === reflexive.address && m.outside.port === reflexive.port,
    );
    expect(mapping, `no NAT mapping for ${reflexive.address}:${reflexive.port}: ${JSON.stringify(nat.mappings())}`).toBeDefined();
    if (mapping === undefined) return;
    expect(mapping.datagramsIn).toBeGreaterThan(0);
    // The candidate's base is Chrome's host candidate, the mapping's inside address.
    const host = candidates.find((c) => c.type === 'host' && c.transport === 'udp');
    expect(host).toBeDefined();
    expect({ address: reflexive.raddr, port: reflexive.rport }).toEqual({ address: host?.address, port: host?.port });
    expect(mapping.inside).toEqual({ address: host?.address, port: host?.port });
    // Distinct from the base, which is why Chrome kept it.
    expect(reflexive.port).not.toBe(host?.port);
  });
});
