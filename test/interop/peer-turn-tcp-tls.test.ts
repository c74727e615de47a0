/**
 * purertc's RTCPeerConnection reaching its TURN server over TCP (`turn:...?transport=tcp`)
 * and TLS (`turns:`), RFC 8656 section 3.1 with RFC 7065 URIs: coturn (a server we did not
 * write) listens on 127.0.0.1 with a self-signed certificate made by openssl; with
 * `iceTransportPolicy: 'relay'` the relayed candidate is the only one, data channel
 * messages cross the relay both ways, and getStats labels the selected local candidate
 * relay with relayProtocol 'tcp' / 'tls' (webrtc-stats 7.17). Our own TURN server over TCP
 * (startTurnServer `tcp: true`) serves the same way. TLS verification is on by default:
 * the self-signed certificate is refused unless given as `turnTlsCa`.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIceServerUrl } from '../../src/node/rtc-peer-connection.js';
import type { RTCConfiguration } from '../../src/node/rtc-peer-connection.js';
import { startTurnServer } from '../../src/node/turn-server.js';
import { TURNS_DEFAULT_PORT, TurnStream } from '../../src/node/turn-stream.js';
import { decodeStunMessage, encodeStunMessage, StunMethod, StunStreamFramer } from '../../src/stun/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { freeTcpPort, startCoturn, type Coturn } from '../support/coturn.js';
import { waitFor, statsWithSelectedPair } from '../support/wait.js';

let coturn: Coturn;

beforeAll(async () => {
  const minPort = 30000 + (process.pid % 20000);
  coturn = await startCoturn(
    ['--relay-ip=127.0.0.1', `--min-port=${minPort}`, `--max-port=${minPort + 50}`, '--lt-cred-mech', '--user=u:p', '--realm=r', '--allow-loopback-peers'],
    { tls: true },
  );
}, 20_000);

afterAll(async () => {
  await coturn?.stop();
});

/**
 * Relay-only purertc peer (bound on `base`) through `config`'s TURN server to a host-only
 * purertc peer on 127.0.0.1; returns the stats of the selected pair's local candidate.
 */
async function connectThroughRelay(config: RTCConfiguration, label: string, base = '127.0.0.1'): Promise<Record<string, unknown> | undefined> {
  const relayed = new NodePeer('relayed', { iceInterfaceAddresses: [base], iceTransportPolicy: 'relay', ...config });
  const host = new NodePeer('host', { iceInterfaceAddresses: ['127.0.0.1'] });
  try {
    const ch = relayed.createChannel(label);
    host.pc.onicecandidate = (e) => void (e.candidate && relayed.pc.addIceCandidate(e.candidate));
    relayed.pc.onicecandidate = (e) => void (e.candidate && host.pc.addIceCandidate(e.candidate));
    await relayed.pc.setLocalDescription(await relayed.pc.createOffer());
    await host.pc.setRemoteDescription(relayed.pc.localDescription!);
    await host.pc.setLocalDescription(await host.pc.createAnswer());
    await relayed.pc.setRemoteDescription(host.pc.localDescription!);
    const candidates = await relayed.gatherCandidates();
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) expect(c.candidate).toContain(' typ relay');
    await relayed.waitForChannel(label);
    ch.send(`through ${label}`);
    expect(await host.waitForMessages(label, 1)).toEqual([`through ${label}`]);
    host.channels.get(label)?.send(new Uint8Array(3000).fill(9));
    expect((await relayed.waitForMessages(label, 1))[0]).toEqual(new Uint8Array(3000).fill(9));
    const stats = await statsWithSelectedPair(relayed.pc);
    const transport = [...stats.values()].find((s) => s.type === 'transport');
    const pair = stats.get(String(transport?.selectedCandidatePairId));
    return stats.get(String(pair?.localCandidateId));
  } finally {
    relayed.close();
    host.close();
  }
}

