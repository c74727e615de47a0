/**
 * The W3C facade (src/node/rtc-*.ts): two purertc RTCPeerConnections over real UDP
 * sockets on 127.0.0.1, data channels per RFC 8831 (strings, binary, empty, 64 KiB,
 * 256 KiB = our a=max-message-size, close seen by both).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../src/node/rtc-peer-connection.js';
import type { RTCDataChannel } from '../../src/node/rtc-data-channel.js';
import { RTCSessionDescription } from '../../src/node/rtc-session-description.js';
import { RTCIceCandidate } from '../../src/node/rtc-ice-candidate.js';
import type { RTCDataChannelEvent } from '../../src/node/rtc-events.js';
import { statsWithSelectedPair } from '../support/wait.js';

const open: RTCPeerConnection[] = [];
afterEach(() => {
  for (const pc of open.splice(0)) pc.close();
});

function peer(): RTCPeerConnection {
  const pc = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  open.push(pc);
  return pc;
}

function once<T extends Event>(target: EventTarget, type: string, filter: (e: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const f = (e: Event): void => {
      if (!filter(e as T)) return;
      target.removeEventListener(type, f);
      resolve(e as T);
    };
    target.addEventListener(type, f);
  });
}

/** Wires trickle ICE both ways and runs offer/answer. */
async function connect(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  a.onicecandidate = (e) => void b.addIceCandidate((e as unknown as { candidate: RTCIceCandidate | null }).candidate ?? undefined);
  b.onicecandidate = (e) => void a.addIceCandidate((e as unknown as { candidate: RTCIceCandidate | null }).candidate ?? undefined);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription as RTCSessionDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription as RTCSessionDescription);
}

function collect(ch: RTCDataChannel): (string | Uint8Array)[] {
  const got: (string | Uint8Array)[] = [];
  ch.addEventListener('message', (e) => {
    const d = (e as MessageEvent).data as string | ArrayBuffer;
    got.push(typeof d === 'string' ? d : new Uint8Array(d));
  });
  return got;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`gave up waiting for ${what}`);
}

