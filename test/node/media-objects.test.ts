// W3C object behaviour of the media surface (webrtc-pc 5.1-5.5, 4.4.1.6; mediacapture
// 4.2/4.3): constructors, attributes, errors, event order and the addTrack reuse rules.
// Descriptions are exchanged between two facades without waiting for ICE: nothing here
// needs media to flow (test/node/media-e2e.test.ts does).
import { afterEach, describe, expect, it } from 'vitest';
import {
  MediaStream, MediaStreamTrack, MediaStreamTrackEvent, RTCEncodedFrameEvent, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver, RTCTrackEvent,
} from '../../src/index.js';
import { TrackSource } from '../../src/node/media-stream-track.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';

const open: RTCPeerConnection[] = [];
afterEach(() => {
  for (const pc of open.splice(0)) pc.close();
});
function pc(): RTCPeerConnection {
  const p = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  open.push(p);
  return p;
}
async function negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection): Promise<void> {
  await offerer.setLocalDescription(await offerer.createOffer());
  await answerer.setRemoteDescription(offerer.localDescription!);
  await answerer.setLocalDescription(await answerer.createAnswer());
  await offerer.setRemoteDescription(answerer.localDescription!);
}
const video = (): MediaStreamTrack => new MediaStreamTrack({ kind: 'video' });
const audio = (): MediaStreamTrack => new MediaStreamTrack({ kind: 'audio' });
const errorName = async (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: unknown) => (e instanceof Error || e instanceof DOMException ? e.name : String(e)));
const thrownName = (fn: () => unknown): string => {
  try {
    fn();
    return 'none';
  } catch (e) {
    return e instanceof Error || e instanceof DOMException ? e.name : String(e);
  }
};

describe('MediaStreamTrack (mediacapture 4.3)', () => {
  it('has werift-shaped constructor, W3C attributes and stop() without an ended event', () => {
    const t = new MediaStreamTrack({ kind: 'audio', id: 'a1', label: 'mic' });
    expect([t.kind, t.id, t.label, t.enabled, t.muted, t.readyState, t.remote]).toEqual(['audio', 'a1', 'mic', true, false, 'live', false]);
    expect(video().id).toMatch(/^[0-9a-f-]{36}$/);
    expect(thrownName(() => new MediaStreamTrack({ kind: 'data' as 'audio' }))).toBe('TypeError');
    let ended = 0;
    t.onended = () => ended++;
    t.stop();
    t.stop();
    expect(t.readyState).toBe('ended');
    expect(ended).toBe(0);
    expect(thrownName(() => t.writeFrame({ data: new Uint8Array(1), timestamp: 0 }))).toBe('InvalidStateError');
  });

  it('clone() shares the source: written frames reach both, with a new id', () => {
    const t = video();
    t.enabled = false;
    const c = t.clone();
    expect(c.id).not.toBe(t.id);
    expect([c.kind, c.enabled, c.readyState]).toEqual(['video', false, 'live']);
    const seen: string[] = [];
    t.addEventListener('frame', (e) => seen.push(`t:${(e as RTCEncodedFrameEvent).frame.timestamp}`));
    c.onframe = (e) => seen.push(`c:${e.frame.timestamp}:${String(e.frame.keyframe)}`);
    c.writeFrame({ data: Uint8Array.of(1, 2), timestamp: 3000, keyframe: true });
    expect(seen).toEqual(['t:3000', 'c:3000:true']);
    c.stop();
    t.writeFrame({ data: Uint8Array.of(1), timestamp: 6000 });
    expect(seen).toEqual(['t:3000', 'c:3000:true', 't:6000']);
  });

  it('getSettings/getConstraints/applyConstraints', async () => {
    const t = audio();
    expect(t.getSettings().sampleRate).toBe(48000);
    await t.applyConstraints({ echoCancellation: false });
    expect(t.getConstraints()).toEqual({ echoCancellation: false });
  });

  it('turns receiver rtp events on with the first rtp listener and off with the last', () => {
    const calls: boolean[] = [];
    const t = new MediaStreamTrack({ kind: 'video' }, new TrackSource('video', { requestKeyframe: () => undefined, setRtpEvents: (on) => calls.push(on) }));
    expect(t.muted).toBe(true);
    const f = (): void => undefined;
    t.addEventListener('rtp', f);
    t.addEventListener('rtp', f);
    const c = t.clone();
    c.onrtp = () => undefined;
    t.removeEventListener('rtp', f);
    expect(calls).toEqual([true]);
    c.onrtp = null;
    expect(calls).toEqual([true, false]);
    t.onrtp = () => undefined;
    t.stop();
    expect(calls).toEqual([true, false, true, false]);
    // `once` listeners go after their event, `signal` ones on abort (EventTarget drops them itself).
    const u = new MediaStreamTrack({ kind: 'video' }, new TrackSource('video', { requestKeyframe: () => undefined, setRtpEvents: (on) => calls.push(on) }));
    calls.length = 0;
    let seen = 0;
    u.addEventListener('rtp', () => seen++, { once: true });
    u._rtp(rtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1 }), false);
    const abort = new AbortController();
    u.addEventListener('rtp', () => seen++, { signal: abort.signal });
    abort.abort();
    expect([seen, calls]).toEqual([1, [true, false, true, false]]);
  });
});