describe('TURN URIs (RFC 7065 Appendix A)', () => {
  it('parses the RFC table: secure, port and transport', () => {
    expect(parseIceServerUrl('turn:example.org')).toEqual({ scheme: 'turn', host: 'example.org', port: 3478, transport: 'udp' });
    expect(parseIceServerUrl('turns:example.org')).toEqual({ scheme: 'turn', host: 'example.org', port: TURNS_DEFAULT_PORT, transport: 'tls' });
    expect(parseIceServerUrl('turn:example.org:8000')).toEqual({ scheme: 'turn', host: 'example.org', port: 8000, transport: 'udp' });
    expect(parseIceServerUrl('turn:example.org?transport=udp')).toEqual({ scheme: 'turn', host: 'example.org', port: 3478, transport: 'udp' });
    expect(parseIceServerUrl('turn:example.org?transport=tcp')).toEqual({ scheme: 'turn', host: 'example.org', port: 3478, transport: 'tcp' });
    expect(parseIceServerUrl('turns:example.org?transport=tcp')).toEqual({ scheme: 'turn', host: 'example.org', port: TURNS_DEFAULT_PORT, transport: 'tls' });
    expect(parseIceServerUrl('turn:[::1]:3479?transport=tcp')).toEqual({ scheme: 'turn', host: '::1', port: 3479, transport: 'tcp' });
    expect(parseIceServerUrl('stun:example.org')).toEqual({ scheme: 'stun', host: 'example.org', port: 3478, transport: 'udp' });
    // DTLS to the server is not something we speak; nor are out-of-range ports.
    expect(parseIceServerUrl('turns:example.org?transport=udp')).toBeUndefined();
    expect(parseIceServerUrl('turn:example.org:70000')).toBeUndefined();
    expect(parseIceServerUrl('http://example.org')).toBeUndefined();
  });

  it('never throws on arbitrary strings and keeps ports in range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `turn:${s}`), fc.string().map((s) => `turns:${s}`)), (s) => {
        const u = parseIceServerUrl(s);
        if (u) expect(u.port >= 1 && u.port <= 65535).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('TurnStream TLS verification against coturn', () => {
  const binding = encodeStunMessage({ class: 'request', method: StunMethod.Binding, transactionId: new Uint8Array(12).fill(3), attributes: [] });

  it('refuses a self-signed server certificate by default', async () => {
    const stream = new TurnStream({ server: { address: '127.0.0.1', port: coturn.tlsPort as number }, transport: 'tls', host: '127.0.0.1', onFrame: () => undefined });
    stream.send(binding);
    await waitFor(() => (stream.isClosed ? true : undefined), 'the TLS connection to be refused');
    stream.close();
  });

  it('talks STUN over TLS when the certificate is trusted through `ca`', async () => {
    const frames: Uint8Array[] = [];
    const stream = new TurnStream({
      server: { address: '127.0.0.1', port: coturn.tlsPort as number }, transport: 'tls', host: '127.0.0.1', ca: coturn.certPem as string,
      onFrame: (f) => frames.push(f),
    });
    stream.send(binding);
    const answer = await waitFor(() => frames[0], 'a Binding response over TLS');
    stream.close();
    const m = decodeStunMessage(answer);
    expect(m.class).toBe('success');
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.attributes.some((a) => a.type === 'XOR-MAPPED-ADDRESS')).toBe(true);
  });
});

describe('TurnStream TLS verification switched off', () => {
  it('accepts the self-signed certificate with rejectUnauthorized: false', async () => {
    const frames: Uint8Array[] = [];
    const stream = new TurnStream({
      server: { address: '127.0.0.1', port: coturn.tlsPort as number }, transport: 'tls', host: '127.0.0.1', rejectUnauthorized: false,
      onFrame: (f) => frames.push(f),
    });
    stream.send(encodeStunMessage({ class: 'request', method: StunMethod.Binding, transactionId: new Uint8Array(12).fill(5), attributes: [] }));
    const answer = await waitFor(() => frames[0], 'a Binding response over unverified TLS');
    stream.close();
    expect(decodeStunMessage(answer).class).toBe('success');
  });
});

describe('TurnStream and the facade against a bare TCP listener', () => {
  it('closes the stream when the server sends bytes that are neither STUN nor ChannelData', async () => {
    const conns: Socket[] = [];
    const server = createServer((c) => {
      conns.push(c);
      c.on('error', () => undefined);
      c.write(new Uint8Array(64).fill(0xff));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const frames: Uint8Array[] = [];
    const stream = new TurnStream({ server: { address: '127.0.0.1', port }, transport: 'tcp', host: '127.0.0.1', onFrame: (f) => frames.push(f) });
    try {
      stream.send(encodeStunMessage({ class: 'request', method: StunMethod.Binding, transactionId: new Uint8Array(12).fill(4), attributes: [] }));
      await waitFor(() => (stream.isClosed ? true : undefined), 'the stream to give up on junk');
      expect(frames).toEqual([]);
    } finally {
      stream.close();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('sends a framed Allocate (REQUESTED-TRANSPORT UDP) on the connection and closes it on pc.close()', async () => {
    const conns: Socket[] = [];
    const requests: ReturnType<typeof decodeStunMessage>[] = [];
    let ended = false;
    const server = createServer((c) => {
      conns.push(c);
      const framer = new StunStreamFramer();
      c.on('data', (d: Buffer) => {
        for (const f of framer.push(new Uint8Array(d))) requests.push(decodeStunMessage(f));
      });
      c.on('end', () => (ended = true));
      c.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const peer = new NodePeer('relayed', {
      iceInterfaceAddresses: ['127.0.0.1'], iceTransportPolicy: 'relay',
      iceServers: [{ urls: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', credential: 'p' }],
    });
    try {
      peer.createChannel('x');
      await peer.pc.setLocalDescription(await peer.pc.createOffer());
      const first = await waitFor(() => requests[0], 'an Allocate request over TCP');
      expect(first.class).toBe('request');
      expect(first.method).toBe(StunMethod.Allocate);
      expect(first.attributes.find((a) => a.type === 'REQUESTED-TRANSPORT')).toMatchObject({ protocol: 17 });
      expect(conns.length).toBe(1);
      peer.close();
      await waitFor(() => (ended ? true : undefined), 'the TURN connection to be closed');
    } finally {
      peer.close();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('purertc RTCPeerConnection through a TCP/TLS TURN server (relay only)', () => {
  it('relays over TCP to coturn (turn:...?transport=tcp)', async () => {
    const local = await connectThroughRelay({ iceServers: [{ urls: `turn:127.0.0.1:${coturn.port}?transport=tcp`, username: 'u', credential: 'p' }] }, 'tcp');
    expect(local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1', relayProtocol: 'tcp' });
  }, 30_000);

  it('relays over TLS to coturn (turns:), trusting its self-signed certificate via turnTlsCa', async () => {
    const local = await connectThroughRelay(
      { iceServers: [{ urls: `turns:127.0.0.1:${coturn.tlsPort}`, username: 'u', credential: 'p' }], turnTlsCa: coturn.certPem as string },
      'tls',
    );
    expect(local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1', relayProtocol: 'tls' });
  }, 30_000);

  it('relays over TCP to our own TURN server (startTurnServer tcp: true)', async () => {
    const port = await freeTcpPort();
    const server = await startTurnServer({ port, tcp: true, realm: 'r', users: { u: 'p' }, allowLoopbackPeers: true });
    try {
      const local = await connectThroughRelay({ iceServers: [{ urls: `turn:127.0.0.1:${server.port}?transport=tcp`, username: 'u', credential: 'p' }] }, 'own-tcp');
      expect(local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1', relayProtocol: 'tcp' });
    } finally {
      await server.close();
    }
  }, 30_000);

  it('reaches our own TURN server over TCP on IPv6 (turn:[::1]:port?transport=tcp) for an IPv4 relayed address', async () => {
    // The client asks for the default IPv4 relay (RFC 8656 7.1, no REQUESTED-ADDRESS-FAMILY).
    const server = await startTurnServer({ host: '::1', port: 0, relayAddress: '127.0.0.1', tcp: true, realm: 'r', users: { u: 'p' }, allowLoopbackPeers: true });
    try {
      const local = await connectThroughRelay({ iceServers: [{ urls: `turn:[::1]:${server.port}?transport=tcp`, username: 'u', credential: 'p' }] }, 'own-tcp6', '::1');
      expect(local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1', relayProtocol: 'tcp' });
    } finally {
      await server.close();
    }
  }, 30_000);
});
