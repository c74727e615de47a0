/**
 * What the sans-IO peer tells the W3C facade about its transceivers beyond media itself:
 * the associated remote streams of every remote description (W3C webrtc-pc 4.4.1.6
 * "process remote tracks", "set the associated remote streams"), the [[NegotiationNeeded]]
 * flag (W3C 4.7.3), whether a=rtcp-rsize was negotiated (RFC 5506 section 5) and RTCP BYE
 * from the remote sender (RFC 3550 section 6.6), and the transport a mid uses (W3C 5.5
 * RTCDtlsTransport, 5.6 RTCIceTransport).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PeerEvent } from '../../src/peer/peer-connection.js';
import { X509Certificate } from 'node:crypto';
import { PeerPair } from './helpers.js';
import { advance, connected, negotiateMedia, vp8Frame } from './helpers.js';

type TrackEvent = Extract<PeerEvent, { type: 'track' }>;

function tracksSince(events: readonly PeerEvent[], from: number): TrackEvent[] {
  return events.slice(from).filter((x): x is TrackEvent => x.type === 'track');
}

describe('peer transceiver info for the W3C facade', () => {
  it('remoteStreamIds follow every remote description; a new stream is a new track event, a dropped one is not', () => {
    const p = new PeerPair(61);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s1', 's2'] });
    negotiateMedia(p, 'a');
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s1', 's2']);
    expect(tracksSince(p.b.events, 0)).toHaveLength(1);

    // Only a stream taken away: the streams change, no 'track' (no addition to addList).
    let mark = p.b.events.length;
    p.a.pc.setSendTrack(p.now, v, { trackId: 'cam', streamIds: ['s1'] });
    negotiateMedia(p, 'a');
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s1']);
    expect(tracksSince(p.b.events, mark)).toEqual([]);

    // A stream added: 'track' again for the same track id, with the new streams.
    mark = p.b.events.length;
    p.a.pc.setSendTrack(p.now, v, { trackId: 'cam', streamIds: ['s1', 's3'] });
    negotiateMedia(p, 'a');
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s1', 's3']);
    expect(tracksSince(p.b.events, mark)).toEqual([{ type: 'track', mid: v, kind: 'video', streamIds: ['s1', 's3'], trackId: 'cam' }]);

    // The remote stops sending: msids is the empty list (W3C 4.4.1.6 step 5), track removed.
    mark = p.b.events.length;
    p.a.pc.setTransceiverDirection(p.now, v, 'inactive');
    negotiateMedia(p, 'a');
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual([]);
    expect(p.b.events.slice(mark).filter((e) => e.type === 'track-removed')).toEqual([{ type: 'track-removed', mid: v }]);
    expect(tracksSince(p.b.events, mark)).toEqual([]);
  });

  it('remoteStreamIds come from a remote offer before it is answered, and a rollback restores them', () => {
    const p = new PeerPair(62);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s1'] });
    negotiateMedia(p, 'a');
    p.a.pc.setSendTrack(p.now, v, { trackId: 'cam', streamIds: ['s2'] });
    const offer = p.a.pc.createOffer(p.now);
    p.a.pc.setLocalDescription(p.now, offer);
    p.b.pc.setRemoteDescription(p.now, { type: 'offer', sdp: offer.sdp });
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s2']);
    p.b.pc.setRemoteDescription(p.now, { type: 'rollback', sdp: '' });
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s1']);
  });

  it('negotiationNeeded is the W3C flag: set by a change, cleared by the exchange that carries it, false once closed', () => {
    const p = new PeerPair(63);
    expect(p.a.pc.negotiationNeeded).toBe(false);
    const v = p.a.pc.addTransceiver(0, 'video', 'sendrecv');
    expect(p.a.pc.negotiationNeeded).toBe(true);
    negotiateMedia(p, 'a');
    expect([p.a.pc.negotiationNeeded, p.b.pc.negotiationNeeded]).toEqual([false, false]);
    p.a.pc.setTransceiverDirection(p.now, v, 'recvonly');
    expect(p.a.pc.negotiationNeeded).toBe(true);
    // Back to what was negotiated before any exchange: nothing is needed any more (4.7.3).
    p.a.pc.setTransceiverDirection(p.now, v, 'sendrecv');
    expect(p.a.pc.negotiationNeeded).toBe(false);
    p.a.pc.createDataChannel(p.now, { label: 'x' });
    expect(p.a.pc.negotiationNeeded).toBe(true);
    p.a.pc.close(p.now);
    expect(p.a.pc.negotiationNeeded).toBe(false);
  });

  it('rtcpReducedSize is what the answer negotiated (RFC 5506 section 5)', () => {
    const plain = new PeerPair(64);
    const v = plain.a.pc.addTransceiver(0, 'video', 'sendrecv');
    expect(plain.a.pc.transceiverInfo(v)?.rtcpReducedSize).toBe(false);
    negotiateMedia(plain, 'a');
    expect([plain.a.pc.transceiverInfo(v)?.rtcpReducedSize, plain.b.pc.transceiverInfo(v)?.rtcpReducedSize]).toEqual([true, true]);

    const full = new PeerPair(65);
    const w = full.a.pc.addTransceiver(0, 'video', 'sendrecv');
    negotiateMedia(full, 'a', { editOffer: (sdp) => sdp.replace(/a=rtcp-rsize\r\n/g, '') });
    expect(full.b.pc.localDescription?.sdp).not.toContain('a=rtcp-rsize');
    expect([full.a.pc.transceiverInfo(w)?.rtcpReducedSize, full.b.pc.transceiverInfo(w)?.rtcpReducedSize]).toEqual([false, false]);
  });

  it('an RTCP BYE from the remote sender becomes a bye event on its mid (RFC 3550 section 6.6)', () => {
    const p = new PeerPair(66);
    const a1 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s'] });
    const a2 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam2', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    expect(p.a.pc.sendFrame(p.now, a1, vp8Frame(0, true, 300))).toBe(true);
    expect(p.a.pc.sendFrame(p.now, a2, vp8Frame(0, true, 300))).toBe(true);
    advance(p, 100);
    expect(p.b.events.filter((e) => e.type === 'bye')).toEqual([]);
    p.a.pc.stopTransceiver(p.now, a1);
    advance(p, 100);
    expect(p.b.events.filter((e) => e.type === 'bye')).toEqual([{ type: 'bye', mid: a1 }]);
  });

  it('transportInfo: none before a description, one BUNDLE transport for every mid, states, roles, pair and certificate', () => {
    const p = new PeerPair(67);
    const v = p.a.pc.addTransceiver(0, 'video', 'sendrecv');
    const au = p.a.pc.addTransceiver(0, 'audio', 'sendrecv');
    expect(p.a.pc.transportInfo(v)).toBeUndefined();
    negotiateMedia(p, 'a');
    expect(p.a.pc.transportInfo('no-such-mid')).toBeUndefined();
    const [tv, ta, td] = [p.a.pc.transportInfo(v)!, p.a.pc.transportInfo(au)!, p.a.pc.transportInfo()!];
    expect(ta.id).toBe(tv.id);
    expect(td.id).toBe(tv.id);
    expect(tv.mid).toBe(v);
    p.run(() => connected(p));
    const a = p.a.pc.transportInfo(v)!;
    const b = p.b.pc.transportInfo(v)!;
    expect([a.dtlsState, b.dtlsState]).toEqual(['connected', 'connected']);
    expect([a.iceRole, b.iceRole]).toEqual(['controlling', 'controlled']);
    expect(['connected', 'completed']).toContain(a.iceState);
    expect(a.iceGatheringState).toBe('complete');
    // The selected pair seen from both ends: each one's local candidate is the other's remote.
    expect([a.selectedPair?.local.port, a.selectedPair?.remote.port]).toEqual([b.selectedPair?.remote.port, b.selectedPair?.local.port]);
    // The remote certificate is the other side's own (OpenSSL parses it; same DER).
    expect(a.remoteCertificates).toHaveLength(1);
    expect(Buffer.from(a.remoteCertificates[0]!).equals(Buffer.from(p.b.pc.statsSnapshot().localCertificate))).toBe(true);
    expect(new X509Certificate(a.remoteCertificates[0]!).fingerprint256.replaceAll(':', '').toLowerCase())
      .toBe(p.b.pc.fingerprint.value.replaceAll(':', '').toLowerCase());
    p.a.pc.close(p.now);
    const closed = p.a.pc.transportInfo(v)!;
    expect([closed.dtlsState, closed.iceState, closed.selectedPair]).toEqual(['closed', 'closed', undefined]);
  });

  it('property: over any sequence of msid changes, remoteStreamIds is the last one sent and track fires exactly when a stream was added', () => {
    const ids = fc.uniqueArray(fc.constantFrom('s1', 's2', 's3', 's4'), { maxLength: 3 });
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 4 }), (changes) => {
        const p = new PeerPair(68);
        const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: [] });
        negotiateMedia(p, 'a');
        let current: readonly string[] = [];
        for (const next of changes) {
          const mark = p.b.events.length;
          p.a.pc.setSendTrack(p.now, v, { trackId: 'cam', streamIds: next });
          negotiateMedia(p, 'a');
          expect([...p.b.pc.transceiverInfo(v)!.remoteStreamIds].sort()).toEqual([...next].sort());
          const added = next.some((id) => !current.includes(id));
          expect(tracksSince(p.b.events, mark).length).toBe(added ? 1 : 0);
          expect(p.b.events.slice(mark).some((e) => e.type === 'track-removed')).toBe(false);
          current = next;
        }
      }),
      { numRuns: 25 },
    );
  });
});