describe('RTCPeerConnection (purertc <-> purertc over 127.0.0.1)', () => {
  it('opens a data channel and carries strings, binary, 0 B, 64 KiB and 256 KiB both ways; close is seen by both', async () => {
    const a = peer();
    const b = peer();
    const negotiation = once(a, 'negotiationneeded');
    const ch = a.createDataChannel('chat', { protocol: 'test' });
    expect(ch.readyState).toBe('connecting');
    await negotiation;
    const incoming = once<RTCDataChannelEvent>(b, 'datachannel');
    const opened = once(ch, 'open');
    await connect(a, b);
    const remote = (await incoming).channel;
    await opened;
    expect(remote.label).toBe('chat');
    expect(remote.protocol).toBe('test');
    expect(ch.id).toBe(remote.id);
    await until(() => a.connectionState === 'connected' && b.connectionState === 'connected', 'connected');
    expect(a.localAddresses.every((x) => x.address === '127.0.0.1')).toBe(true);

    const onB = collect(remote);
    const onA = collect(ch);
    const big64 = new Uint8Array(65536).map((_, i) => (i * 7) & 0xff);
    const big256 = new Uint8Array(262144).map((_, i) => (i * 13) & 0xff);
    ch.send('hello');
    ch.send(new Uint8Array([0, 1, 2, 255]));
    ch.send('');
    ch.send(new ArrayBuffer(0));
    ch.send(big64);
    ch.send(new DataView(big256.buffer));
    remote.send('back');
    remote.send(big64.subarray(1, 1001));
    await until(() => onB.length === 6 && onA.length === 2, 'messages');
    expect(onB[0]).toBe('hello');
    expect(onB[1]).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(onB[2]).toBe('');
    expect(onB[3]).toEqual(new Uint8Array(0));
    expect(onB[4]).toEqual(big64);
    expect(onB[5]).toEqual(big256);
    expect(onA).toEqual(['back', big64.subarray(1, 1001)]);
    expect(() => ch.send(new Uint8Array(262145))).toThrow(TypeError);

    expect(a.sctp?.maxMessageSize).toBe(262144);
    expect(a.sctp?.state).toBe('connected');
    expect(a.sctp?.maxChannels).toBeGreaterThan(0);

    const stats = await statsWithSelectedPair(a);
    const transport = [...stats.values()].find((x) => x.type === 'transport');
    expect(transport).toMatchObject({ dtlsState: 'connected', dtlsRole: 'server', iceRole: 'controlling' });
    const pair = stats.get(String(transport?.selectedCandidatePairId));
    expect(stats.get(String(pair?.localCandidateId))).toMatchObject({ address: '127.0.0.1', candidateType: 'host' });
    const dc = [...stats.values()].find((x) => x.type === 'data-channel');
    expect(dc).toMatchObject({ label: 'chat', messagesSent: 6, bytesSent: 5 + 4 + 65536 + 262144, messagesReceived: 2, bytesReceived: 4 + 1000 });

    const closedA = once(ch, 'close');
    const closedB = once(remote, 'close');
    ch.close();
    await Promise.all([closedA, closedB]);
    expect(ch.readyState).toBe('closed');
    expect(remote.readyState).toBe('closed');
    expect(() => ch.send('x')).toThrow(DOMException);
    expect([a.internalErrors, b.internalErrors]).toEqual([0, 0]);
  }, 30_000);

  it('bufferedAmount grows on send and bufferedamountlow fires when it drains below the threshold', async () => {
    const a = peer();
    const b = peer();
    const ch = a.createDataChannel('bulk');
    const incoming = once<RTCDataChannelEvent>(b, 'datachannel');
    await connect(a, b);
    const remote = (await incoming).channel;
    expect(remote.readyState).toBe('open');
    await until(() => ch.readyState === 'open', 'open');
    const got = collect(remote);
    ch.bufferedAmountLowThreshold = 16384;
    expect(ch.bufferedAmountLowThreshold).toBe(16384);
    const low = once(ch, 'bufferedamountlow');
    const chunk = new Uint8Array(16384);
    for (let i = 0; i < 64; i++) ch.send(chunk);
    expect(ch.bufferedAmount).toBeGreaterThan(16384);
    await low;
    expect(ch.bufferedAmount).toBeLessThanOrEqual(16384);
    await until(() => got.length === 64, 'all 64 chunks');
  }, 30_000);

  it('fires icecandidate only after the setLocalDescription promise settles (W3C queued tasks)', async () => {
    const a = peer();
    const order: string[] = [];
    a.onicecandidate = (e) => order.push((e as unknown as { candidate: unknown }).candidate === null ? 'end' : 'candidate');
    a.createDataChannel('x');
    const offer = await a.createOffer();
    await a.setLocalDescription(offer);
    order.push('resolved');
    await until(() => order.includes('end'), 'end of candidates');
    expect(order[0]).toBe('resolved');
    expect(order.filter((x) => x === 'candidate').length).toBeGreaterThan(0);
    expect(a.iceGatheringState).toBe('complete');
    expect(a.localDescription?.sdp).toContain('a=end-of-candidates');
  });

  it('reports W3C states and rejects out-of-order signaling with InvalidStateError', async () => {
    const a = peer();
    const states: string[] = [];
    a.onsignalingstatechange = () => states.push(a.signalingState);
    await expect(a.createAnswer()).rejects.toMatchObject({ name: 'InvalidStateError' });
    await expect(a.addIceCandidate({ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' })).rejects.toMatchObject({ name: 'InvalidStateError' });
    a.createDataChannel('x');
    const offer = await a.createOffer();
    expect(offer.type).toBe('offer');
    await a.setLocalDescription(offer);
    expect(a.signalingState).toBe('have-local-offer');
    await a.setLocalDescription({ type: 'rollback' });
    expect(a.signalingState).toBe('stable');
    expect(states).toEqual(['have-local-offer', 'stable']);
    const c = new RTCIceCandidate({ candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 52914 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd', sdpMid: '0' });
    expect(c).toMatchObject({ type: 'srflx', port: 52914, protocol: 'udp', component: 'rtp', usernameFragment: 'abcd', relatedPort: 0 });
    expect(new RTCSessionDescription({ type: 'offer', sdp: 'v=0' }).toJSON()).toEqual({ type: 'offer', sdp: 'v=0' });
    a.close();
    expect(a.connectionState).toBe('closed');
    expect(a.signalingState).toBe('closed');
    await expect(a.createOffer()).rejects.toMatchObject({ name: 'InvalidStateError' });
  });

  it('generates ECDSA certificates and uses the given one (fingerprint in the SDP)', async () => {
    const cert = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(cert.expires).toBeGreaterThan(Date.now());
    const pc = new RTCPeerConnection({ certificates: [cert], iceInterfaceAddresses: ['127.0.0.1'] });
    open.push(pc);
    pc.createDataChannel('x');
    const offer = await pc.createOffer();
    const fp = cert.getFingerprints()[0]?.value?.toUpperCase() ?? '';
    expect(offer.sdp).toContain(`a=fingerprint:sha-256 ${fp}`);
    await expect(RTCPeerConnection.generateCertificate({ name: 'RSASSA-PKCS1-v1_5' })).rejects.toMatchObject({ name: 'NotSupportedError' });
  });

  it('two purertc peers without BUNDLE (offer edited): the answerer binds a port per transport, the offerer\'s share its own, and the channel works', async () => {
    const a = peer();
    const b = peer();
    a.addTransceiver('audio', { direction: 'recvonly' });
    a.addTransceiver('video', { direction: 'recvonly' });
    const ch = a.createDataChannel('unbundled');
    a.onicecandidate = (e) => void b.addIceCandidate((e as unknown as { candidate: RTCIceCandidate | null }).candidate ?? undefined);
    b.onicecandidate = (e) => void a.addIceCandidate((e as unknown as { candidate: RTCIceCandidate | null }).candidate ?? undefined);
    await a.setLocalDescription(await a.createOffer());
    const sdp = (a.localDescription as RTCSessionDescription).sdp.split('\r\n').filter((l) => !l.startsWith('a=group:BUNDLE')).join('\r\n');
    await b.setRemoteDescription({ type: 'offer', sdp });
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription as RTCSessionDescription);
    let theirs: RTCDataChannel | undefined;
    b.ondatachannel = (e) => {
      theirs = (e as RTCDataChannelEvent).channel;
    };
    await until(() => ch.readyState === 'open' && theirs !== undefined && a.connectionState === 'connected' && b.connectionState === 'connected', 'open');
    const got = collect(theirs as RTCDataChannel);
    ch.send('own ports');
    await until(() => got.length === 1, 'the message');
    expect(got).toEqual(['own ports']);
    for (const [pc, distinct] of [[a, 1], [b, 3]] as const) {
      const r = await pc.getStats();
      const transports = [...r.values()].filter((x) => x.type === 'transport');
      expect(transports).toHaveLength(3);
      const ports = transports.map((t) => r.get(String(r.get(String(t['selectedCandidatePairId']))?.['localCandidateId']))?.['port']);
      expect(new Set(ports).size).toBe(distinct);
    }
  });
});