describe('MediaStream (mediacapture 4.2)', () => {
  it('holds tracks; script changes fire no events, UA changes do', () => {
    const a = audio();
    const v = video();
    const s = new MediaStream([a]);
    const events: string[] = [];
    s.onaddtrack = (e) => events.push(`add:${e.track.kind}`);
    s.onremovetrack = (e) => events.push(`remove:${e.track.kind}`);
    s.addTrack(v);
    expect(s.getTracks()).toEqual([a, v]);
    expect(s.getAudioTracks()).toEqual([a]);
    expect(s.getVideoTracks()).toEqual([v]);
    expect(s.getTrackById(v.id)).toBe(v);
    expect(s.getTrackById('nope')).toBeNull();
    s.removeTrack(a);
    expect(events).toEqual([]);
    expect(new MediaStream(s).getTracks()).toEqual([v]);
    expect(s.active).toBe(true);
    v.stop();
    expect(s.active).toBe(false);
    s._addTrackByUa(a);
    s._removeTrackByUa(a);
    expect(events).toEqual(['add:audio', 'remove:audio']);
    expect(new MediaStreamTrackEvent('addtrack', { track: a }).track).toBe(a);
  });
});

describe('RTCPeerConnection media methods (webrtc-pc 5.1)', () => {
  it('addTrack creates a sendrecv transceiver, refuses a track twice and after close', () => {
    const p = pc();
    const t = video();
    const s = new MediaStream([t]);
    const sender = p.addTrack(t, s);
    expect(sender).toBeInstanceOf(RTCRtpSender);
    expect(sender.track).toBe(t);
    expect(sender.streamIds).toEqual([s.id]);
    const [tr] = p.getTransceivers();
    expect(tr).toBeInstanceOf(RTCRtpTransceiver);
    expect([tr!.direction, tr!.currentDirection, tr!.mid]).toEqual(['sendrecv', null, null]);
    expect(tr!.receiver).toBeInstanceOf(RTCRtpReceiver);
    expect([tr!.receiver.track.kind, tr!.receiver.track.muted, tr!.receiver.track.readyState]).toEqual(['video', true, 'live']);
    expect(thrownName(() => p.addTrack(t))).toBe('InvalidAccessError');
    expect(thrownName(() => p.addTrack({} as MediaStreamTrack))).toBe('TypeError');
    p.close();
    expect(thrownName(() => p.addTrack(audio()))).toBe('InvalidStateError');
  });

  it('addTrack reuses a same-kind transceiver that never sent and has no track (recvonly -> sendrecv, inactive -> sendonly)', () => {
    const p = pc();
    const recv = p.addTransceiver('audio', { direction: 'recvonly' });
    const idle = p.addTransceiver('video', { direction: 'inactive' });
    expect(p.addTrack(video())).toBe(idle.sender);
    expect(idle.direction).toBe('sendonly');
    expect(p.addTrack(audio())).toBe(recv.sender);
    expect(recv.direction).toBe('sendrecv');
    // No free transceiver left: a new one.
    p.addTrack(audio());
    expect(p.getTransceivers().map((x) => [x.kind, x.direction])).toEqual([['audio', 'sendrecv'], ['video', 'sendonly'], ['audio', 'sendrecv']]);
  });

  it('addTrack does not reuse a transceiver that has sent', async () => {
    const a = pc();
    const b = pc();
    const sender = a.addTrack(video());
    await negotiate(a, b);
    const [tr] = a.getTransceivers();
    expect([tr!.mid, tr!.currentDirection]).toEqual(['0', 'sendonly']);
    a.removeTrack(sender);
    expect([sender.track, tr!.direction]).toEqual([null, 'recvonly']);
    const next = a.addTrack(video());
    expect(next).not.toBe(sender);
    expect(a.getTransceivers()).toHaveLength(2);
  });

  it('removeTrack checks its sender; transceivers report negotiated mids and directions', async () => {
    const a = pc();
    const b = pc();
    expect(thrownName(() => a.removeTrack(pc().addTrack(audio())))).toBe('InvalidAccessError');
    const t = a.addTransceiver(video(), { direction: 'sendonly' });
    await negotiate(a, b);
    expect([t.mid, t.currentDirection]).toEqual(['0', 'sendonly']);
    const remote = b.getTransceivers().find((x) => x.mid === '0');
    expect([remote?.kind, remote?.direction, remote?.currentDirection]).toEqual(['video', 'recvonly', 'recvonly']);
  });

  it('addTransceiver validates kind, direction and sendEncodings (trimmed to one encoding)', () => {
    const p = pc();
    expect(thrownName(() => p.addTransceiver('data' as 'audio'))).toBe('TypeError');
    expect(thrownName(() => p.addTransceiver('audio', { direction: 'sideways' as 'sendrecv' }))).toBe('TypeError');
    expect(thrownName(() => p.addTransceiver('video', { sendEncodings: [{ scaleResolutionDownBy: 0.5 }] }))).toBe('RangeError');
    expect(thrownName(() => p.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, { rid: 'a' }] }))).toBe('TypeError');
    const t = p.addTransceiver('video', { sendEncodings: [{ rid: 'h', maxBitrate: 900_000 }, { rid: 'l', maxBitrate: 100_000 }] });
    const params = t.sender.getParameters();
    expect(params.encodings).toHaveLength(1);
    expect(params.encodings[0]).toMatchObject({ rid: 'h', maxBitrate: 900_000, active: true });
  });

  it('a negotiationneeded queued before a negotiation that met the need is not fired after it (4.7.3)', async () => {
    const a = pc();
    const b = pc();
    a.addTrack(video());
    await negotiate(a, b);
    let late = 0;
    a.onnegotiationneeded = () => late++;
    await new Promise((r) => setTimeout(r, 30));
    expect([late, a.signalingState]).toEqual([0, 'stable']);
  });

  it('the direction setter validates and fires negotiationneeded', async () => {
    const a = pc();
    const b = pc();
    const t = a.addTransceiver('audio');
    await negotiate(a, b);
    const fired = new Promise<void>((resolve) => {
      a.onnegotiationneeded = () => resolve();
    });
    expect(thrownName(() => {
      t.direction = 'up' as 'sendrecv';
    })).toBe('TypeError');
    t.direction = 'inactive';
    await fired;
    // b has nothing to send, so it answered recvonly (RFC 3264 6.1).
    expect([t.direction, t.currentDirection]).toEqual(['inactive', 'sendonly']);
    await negotiate(a, b);
    expect(t.currentDirection).toBe('inactive');
  });

  it('ontrack fires inside setRemoteDescription with the remote streams (4.4.1.6), and track removal leaves the streams', async () => {
    const a = pc();
    const b = pc();
    const t = audio();
    const s = new MediaStream([t]);
    a.addTrack(t, s);
    const order: string[] = [];
    let event: RTCTrackEvent | undefined;
    b.onsignalingstatechange = () => order.push(`signaling:${b.signalingState}`);
    b.ontrack = (e) => {
      order.push('track');
      event = e;
    };
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    order.push('resolved');
    expect(order).toEqual(['signaling:have-remote-offer', 'track', 'resolved']);
    expect(event).toBeInstanceOf(RTCTrackEvent);
    expect(event!.streams.map((x) => x.id)).toEqual([s.id]);
    expect(event!.streams[0]!.getTracks()).toEqual([event!.track]);
    expect(event!.track).toBe(event!.receiver.track);
    expect(event!.transceiver.receiver).toBe(event!.receiver);
    expect([event!.transceiver.mid, event!.track.kind, event!.track.muted]).toEqual(['0', 'audio', true]);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    // The sender stops: b's stream loses the track (removetrack) and the track is muted.
    const removed = new Promise<string>((resolve) => {
      event!.streams[0]!.onremovetrack = (e) => resolve(e.track.id);
    });
    let muted = 0;
    event!.track.onmute = () => muted++;
    a.getTransceivers()[0]!.direction = 'inactive';
    await negotiate(a, b);
    expect(await removed).toBe(event!.track.id);
    // No packet ever arrived, so it was muted already: no mute event (mediacapture 4.3.1.3).
    expect([event!.track.muted, muted]).toEqual([true, 0]);
    expect(event!.track.readyState).toBe('live');
  });

  it('a track without streams arrives with none', async () => {
    const a = pc();
    const b = pc();
    a.addTrack(video());
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    expect(events.map((e) => e.streams.length)).toEqual([0]);
  });

  it('a remote setStreams to a new stream moves the track and fires track again (4.4.1.6 "process remote tracks" step 7)', async () => {
    const a = pc();
    const b = pc();
    const sender = a.addTrack(video(), new MediaStream());
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    const old = events[0]!.streams[0]!;
    const removed = new Promise<MediaStreamTrack>((resolve) => {
      old.onremovetrack = (e) => resolve(e.track);
    });
    const s2 = new MediaStream();
    sender.setStreams(s2);
    await negotiate(a, b);
    expect(await removed).toBe(events[0]!.track);
    expect([events.length, old.getTracks().length]).toEqual([2, 0]);
    // The same receiver and track, now in the stream named like the sender's new one.
    expect(events[1]!.track).toBe(events[0]!.track);
    expect(events[1]!.receiver).toBe(events[0]!.receiver);
    expect(events[1]!.streams.map((x) => x.id)).toEqual([s2.id]);
    expect(events[1]!.streams[0]!.getTracks()).toEqual([events[0]!.track]);
  });

  it('a remote description that only drops a stream removes the track from it without a track event', async () => {
    const a = pc();
    const b = pc();
    const s1 = new MediaStream();
    const s2 = new MediaStream();
    const sender = a.addTrack(video(), s1, s2);
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    expect(events[0]!.streams.map((x) => x.id)).toEqual([s1.id, s2.id]);
    const [r1, r2] = events[0]!.streams as [MediaStream, MediaStream];
    sender.setStreams(s1);
    await negotiate(a, b);
    expect(events.length).toBe(1);
    expect([r1.getTracks().length, r2.getTracks().length]).toEqual([1, 0]);
  });

  it('an answerer\'s addTrack reuses the transceiver the offer created and answers sendrecv', async () => {
    const a = pc();
    const b = pc();
    a.addTrack(audio(), new MediaStream());
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    const created = b.getTransceivers();
    expect(created.map((t) => [t.mid, t.direction, t.sender.track])).toEqual([['0', 'recvonly', null]]);
    const t = audio();
    const s = new MediaStream();
    expect(b.addTrack(t, s)).toBe(created[0]!.sender);
    expect(b.getTransceivers()).toHaveLength(1);
    const ontrack = new Promise<RTCTrackEvent>((resolve) => {
      a.ontrack = resolve;
    });
    await b.setLocalDescription(await b.createAnswer());
    expect(b.localDescription!.sdp).toContain('a=sendrecv');
    expect(b.localDescription!.sdp).toContain(`a=msid:${s.id} ${t.id}`);
    await a.setRemoteDescription(b.localDescription!);
    const e = await ontrack;
    expect([e.transceiver.mid, e.streams[0]!.id, a.getTransceivers()[0]!.currentDirection]).toEqual(['0', s.id, 'sendrecv']);
  });

  it('a remote offer associates an addTrack transceiver of the same kind and takes its mid (JSEP 5.10)', async () => {
    const a = pc();
    const b = pc();
    a.addTransceiver('video');
    a.addTrack(audio());
    const mine = audio();
    const sender = b.addTrack(mine);
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    const list = b.getTransceivers().map((t) => [t.kind, t.mid, t.sender.track === mine]);
    expect(list).toEqual([['audio', '1', true], ['video', '0', false]]);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    expect(b.getTransceivers().find((t) => t.sender === sender)?.currentDirection).toBe('sendrecv');
  });

  it('an addTrack transceiver of another kind stays unassociated (mid null) for our next offer', async () => {
    const a = pc();
    const b = pc();
    b.addTrack(audio());
    a.addTransceiver('video');
    await negotiate(a, b);
    expect(b.getTransceivers().map((t) => [t.kind, t.mid])).toEqual([['audio', null], ['video', '0']]);
    await negotiate(b, a);
    // a has nothing to send on either (RFC 3264 6.1 answers).
    expect(b.getTransceivers().map((t) => [t.kind, t.mid === null, t.currentDirection])).toEqual([['audio', false, 'sendonly'], ['video', false, 'recvonly']]);
  });

  it('a rollback removes the transceivers the remote offer created', async () => {
    const a = pc();
    const b = pc();
    a.addTransceiver('video');
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    const created = b.getTransceivers()[0]!;
    await b.setRemoteDescription({ type: 'rollback', sdp: '' });
    expect([b.getTransceivers().length, created.receiver.track.readyState]).toEqual([0, 'ended']);
  });

  it('createOffer keeps offerToReceiveAudio/Video working through transceivers', async () => {
    const a = pc();
    const offer = await a.createOffer({ offerToReceiveAudio: true, offerToReceiveVideo: true });
    expect(offer.sdp!.match(/^m=(audio|video)/gm)).toEqual(['m=audio', 'm=video']);
    expect(offer.sdp!.match(/a=recvonly/g)).toHaveLength(2);
    expect(a.getTransceivers().map((t) => [t.kind, t.direction])).toEqual([['audio', 'recvonly'], ['video', 'recvonly']]);
  });

  it('transceiver.stop() ends the receiver track without an event and rejects the section next time', async () => {
    const a = pc();
    const b = pc();
    const t = a.addTransceiver('video');
    await negotiate(a, b);
    let ended = 0;
    t.receiver.track.onended = () => ended++;
    const remoteTrack = b.getTransceivers()[0]!.receiver.track;
    let remoteEnded = 0;
    remoteTrack.onended = () => remoteEnded++;
    t.stop();
    expect([t.direction, t.currentDirection, t.receiver.track.readyState, ended]).toEqual(['stopped', 'sendonly', 'ended', 0]);
    await expect(errorName(t.sender.replaceTrack(video()))).resolves.toBe('InvalidStateError');
    expect(thrownName(() => {
      t.direction = 'sendrecv';
    })).toBe('InvalidStateError');
    await negotiate(a, b);
    expect(a.localDescription!.sdp).toMatch(/^m=video 0 /m);
    expect([t.currentDirection, a.getTransceivers().length]).toEqual(['stopped', 0]);
    // The remote's transceiver was stopped by the remote: its track ends with an event.
    expect([remoteTrack.readyState, remoteEnded]).toEqual(['ended', 1]);
  });

  it('close() stops every transceiver and ends receiver tracks', () => {
    const a = pc();
    const t = a.addTransceiver('audio');
    a.close();
    expect([t.currentDirection, t.receiver.track.readyState]).toEqual(['stopped', 'ended']);
    expect(thrownName(() => t.stop())).toBe('InvalidStateError');
  });

  it('setCodecPreferences accepts codecs from getCapabilities only', () => {
    const p = pc();
    const t = p.addTransceiver('video');
    const caps = RTCRtpReceiver.getCapabilities('video')!;
    expect(thrownName(() => t.setCodecPreferences([{ mimeType: 'video/XYZ', clockRate: 90000 }]))).toBe('InvalidModificationError');
    expect(thrownName(() => t.setCodecPreferences(caps.codecs.filter((c) => c.mimeType === 'video/rtx')))).toBe('InvalidModificationError');
    const vp8 = caps.codecs.find((c) => c.mimeType === 'video/VP8')!;
    t.setCodecPreferences([vp8]);
    expect(t.codecPreferences).toEqual([vp8]);
    t.setCodecPreferences([]);
    expect(t.codecPreferences).toEqual([]);
  });
});

