/**
 * getStats() (W3C webrtc-pc 8.2, webrtc-stats sections 7.9, 7.10, 7.16-7.18, 7.21) on two
 * purertc RTCPeerConnections over 127.0.0.1: every entry type, the id cross-references,
 * the selected pair seen the same way from both ends (our local candidate is their remote
 * one), each side's certificate named as the other's remote certificate, and counters that
 * rise with traffic. Chrome's own report is compared in test/interop/peer-chrome-relay.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodePeer } from './node-peer.js';
import { expectConsistent, ofType, selected } from './stats-checks.js';

const peers: NodePeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

async function connected(): Promise<{ a: NodePeer; b: NodePeer }> {
  const a = new NodePeer('a');
  const b = new NodePeer('b');
  peers.push(a, b);
  a.pc.onicecandidate = (e) => void (e.candidate && b.pc.addIceCandidate(e.candidate));
  b.pc.onicecandidate = (e) => void (e.candidate && a.pc.addIceCandidate(e.candidate));
  a.createChannel('stats');
  await b.setRemoteDescription(await a.createOffer());
  await a.setRemoteDescription(await b.createAnswer());
  await a.waitForChannel('stats');
  await b.waitForChannel('stats');
  return { a, b };
}

describe('RTCPeerConnection.getStats (purertc <-> purertc)', () => {
  it('reports every entry type with resolving cross-references and matching views from both ends', async () => {
    const { a, b } = await connected();
    const ra = await a.pc.getStats();
    const rb = await b.pc.getStats();
    for (const r of [ra, rb]) {
      expectConsistent(r);
      for (const type of ['peer-connection', 'transport', 'candidate-pair', 'local-candidate', 'remote-candidate', 'certificate', 'data-channel']) {
        expect(ofType(r, type).length, type).toBeGreaterThan(0);
      }
    }
    const sa = selected(ra);
    const sb = selected(rb);
    expect(sa.transport).toMatchObject({ dtlsState: 'connected', tlsVersion: expect.stringMatching(/^FEF[CD]$/), dtlsCipher: expect.stringMatching(/^TLS_/), iceState: expect.any(String) });
    expect(sa.transport['iceRole']).toBe('controlling');
    expect(sb.transport['iceRole']).toBe('controlled');
    expect(new Set([sa.transport['dtlsRole'], sb.transport['dtlsRole']])).toEqual(new Set(['client', 'server']));
    expect(sa.transport['selectedCandidatePairChanges']).toBeGreaterThanOrEqual(1);
    expect(sa.pair).toMatchObject({ state: 'succeeded', nominated: true });
    expect(sa.pair['requestsSent']).toBeGreaterThan(0);
    expect(sa.pair['responsesReceived']).toBeGreaterThan(0);
    expect(sa.pair['currentRoundTripTime']).toEqual(expect.any(Number));
    // One connection seen from both ends: a's local candidate is b's remote address.
    expect({ address: sa.local['address'], port: sa.local['port'] }).toEqual({ address: sb.remote['address'], port: sb.remote['port'] });
    expect({ address: sb.local['address'], port: sb.local['port'] }).toEqual({ address: sa.remote['address'], port: sa.remote['port'] });
    // a's certificate is b's remote certificate (same fingerprint and DER).
    const certA = ra.get(String(sa.transport['localCertificateId']));
    const remoteOfB = rb.get(String(sb.transport['remoteCertificateId']));
    // RTCDtlsFingerprint.value is lower case (webrtc-pc 4.9.2); stats keep the SDP's form.
    const configured = a.pc.getConfiguration().certificates?.[0]?.getFingerprints()[0]?.value;
    if (configured !== undefined) expect(String(certA?.['fingerprint']).toLowerCase()).toBe(configured);
    expect(remoteOfB?.['fingerprint']).toBe(certA?.['fingerprint']);
    expect(remoteOfB?.['base64Certificate']).toBe(certA?.['base64Certificate']);
    expect(/a=fingerprint:sha-256 (\S+)/.exec(a.pc.localDescription?.sdp ?? '')?.[1]).toBe(certA?.['fingerprint']);
    const [pcStats] = ofType(ra, 'peer-connection');
    expect(pcStats).toMatchObject({ dataChannelsOpened: 1, dataChannelsClosed: 0 });
    const [dc] = ofType(ra, 'data-channel');
    expect(dc).toMatchObject({ label: 'stats', protocol: '', state: 'open', dataChannelIdentifier: a.channels.get('stats')?.id });
  }, 20_000);

  it('counters rise with traffic: data-channel messages and bytes, pair and transport bytes', async () => {
    const { a, b } = await connected();
    const before = await a.pc.getStats();
    const ch = a.channels.get('stats');
    ch?.send('x'.repeat(1000));
    ch?.send(new Uint8Array(500));
    await b.waitForMessages('stats', 2);
    b.channels.get('stats')?.send('reply');
    await a.waitForMessages('stats', 1);
    const after = await a.pc.getStats();
    const dc0 = ofType(before, 'data-channel')[0];
    const dc1 = ofType(after, 'data-channel')[0];
    expect(Number(dc1?.['messagesSent']) - Number(dc0?.['messagesSent'])).toBe(2);
    expect(Number(dc1?.['bytesSent']) - Number(dc0?.['bytesSent'])).toBe(1500);
    expect(Number(dc1?.['messagesReceived']) - Number(dc0?.['messagesReceived'])).toBe(1);
    expect(Number(dc1?.['bytesReceived']) - Number(dc0?.['bytesReceived'])).toBe(5);
    const p0 = selected(before).pair;
    const p1 = selected(after).pair;
    // The pair carried the messages (DTLS records: more than the payload).
    expect(Number(p1['bytesSent']) - Number(p0['bytesSent'])).toBeGreaterThan(1500);
    expect(Number(p1['bytesReceived'])).toBeGreaterThan(Number(p0['bytesReceived']));
    expect(Number(p1['packetsSent'])).toBeGreaterThan(Number(p0['packetsSent']));
    expect(Number(p1['lastPacketReceivedTimestamp'])).toBeGreaterThanOrEqual(Number(p0['lastPacketReceivedTimestamp']));
    const t1 = selected(after).transport;
    expect(Number(t1['bytesSent'])).toBeGreaterThanOrEqual(Number(p1['bytesSent']));
    // What a sent on the pair is what b received on its pair, datagram for datagram.
    const rb = await b.pc.getStats();
    expect(Number(selected(rb).pair['bytesReceived'])).toBeLessThanOrEqual(Number(p1['bytesSent']));
    expect(Number(selected(rb).pair['bytesReceived'])).toBeGreaterThan(1500);
    ch?.close();
    await a.waitFor(() => ch?.readyState === 'closed', 'channel closed');
    const closed = await a.pc.getStats();
    expect(ofType(closed, 'peer-connection')[0]).toMatchObject({ dataChannelsOpened: 1, dataChannelsClosed: 1 });
  }, 20_000);
});
