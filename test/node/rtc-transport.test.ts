// W3C webrtc-pc 5.5 RTCDtlsTransport and 5.6 RTCIceTransport between two purertc
// RTCPeerConnections on 127.0.0.1: one transport object per peer (BUNDLE) shared by every
// sender, receiver and the SCTP transport; state and gathering events, the selected pair
// (checked against the other side's), the ICE roles, the remote certificate (parsed by
// OpenSSL through node:crypto X509Certificate and compared with the other side's
// fingerprint), and close() without events. Real-socket tests wait for events and never
// assert durations.
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack, RTCDtlsTransport, RTCErrorEvent, RTCIceTransport, RTCPeerConnection } from '../../src/index.js';
import { waitFor } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pair(): { a: RTCPeerConnection; b: RTCPeerConnection } {
  const a = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  const b = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  cleanups.push(() => a.close(), () => b.close());
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  return { a, b };
}
async function negotiate(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
}

/** Every event of `types` on `target`, in order. */
function record(target: EventTarget, types: readonly string[], read: () => string): string[] {
  const seen: string[] = [];
  for (const t of types) target.addEventListener(t, () => seen.push(`${t}:${read()}`));
  return seen;
}

describe('RTCDtlsTransport and RTCIceTransport (webrtc-pc 5.5, 5.6)', () => {
  it('null before a description; one object for every sender, receiver and the SCTP transport after', async () => {
    const { a, b } = pair();
    const s1 = a.addTrack(new MediaStreamTrack({ kind: 'video' }));
    const t2 = a.addTransceiver('audio');
    a.createDataChannel('x');
    expect([s1.transport, t2.sender.transport, t2.receiver.transport, a.sctp]).toEqual([null, null, null, null]);
    await a.setLocalDescription(await a.createOffer());
    const dtls = s1.transport;
    expect(dtls).toBeInstanceOf(RTCDtlsTransport);
    expect(dtls!.iceTransport).toBeInstanceOf(RTCIceTransport);
    // A balanced initial offer gives the first audio and the first video section ICE
    // credentials of their own (RFC 8843 section 10), so transports of their own until the
    // answer bundles them; sender and receiver share one.
    expect(t2.sender.transport).toBeInstanceOf(RTCDtlsTransport);
    expect(t2.sender.transport).not.toBe(dtls);
    expect(t2.receiver.transport).toBe(t2.sender.transport);
    expect(dtls!.state).toBe('new');
    expect(dtls!.getRemoteCertificates()).toEqual([]);
    expect(dtls!.iceTransport.role).toBe('controlling');
    expect(dtls!.iceTransport.component).toBe('rtp');
    expect(dtls!.iceTransport.getSelectedCandidatePair()).toBeNull();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    // The answer bundled everything: one transport, the first section's (RFC 8843 7.3.1).
    expect(t2.sender.transport).toBe(dtls);
    expect(t2.receiver.transport).toBe(dtls);
    expect(a.sctp?.transport).toBe(dtls);
    expect(b.getTransceivers()[0]!.receiver.transport?.iceTransport.role).toBe('controlled');
    expect(b.sctp?.transport).toBe(b.getTransceivers()[1]!.sender.transport);
    // A transceiver added after the exchange has no transport until a description names it.
    const late = a.addTransceiver('video');
    expect(late.sender.transport).toBeNull();
    await negotiate(a, b);
    expect(late.sender.transport).toBe(dtls);
  });

  it('states and events while connecting; the selected pair matches the other side; the certificate is the other side\'s', async () => {
    const { a, b } = pair();
    a.addTransceiver('video');
    a.createDataChannel('x');
    await a.setLocalDescription(await a.createOffer());
    expect(a.sctp).toBeNull(); // W3C 6.1.1: no SCTP transport before the answer
    await b.setRemoteDescription(a.localDescription!);
    const bDtls = b.getTransceivers()[0]!.receiver.transport!;
    const bIce = bDtls.iceTransport;
    const bDtlsEvents = record(bDtls, ['statechange'], () => bDtls.state);
    const bIceEvents = record(bIce, ['statechange', 'gatheringstatechange', 'selectedcandidatepairchange'], () => `${bIce.state}/${bIce.gatheringState}`);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const aDtls = a.sctp!.transport!;
    const aIce = aDtls.iceTransport;
    const aPairEvents = record(aIce, ['selectedcandidatepairchange'], () => aIce.state);
    let connectionSaw: string | undefined;
    a.addEventListener('connectionstatechange', () => {
      if (a.connectionState === 'connected') connectionSaw ??= aDtls.state;
    });
    await waitFor(() => (aDtls.state === 'connected' && bDtls.state === 'connected' && connectionSaw !== undefined ? true : undefined), 'dtls connected');
    // W3C 4.3.3: the connection state follows the transports, which changed first.
    expect(connectionSaw).toBe('connected');
    expect(bDtlsEvents).toEqual(['statechange:connecting', 'statechange:connected']);
    // ICE: gathering new -> gathering -> complete; new -> checking -> connected or completed
    // (the same states the connection's iceconnectionstatechange goes through).
    expect(bIceEvents.filter((e) => e.startsWith('gatheringstatechange')).map((e) => e.split('/')[1])).toEqual(['gathering', 'complete']);
    const iceStates = bIceEvents.filter((e) => e.startsWith('statechange')).map((e) => e.slice('statechange:'.length).split('/')[0]);
    expect(iceStates[0]).toBe('checking');
    expect(['connected', 'completed']).toContain(iceStates[1]);
    expect(bIceEvents.some((e) => e.startsWith('selectedcandidatepairchange'))).toBe(true);
    expect(aPairEvents.length).toBeGreaterThan(0);

    const ap = aIce.getSelectedCandidatePair()!;
    const bp = bIce.getSelectedCandidatePair()!;
    expect([ap.local.address, ap.remote.address]).toEqual(['127.0.0.1', '127.0.0.1']);
    expect([ap.local.port, ap.remote.port]).toEqual([bp.remote.port, bp.local.port]);
    expect(ap.local.component).toBe('rtp');
    expect(aIce.getSelectedCandidatePair()).toBe(ap); // stable object while the pair stays

    // The remote certificate: what OpenSSL parses, with the fingerprint the other side announces.
    const certs = aDtls.getRemoteCertificates();
    expect(certs).toHaveLength(1);
    const x509 = new X509Certificate(new Uint8Array(certs[0]!));
    const bFingerprint = b.getConfiguration().certificates![0]!.getFingerprints()[0]!;
    expect(bFingerprint.algorithm).toBe('sha-256');
    expect(x509.fingerprint256.toLowerCase()).toBe(bFingerprint.value);
    expect(certs[0]).not.toBe(aDtls.getRemoteCertificates()[0]); // a new buffer each call

    // close(): everything closed, no events (W3C 4.4.1 close).
    const closeEvents = record(aDtls, ['statechange'], () => aDtls.state);
    const closeIce = record(aIce, ['statechange', 'selectedcandidatepairchange', 'gatheringstatechange'], () => aIce.state);
    a.close();
    expect([aDtls.state, aIce.state, aIce.getSelectedCandidatePair()]).toEqual(['closed', 'closed', null]);
    await new Promise((r) => setTimeout(r, 20));
    expect([closeEvents, closeIce]).toEqual([[], []]);
    expect(aDtls.getRemoteCertificates()).toHaveLength(1);
  });

  it('the on<event> attributes are event handlers', async () => {
    const { a, b } = pair();
    a.createDataChannel('x');
    await negotiate(a, b);
    const dtls = a.sctp!.transport!;
    const seen: string[] = [];
    dtls.onstatechange = () => seen.push(dtls.state);
    dtls.iceTransport.onselectedcandidatepairchange = () => seen.push('pair');
    expect(dtls.onstatechange).toBeTypeOf('function');
    await waitFor(() => (dtls.state === 'connected' ? true : undefined), 'connected');
    expect(seen).toContain('connected');
    dtls.onstatechange = null;
    expect(dtls.onstatechange).toBeNull();
  });

  it('a certificate that does not match the fingerprint fails DTLS: error (dtls-failure), then statechange to failed', async () => {
    const { a, b } = pair();
    a.createDataChannel('x');
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    // RFC 8122 section 5: the certificate must match a=fingerprint; flip its last hex digit.
    const sdp = b.localDescription!.sdp.replace(/(a=fingerprint:sha-256 \S+)([0-9A-Fa-f])\r\n/, (_m, head: string, last: string) => `${head}${last === '0' ? '1' : '0'}\r\n`);
    expect(sdp).not.toBe(b.localDescription!.sdp);
    await a.setRemoteDescription({ type: 'answer', sdp });
    const dtls = a.sctp!.transport!;
    const seen: string[] = [];
    dtls.addEventListener('error', (e) => seen.push(`error:${e instanceof RTCErrorEvent ? e.error.errorDetail : '?'}`));
    dtls.addEventListener('statechange', () => seen.push(`statechange:${dtls.state}`));
    await waitFor(() => (dtls.state === 'failed' ? true : undefined), 'dtls failed');
    expect(seen.slice(-2)).toEqual(['error:dtls-failure', 'statechange:failed']);
    expect(dtls.getRemoteCertificates()).toEqual([]);
  });
});