describe('RTCRtpSender (webrtc-pc 5.2)', () => {
  it('replaceTrack checks the kind, allows null and does not need negotiation', async () => {
    const a = pc();
    const b = pc();
    const first = video();
    const sender = a.addTrack(first);
    await negotiate(a, b);
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    await expect(errorName(sender.replaceTrack(audio()))).resolves.toBe('TypeError');
    const second = video();
    let keyframeRequests = 0;
    second.onkeyframerequest = () => keyframeRequests++;
    await sender.replaceTrack(second);
    expect(sender.track).toBe(second);
    expect(keyframeRequests).toBe(1);
    await sender.replaceTrack(null);
    expect(sender.track).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect([needed, a.signalingState]).toEqual([0, 'stable']);
  });

  it('setParameters follows the transaction rules', async () => {
    const a = pc();
    const b = pc();
    const sender = a.addTrack(video());
    await negotiate(a, b);
    await expect(errorName(sender.setParameters({ transactionId: 'x', encodings: [{}], codecs: [], headerExtensions: [], rtcp: {} }))).resolves.toBe('InvalidStateError');
    const p1 = sender.getParameters();
    expect(p1.codecs[0]).toMatchObject({ mimeType: 'video/VP8', clockRate: 90000 });
    expect(p1.headerExtensions.map((h) => h.uri)).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(p1.rtcp.cname).toMatch(/.+/);
    expect(p1.encodings[0]!.ssrc).toBeGreaterThan(0);
    const p2 = sender.getParameters();
    await expect(errorName(sender.setParameters(p1))).resolves.toBe('InvalidModificationError');
    await expect(errorName(sender.setParameters({ ...p2, encodings: [...p2.encodings, {}] }))).resolves.toBe('InvalidModificationError');
    await expect(errorName(sender.setParameters({ ...p2, rtcp: { cname: 'other' } }))).resolves.toBe('InvalidModificationError');
    await expect(errorName(sender.setParameters({ ...p2, encodings: [{ ...p2.encodings[0], scaleResolutionDownBy: 0.1 }] }))).resolves.toBe('RangeError');
    await expect(errorName(sender.setParameters({ ...p2, encodings: [{ ...p2.encodings[0], ssrc: 1 }] }))).resolves.toBe('InvalidModificationError');
    // An encoding written from scratch (no ssrc, the purertc extra) is fine.
    await sender.setParameters({ ...p2, encodings: [{ active: false, maxBitrate: 250_000 }] });
    // The transaction is used up.
    await expect(errorName(sender.setParameters(p2))).resolves.toBe('InvalidStateError');
    expect(sender.getParameters().encodings[0]).toMatchObject({ active: false, maxBitrate: 250_000 });
    // getParameters results expire with the task that made them.
    const p3 = sender.getParameters();
    await new Promise((r) => setImmediate(r));
    await expect(errorName(sender.setParameters(p3))).resolves.toBe('InvalidStateError');
  });

  it('getCapabilities lists what our offers carry', async () => {
    const caps = RTCRtpSender.getCapabilities('video')!;
    expect(RTCRtpSender.getCapabilities('application')).toBeNull();
    const offer = await pc().createOffer({ offerToReceiveVideo: true, offerToReceiveAudio: true });
    const rtpmaps = [...offer.sdp!.matchAll(/a=rtpmap:\d+ ([^/\r]+)\/(\d+)/g)].map((m) => `${m[1]}/${m[2]}`);
    for (const c of [...caps.codecs, ...RTCRtpSender.getCapabilities('audio')!.codecs]) expect(rtpmaps).toContain(`${c.mimeType.split('/')[1]}/${c.clockRate}`);
    const extmaps = [...offer.sdp!.matchAll(/a=extmap:\d+ (\S+)/g)].map((m) => m[1]);
    for (const h of caps.headerExtensions) expect(extmaps).toContain(h.uri);
  });

  it('setStreams changes the msid of the next offer', async () => {
    const a = pc();
    const b = pc();
    const t = video();
    const sender = a.addTrack(t);
    await negotiate(a, b);
    const s = new MediaStream();
    sender.setStreams(s);
    await a.setLocalDescription(await a.createOffer());
    expect(a.localDescription!.sdp).toContain(`a=msid:${s.id} ${t.id}`);
  });
});

