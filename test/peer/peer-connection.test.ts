/**
 * The sans-IO peer connection on a virtual clock (RFC 8829 JSEP, RFC 8445 ICE, RFC 6347
 * DTLS, RFC 8831/8832 data channels): two peers over an in-memory link.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidStateError } from '../../src/common/errors.js';
import { codecs, direction, fingerprints, headerExtensions, mid, parseSdp, setupRole } from '../../src/sdp/index.js';
import { PeerPair, makePeer } from './helpers.js';

const connected = (p: PeerPair): boolean => p.a.pc.connectionState === 'connected' && p.b.pc.connectionState === 'connected';

describe('PeerConnection (sans-IO) between two purertc peers', () => {
  it('negotiates a data channel, connects and carries messages both ways', () => {
    const p = new PeerPair(1);
    const ch = p.a.pc.createDataChannel(0, { label: 'chat' });
    expect(p.a.pc.pollEvent()).toEqual({ type: 'negotiationneeded' });
    p.negotiate('a');
    expect(p.a.pc.signalingState).toBe('stable');
    expect(p.b.pc.signalingState).toBe('stable');
    // RFC 8829 5.3.1 / RFC 8842 5.3: the answerer takes the active role and is the DTLS client.
    expect(p.b.pc.dtlsRole).toBe('client');
    expect(p.a.pc.dtlsRole).toBe('server');
    expect(p.a.pc.iceRole).toBe('controlling');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open') && p.b.events.some((e) => e.type === 'datachannel'));
    const remote = p.b.events.find((e) => e.type === 'datachannel');
    expect(remote).toMatchObject({ channel: { label: 'chat', ordered: true } });
    const remoteKey = remote?.type === 'datachannel' ? remote.channel.key : -1;
    p.a.pc.send(p.now, ch.key, 'hello b');
    p.a.pc.send(p.now, ch.key, new Uint8Array([1, 2, 3]));
    p.a.pc.send(p.now, ch.key, '');
    p.b.pc.send(p.now, remoteKey, 'hello a');
    p.run(() => p.messages(p.b).length === 3 && p.messages(p.a).length === 1);
    expect(p.messages(p.b)).toEqual(['hello b', new Uint8Array([1, 2, 3]), '']);
    expect(p.messages(p.a)).toEqual(['hello a']);
    // W3C 4.3.3 state order on the offerer.
    const states = p.a.events.flatMap((e) => (e.type === 'connectionstatechange' ? [e.state] : []));
    expect(states).toEqual(['connecting', 'connected']);
    const gathering = p.a.events.flatMap((e) => (e.type === 'icegatheringstatechange' ? [e.state] : []));
    expect(gathering).toEqual(['gathering', 'complete']);
    expect(p.a.events.filter((e) => e.type === 'icecandidate').at(-1)).toEqual({ type: 'icecandidate', candidate: null });
    // Closing one channel is seen by both (RFC 8831 6.7).
    p.a.pc.closeChannel(p.now, ch.key);
    p.run(() => p.a.events.some((e) => e.type === 'channel-closed') && p.b.events.some((e) => e.type === 'channel-closed'));
  });

  it('pre-negotiated channels (RFC 8832 4: no DCEP) open on both sides with the agreed id; unordered partial reliability is carried', () => {
    const p = new PeerPair(8);
    const ca = p.a.pc.createDataChannel(0, { label: 'neg', negotiated: true, id: 7, ordered: false, maxRetransmits: 0 });
    const cb = p.b.pc.createDataChannel(0, { label: 'neg', negotiated: true, id: 7, ordered: false, maxRetransmits: 0 });
    expect(ca.id).toBe(7);
    p.negotiate('a');
    p.run(() => p.a.events.some((e) => e.type === 'channel-open' && e.key === ca.key) && p.b.events.some((e) => e.type === 'channel-open' && e.key === cb.key));
    expect(p.b.events.some((e) => e.type === 'datachannel')).toBe(false);
    p.a.pc.send(p.now, ca.key, 'pre-negotiated');
    p.b.pc.send(p.now, cb.key, new Uint8Array([42]));
    p.run(() => p.messages(p.b, cb.key).length === 1 && p.messages(p.a, ca.key).length === 1);
    expect(p.messages(p.b, cb.key)).toEqual(['pre-negotiated']);
    expect(p.messages(p.a, ca.key)).toEqual([new Uint8Array([42])]);
  });

  it('the local description lists gathered candidates and end-of-candidates (RFC 8838 4.2)', () => {
    const p = new PeerPair(2);
    p.a.pc.createDataChannel(0, { label: 'x' });
    const offer = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offer);
    const sdp = p.a.pc.localDescription?.sdp ?? '';
    expect(sdp).toContain('a=candidate:');
    expect(sdp).toContain(' 10.0.0.1 10001 typ host');
    expect(sdp).toContain('a=end-of-candidates');
    const s = parseSdp(sdp);
    expect(s.media[0]?.kind).toBe('application');
    expect(sdp).toContain('a=sctp-port:5000');
    expect(sdp).toContain('a=max-message-size:262144');
    expect(setupRole(s.media[0]!, s)).toBe('actpass');
    expect(fingerprints(s.media[0]!, s)[0]).toEqual({ algorithm: 'sha-256', value: p.a.pc.fingerprint.value });
  });

  it('renegotiation adds a channel and an RTP section without breaking the connection', () => {
    const p = new PeerPair(3);
    const first = p.a.pc.createDataChannel(0, { label: 'one' });
    p.negotiate('a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    const before = p.a.events.length;
    // A second channel needs no renegotiation (W3C: the data m= section exists).
    const second = p.b.pc.createDataChannel(p.now, { label: 'two', protocol: 'json' });
    p.run(() => p.a.events.slice(before).some((e) => e.type === 'datachannel'));
    expect(p.b.events.some((e) => e.type === 'negotiationneeded' )).toBe(false);
    expect(second.id ?? p.b.events.find((e) => e.type === 'channel-id')).toBeDefined();
    // Adding audio does, and the offer from the former answerer keeps the DTLS roles.
    p.b.pc.addTransceiver(p.now, 'audio', 'recvonly');
    p.run(() => p.b.events.some((e) => e.type === 'negotiationneeded'));
    p.negotiate('b');
    const offer = parseSdp(p.b.pc.currentLocalDescription?.sdp ?? '');
    expect(offer.media.map((m) => m.kind)).toEqual(['application', 'audio']);
    expect(setupRole(offer.media[0]!, offer)).toBe('active');
    const answer = parseSdp(p.a.pc.currentLocalDescription?.sdp ?? '');
    expect(direction(answer.media[1]!, answer)).toBe('inactive');
    p.a.pc.send(p.now, first.key, 'still here');
    p.run(() => p.messages(p.b).includes('still here'));
    expect(p.a.pc.connectionState).toBe('connected');
  });

  it('an ICE restart offer changes both sides\' credentials and data keeps flowing (RFC 8445 9, RFC 8829 5.2.1)', () => {
    const p = new PeerPair(7);
    const ch = p.a.pc.createDataChannel(0, { label: 'r' });
    p.negotiate('a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    const ufragOf = (sdp: string | undefined): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
    const beforeA = ufragOf(p.a.pc.currentLocalDescription?.sdp);
    const beforeB = ufragOf(p.b.pc.currentLocalDescription?.sdp);
    const offer = p.a.pc.createOffer(p.now, { iceRestart: true });
    expect(ufragOf(offer.sdp)).not.toBe(beforeA);
    p.a.pc.setLocalDescription(p.now, offer);
    p.b.pc.setRemoteDescription(p.now, p.a.pc.localDescription ?? offer);
    const answer = p.b.pc.createAnswer(p.now);
    expect(ufragOf(answer.sdp)).not.toBe(beforeB);
    p.b.pc.setLocalDescription(p.now, answer);
    p.a.pc.setRemoteDescription(p.now, p.b.pc.localDescription ?? answer);
    p.a.pc.send(p.now, ch.key, 'after restart');
    p.run(() => p.messages(p.b).includes('after restart'));
    p.run(() => p.a.pc.iceConnectionState === 'connected' || p.a.pc.iceConnectionState === 'completed');
    expect(p.a.pc.connectionState).toBe('connected');
  });

  it('glare: both offer, the polite peer takes the remote offer by implicit rollback (W3C perfect negotiation)', () => {
    const p = new PeerPair(9);
    const ca = p.a.pc.createDataChannel(0, { label: 'from-a' });
    p.b.pc.createDataChannel(0, { label: 'from-b' });
    const offerA = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offerA);
    const offerB = p.b.pc.createOffer(0);
    p.b.pc.setLocalDescription(0, offerB);
    // b is polite: setRemoteDescription(offer) in have-local-offer rolls back implicitly.
    p.b.pc.setRemoteDescription(0, p.a.pc.localDescription ?? offerA);
    expect(p.b.pc.signalingState).toBe('have-remote-offer');
    const answer = p.b.pc.createAnswer(0);
    p.b.pc.setLocalDescription(0, answer);
    p.a.pc.setRemoteDescription(0, p.b.pc.localDescription ?? answer);
    expect([p.a.pc.signalingState, p.b.pc.signalingState]).toEqual(['stable', 'stable']);
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'datachannel') && p.b.events.some((e) => e.type === 'datachannel'));
    p.a.pc.send(p.now, ca.key, 'after glare');
    p.run(() => p.messages(p.b).includes('after glare'));
  });

  it('follows the JSEP signaling state machine with rollback (RFC 8829 3.2, 4.1.10.2)', () => {
    const a = makePeer(10, '10.0.0.1', 1).pc;
    const b = makePeer(11, '10.0.0.2', 2).pc;
    a.createDataChannel(0, { label: 'x' });
    expect(() => a.createAnswer(0)).toThrow(InvalidStateError);
    expect(() => a.setRemoteDescription(0, { type: 'answer', sdp: 'v=0\r\n' })).toThrow(InvalidStateError);
    const offer = a.createOffer(0);
    a.setLocalDescription(0, offer);
    expect(a.signalingState).toBe('have-local-offer');
    expect(() => a.setRemoteDescription(0, { type: 'answer', sdp: offer.sdp })).toThrow(InvalidArgumentError);
    a.setLocalDescription(0, { type: 'rollback', sdp: '' });
    expect(a.signalingState).toBe('stable');
    expect(a.pendingLocalDescription).toBeUndefined();
    b.setRemoteDescription(0, offer);
    expect(b.signalingState).toBe('have-remote-offer');
    expect(() => b.createOffer(0)).toThrow(InvalidStateError);
    b.setRemoteDescription(0, { type: 'rollback', sdp: '' });
    expect(b.signalingState).toBe('stable');
    expect(() => b.setRemoteDescription(0, { type: 'offer', sdp: 'not sdp' })).toThrow(InvalidArgumentError);
    expect(() => b.addIceCandidate(0, { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0' })).toThrow(InvalidStateError);
    a.close(0);
    expect(a.signalingState).toBe('closed');
    expect(a.connectionState).toBe('closed');
    expect(() => a.createOffer(0)).toThrow(InvalidStateError);
  });

  it('answers a Chrome 156 offer with audio, video and data (codecs and extmap ids from the offer)', () => {
    const text = readFileSync('vectors/chromium-156/offer-audio-video-datachannel.sdp', 'utf8');
    const offer = parseSdp(text);
    const pc = makePeer(20, '10.0.0.2', 2).pc;
    pc.setRemoteDescription(0, { type: 'offer', sdp: text });
    const answerText = pc.createAnswer(0).sdp;
    pc.setLocalDescription(0, { type: 'answer', sdp: answerText });
    const answer = parseSdp(answerText);
    expect(answer.media.map((m) => m.kind)).toEqual(offer.media.map((m) => m.kind));
    expect(answer.media.map((m) => mid(m))).toEqual(offer.media.map((m) => mid(m)));
    for (let i = 0; i < offer.media.length; i++) {
      const o = offer.media[i]!;
      const a = answer.media[i]!;
      expect(a.port).not.toBe(0);
      if (o.kind === 'application') continue;
      const offered = new Map(codecs(o).map((c) => [c.payloadType, c]));
      const names = codecs(a).map((c) => c.name.toLowerCase());
      for (const c of codecs(a)) expect(offered.get(c.payloadType)?.name.toLowerCase()).toBe(c.name.toLowerCase());
      if (o.kind === 'audio') expect(names).toContain('opus');
      else expect(names).toEqual(expect.arrayContaining(['vp8', 'h264']));
      expect(names.every((n) => ['opus', 'vp8', 'h264', 'vp9', 'av1', 'rtx'].includes(n))).toBe(true);
      const offeredExt = new Map(headerExtensions(o, offer).map((e) => [e.uri, e.id]));
      for (const e of headerExtensions(a, answer)) expect(offeredExt.get(e.uri)).toBe(e.id);
      expect(['recvonly', 'inactive']).toContain(direction(a, answer));
      expect(a.attributes.some((x) => x.type === 'rtcp-mux')).toBe(true);
    }
    expect(answer.attributes.find((x) => x.type === 'group')).toMatchObject({ semantics: 'BUNDLE', mids: offer.media.map((m) => mid(m)) });
    expect(setupRole(answer.media[0]!, answer)).toBe('active');
  });

  it('does not connect when the remote fingerprint is wrong (RFC 8122 5)', () => {
    const p = new PeerPair(4);
    p.a.pc.createDataChannel(0, { label: 'x' });
    const offer = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offer);
    const bad = (p.a.pc.localDescription?.sdp ?? '').replace(/a=fingerprint:sha-256 (..)/, (_m, x: string) => `a=fingerprint:sha-256 ${x === '00' ? '11' : '00'}`);
    p.b.pc.setRemoteDescription(0, { type: 'offer', sdp: bad });
    const answer = p.b.pc.createAnswer(0);
    p.b.pc.setLocalDescription(0, answer);
    p.a.pc.setRemoteDescription(0, p.b.pc.localDescription ?? answer);
    p.run(() => p.b.pc.connectionState === 'failed', 100_000);
    expect(p.b.pc.connectionState).toBe('failed');
    expect(p.a.events.some((e) => e.type === 'channel-open')).toBe(false);
  });

  it('closing one peer closes the channels of the other (SCTP ABORT, DTLS close_notify)', () => {
    const p = new PeerPair(6);
    p.a.pc.createDataChannel(0, { label: 'x' });
    p.negotiate('a');
    p.run(() => connected(p) && p.b.events.some((e) => e.type === 'datachannel'));
    p.a.pc.close(p.now);
    expect(p.a.pc.pollTimeout()).toBeUndefined();
    const t0 = p.now;
    p.run(() => p.b.events.some((e) => e.type === 'channel-closed'));
    // Seen from the ABORT within one link delay, not from a consent timeout (RFC 7675: 30 s).
    expect(p.now - t0).toBeLessThan(1000);
  });

  it('a dead link goes disconnected then failed (W3C 4.3.3 aggregation; RFC 7675 consent)', () => {
    const p = new PeerPair(13);
    p.a.pc.createDataChannel(0, { label: 'x' });
    p.negotiate('a');
    p.run(() => connected(p));
    p.drop = () => true;
    p.run(() => p.a.pc.connectionState === 'failed', 500_000);
    const states = p.a.events.flatMap((e) => (e.type === 'connectionstatechange' ? [e.state] : []));
    expect(states).toEqual(['connecting', 'connected', 'disconnected', 'failed']);
    const ice = p.a.events.flatMap((e) => (e.type === 'iceconnectionstatechange' ? [e.state] : []));
    expect(ice.slice(-2)).toEqual(['disconnected', 'failed']);
  });

  it('drops garbage datagrams without throwing', () => {
    const p = new PeerPair(5);
    p.a.pc.createDataChannel(0, { label: 'x' });
    p.negotiate('a');
    p.run(() => connected(p));
    const pair = p.a.pc.selectedPair;
    expect(pair).toBeDefined();
    for (let i = 0; i < 256; i++) {
      p.a.pc.handleInput(p.now, { local: p.a.address, remote: p.b.address, data: new Uint8Array([i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) });
    }
    p.a.pc.handleInput(p.now, { local: p.a.address, remote: p.b.address, data: new Uint8Array(0) });
    expect(p.a.pc.stats.rtpDatagramsDropped).toBe(64);
    expect(p.a.pc.connectionState).toBe('connected');
  });
});