describe('RTCRtpReceiver (webrtc-pc 5.3)', () => {
  it('has parameters after negotiation, no sources before media, and checks jitterBufferTarget', async () => {
    const a = pc();
    const b = pc();
    a.addTrack(audio());
    await negotiate(a, b);
    const r = b.getReceivers()[0]!;
    expect(r.getParameters().codecs[0]).toMatchObject({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });
    expect(r.getSynchronizationSources()).toEqual([]);
    expect(r.getContributingSources()).toEqual([]);
    expect(r.transport?.iceTransport.component).toBe('rtp'); // W3C 5.3: set by the description
    expect(r.jitterBufferTarget).toBeNull();
    r.jitterBufferTarget = 100;
    expect(r.jitterBufferTarget).toBe(100);
    expect(thrownName(() => {
      r.jitterBufferTarget = 5000;
    })).toBe('RangeError');
  });
});

describe('getStats(selector) (webrtc-pc 8.2)', () => {
  it('rejects a track used by no or several senders/receivers, and non-tracks', async () => {
    const a = pc();
    await expect(errorName(a.getStats(video()))).resolves.toBe('InvalidAccessError');
    const t = video();
    a.addTransceiver(t);
    a.addTransceiver(t);
    await expect(errorName(a.getStats(t))).resolves.toBe('InvalidAccessError');
    await expect(errorName(a.getStats({} as MediaStreamTrack))).resolves.toBe('TypeError');
    const only = audio();
    a.addTrack(only);
    // Used once, nothing sent yet: an empty selection.
    expect((await a.getStats(only)).size).toBe(0);
    expect((await a.getStats()).size).toBeGreaterThan(0);
  });
});
