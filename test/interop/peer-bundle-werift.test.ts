/**
 * Bundle policies (RFC 8829 section 4.1.1) against werift 0.25.2 over 127.0.0.1:
 * - purertc with "max-bundle" offers a VP8 track and a data channel, the data section
 *   bundle-only (port 0, a=bundle-only, RFC 8829 section 5.2.1, RFC 8843 section 6);
 *   werift answers it inside the BUNDLE group, and VP8 and messages flow both ways.
 * - werift with `bundlePolicy: 'disable'` offers a VP8 track and an audio section without
 *   a BUNDLE group; purertc with "max-bundle" answers with the audio section rejected (RFC
 *   8829 section 5.3.1: "not the first m= section or in the same bundle group"); werift
 *   applies that answer and VP8 flows on the video section's transport. (A rejected data
 *   section is not tried: werift 0.25.2 throws "sctpRemotePort not exist" on an answer's
 *   m=application with port 0 and no a=sctp-port.)
 * Settings from PEERS.md (werift skips loopback unless told, and waits for a STUN server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack as WMediaStreamTrack, RTCPeerConnection as WeriftPeerConnection, RTCRtpCodecParameters, Vp8Packetizer as WVp8Packetizer } from 'werift';
import type { RtpPacket as WRtpPacket } from 'werift';
import { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import { isBundleOnly, mid, parseSdp, bundleGroups } from '../../src/sdp/index.js';
import type { SessionDescription } from '../../src/sdp/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';
import { expectConsistent } from '../peer/stats-checks.js';
import { gatheredDescription, waitFor } from '../support/wait.js';

const FRAMES = 20;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function werift(bundlePolicy?: 'disable'): WeriftPeerConnection {
  const pc = new WeriftPeerConnection({
    ...WERIFT_LOOPBACK_CONFIG,
    ...(bundlePolicy ? { bundlePolicy } : {}),
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
  });
  cleanups.push(() => pc.close());
  return pc;
}

function node(bundlePolicy: 'max-bundle' | 'balanced' = 'max-bundle'): NodePeer {
  const n = new NodePeer('purertc', { iceInterfaceAddresses: ['127.0.0.1'], bundlePolicy });
  cleanups.push(() => n.close());
  return n;
}



/** A VP8 keyframe payload (RFC 6386 9.1: frame tag with P=0, start code 9d 01 2a, 320x240), numbered `n`. */
function vp8Keyframe(n: number): Uint8Array {
  const data = new Uint8Array(400);
  for (let i = 10; i < data.length; i++) data[i] = (i * 31 + n * 7) & 0xff;
  data.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
  return data;
}

/** Sends FRAMES keyframes from each side, paced. */
async function sendVideo(ours: MediaStreamTrack, theirs: WMediaStreamTrack): Promise<void> {
  const packetizer = new WVp8Packetizer({ maxPayloadSize: 1100, payloadType: 96, ssrc: 1, sequenceNumber: 100 });
  for (let i = 0; i < FRAMES; i++) {
    ours.writeFrame({ data: vp8Keyframe(i), timestamp: i * 3000, keyframe: true });
    for (const p of packetizer.packetize(Buffer.from(vp8Keyframe(1000 + i)), 5000 + i * 3000)) theirs.writeRtp(p);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** VP8 RTP packets werift's video track received. */
function weriftVideo(pc: WeriftPeerConnection): WRtpPacket[] {
  const got: WRtpPacket[] = [];
  pc.onTrack.subscribe((t) => {
    if (t.kind === 'video') t.onReceiveRtp.subscribe((p) => got.push(p));
  });
  return got;
}

/** Frames purertc's remote video track emitted. */
function purertcFrames(n: NodePeer): Uint8Array[] {
  const got: Uint8Array[] = [];
  n.pc.addEventListener('track', (e) => {
    const track = (e as unknown as { track: MediaStreamTrack }).track;
    track.addEventListener('frame', (ev) => got.push(new Uint8Array((ev as unknown as { frame: { data: Uint8Array } }).frame.data)));
  });
  return got;
}

/** werift offers (no BUNDLE group), purertc answers with a VP8 track of its own; both descriptions once gathered. */
async function answerWeriftOffer(w: WeriftPeerConnection, n: NodePeer): Promise<{ o: SessionDescription; a: SessionDescription; answer: { type: 'offer' | 'answer'; sdp: string }; ours: MediaStreamTrack }> {
  await w.setLocalDescription(await w.createOffer());
  const offer = await gatheredDescription(w, 'werift');
  const o = parseSdp(offer.sdp);
  expect(bundleGroups(o)).toEqual([]);
  await n.pc.setRemoteDescription(offer);
  const ours = new MediaStreamTrack({ kind: 'video' });
  n.pc.addTrack(ours);
  await n.pc.setLocalDescription(await n.pc.createAnswer());
  const answer = await gatheredDescription(n.pc, 'purertc');
  return { o, a: parseSdp(answer.sdp), answer, ours };
}

describe('bundle policies <-> werift', () => {
  it('purertc max-bundle offers VP8 + data (data bundle-only), werift answers in the group; VP8 and messages flow both ways', async () => {
    const n = node();
    const ours = new MediaStreamTrack({ kind: 'video' });
    n.pc.addTrack(ours);
    const ch = n.createChannel('chat');
    const atPurertc = purertcFrames(n);
    const w = werift();
    const atWerift = weriftVideo(w);
    const fromUs: string[] = [];
    w.onDataChannel.subscribe((dc) => {
      dc.onMessage.subscribe((m) => {
        fromUs.push(String(m));
        dc.send(`echo ${String(m)}`);
      });
    });
    const theirs = new WMediaStreamTrack({ kind: 'video' });

    await n.pc.setLocalDescription(await n.pc.createOffer());
    const offer = await gatheredDescription(n.pc, 'purertc');
    const o = parseSdp(offer.sdp);
    expect(o.media.map((m) => [m.kind, m.port === 0, isBundleOnly(m)])).toEqual([['video', false, false], ['application', true, true]]);
    await w.setRemoteDescription(offer);
    w.addTrack(theirs);
    await w.setLocalDescription(await w.createAnswer());
    const answer = await gatheredDescription(w, 'werift');
    const a = parseSdp(answer.sdp);
    expect(a.media.every((m) => m.port !== 0)).toBe(true);
    expect(bundleGroups(a)).toEqual([a.media.map((m) => mid(m))]);
    await n.pc.setRemoteDescription(answer);
    await waitFor(() => w.connectionState === 'connected' && n.pc.connectionState === 'connected', 'both connected');
    await n.waitForChannel('chat');
    ch.send('over the bundle');
    expect(await n.waitForMessages('chat', 1)).toEqual(['echo over the bundle']);
    expect(fromUs).toEqual(['over the bundle']);

    await sendVideo(ours, theirs);
    await waitFor(() => atWerift.length > 0 && atPurertc.length >= FRAMES - 2, 'video both ways');
    expect(atWerift.every((p) => p.header.payloadType === Number(/^a=rtpmap:(\d+) VP8\/90000/m.exec(offer.sdp)?.[1]))).toBe(true);
    expect(atPurertc.slice(0, 2).map((f) => Buffer.from(f).toString('hex'))).toEqual([0, 1].map((i) => Buffer.from(vp8Keyframe(1000 + i)).toString('hex')));
  }, 40_000);

  it("werift (bundlePolicy 'disable') offers VP8 + audio without BUNDLE; purertc max-bundle rejects the audio section and VP8 flows", async () => {
    const w = werift('disable');
    const theirs = new WMediaStreamTrack({ kind: 'video' });
    w.addTransceiver(theirs, { direction: 'sendrecv' });
    w.addTransceiver('audio', { direction: 'sendrecv' });
    const atWerift = weriftVideo(w);
    const n = node();
    const atPurertc = purertcFrames(n);
    const { o, a, answer, ours } = await answerWeriftOffer(w, n);
    expect(o.media.map((m) => m.kind)).toEqual(['video', 'audio']);
    // werift gives each section its own transport: ICE credentials differ.
    expect(new Set(o.media.map((m) => m.attributes.find((x) => x.type === 'ice-ufrag'))).size).toBe(2);
    expect(a.media.map((m) => m.port === 0)).toEqual([false, true]);
    expect(bundleGroups(a)).toEqual([]);
    await w.setRemoteDescription(answer);
    await waitFor(() => n.pc.connectionState === 'connected', 'purertc connected');
    await sendVideo(ours, theirs);
    await waitFor(() => atWerift.length > 0 && atPurertc.length >= FRAMES - 2, 'video both ways');
    expect(atPurertc.slice(0, 2).map((f) => Buffer.from(f).toString('hex'))).toEqual([0, 1].map((i) => Buffer.from(vp8Keyframe(1000 + i)).toString('hex')));
  }, 40_000);

  /** Opus-sized audio frames from purertc, counted at werift; werift's audio RTP counted at purertc. */
  async function unbundledSession(n: NodePeer, w: WeriftPeerConnection, ours: MediaStreamTrack, theirs: WMediaStreamTrack, atWerift: WRtpPacket[], atPurertc: Uint8Array[], ownPorts: boolean): Promise<void> {
    await waitFor(() => w.connectionState === 'connected' && n.pc.connectionState === 'connected', 'both connected');
    await n.waitForChannel('chat');
    n.channels.get('chat')?.send('over its own transport');
    expect(await n.waitForMessages('chat', 1)).toEqual(['echo over its own transport']);
    await sendVideo(ours, theirs);
    await waitFor(() => atWerift.length > 0 && atPurertc.length >= FRAMES - 2, 'video both ways');
    expect(atPurertc.slice(0, 2).map((f) => Buffer.from(f).toString('hex'))).toEqual([0, 1].map((i) => Buffer.from(vp8Keyframe(1000 + i)).toString('hex')));
    // One transport per section in getStats, each connected with its own selected pair.
    const report = await n.pc.getStats();
    // Every id each entry names resolves (webrtc-stats), across the three transports.
    expectConsistent(report);
    const transports = [...report.values()].filter((x) => x.type === 'transport');
    expect(transports).toHaveLength(3);
    for (const t of transports) {
      expect(t['dtlsState']).toBe('connected');
      const pair = report.get(String(t['selectedCandidatePairId']));
      expect(pair?.['transportId']).toBe(t.id);
    }
    expect(new Set(transports.map((t) => t['iceLocalUsernameFragment'])).size).toBe(3);
    // As answerer each transport has a port of its own (as werift and browsers do); as
    // offerer the extra transports of our initial offer share ours (werift's ports differ).
    const portsOf = (end: 'localCandidateId' | 'remoteCandidateId'): unknown[] => transports.map((t) => report.get(String(report.get(String(t['selectedCandidatePairId']))?.[end]))?.['port']);
    expect(new Set(portsOf('remoteCandidateId')).size).toBe(3);
    expect(new Set(portsOf('localCandidateId')).size).toBe(ownPorts ? 3 : 1);
  }

  function echoChannels(w: WeriftPeerConnection): void {
    w.onDataChannel.subscribe((dc) => {
      dc.onMessage.subscribe((m) => dc.send(`echo ${String(m)}`));
    });
  }

  it("werift (bundlePolicy 'disable') offers VP8 + audio + data without BUNDLE; purertc balanced answers each on a transport of its own; all flow", async () => {
    const w = werift('disable');
    const theirs = new WMediaStreamTrack({ kind: 'video' });
    w.addTransceiver(theirs, { direction: 'sendrecv' });
    w.addTransceiver('audio', { direction: 'sendrecv' });
    const wch = w.createDataChannel('chat');
    wch.onMessage.subscribe((m) => wch.send(`echo ${String(m)}`));
    const atWerift = weriftVideo(w);
    const n = node('balanced');
    const atPurertc = purertcFrames(n);
    const { o, a, answer, ours } = await answerWeriftOffer(w, n);
    expect(o.media.map((m) => m.kind)).toEqual(['video', 'audio', 'application']);
    expect(a.media.map((m) => m.port === 0)).toEqual([false, false, false]);
    expect(bundleGroups(a)).toEqual([]);
    // RFC 8843 7.4 / RFC 8839: every section of ours has its own ICE credentials and candidates.
    expect(new Set(a.media.map((m) => JSON.stringify(m.attributes.find((x) => x.type === 'ice-ufrag')))).size).toBe(3);
    await w.setRemoteDescription(answer);
    await unbundledSession(n, w, ours, theirs, atWerift, atPurertc, true);
  }, 40_000);

  it("purertc balanced offers VP8 + audio + data; werift (bundlePolicy 'disable') answers without BUNDLE; purertc keeps a transport per section; all flow", async () => {
    const n = node('balanced');
    const ours = new MediaStreamTrack({ kind: 'video' });
    n.pc.addTransceiver(ours, { direction: 'sendrecv' });
    n.pc.addTransceiver('audio', { direction: 'sendrecv' });
    n.createChannel('chat');
    const atPurertc = purertcFrames(n);
    const w = werift('disable');
    echoChannels(w);
    const atWerift = weriftVideo(w);
    const theirs = new WMediaStreamTrack({ kind: 'video' });
    await n.pc.setLocalDescription(await n.pc.createOffer());
    const offer = await gatheredDescription(n.pc, 'purertc');
    await w.setRemoteDescription(offer);
    const video = w.getTransceivers().find((t) => t.kind === 'video');
    if (!video) throw new Error('werift made no video transceiver');
    video.sender.replaceTrack(theirs);
    video.setDirection('sendrecv');
    await w.setLocalDescription(await w.createAnswer());
    const answer = await gatheredDescription(w, 'werift');
    const a = parseSdp(answer.sdp);
    expect(bundleGroups(a)).toEqual([]);
    expect(a.media.every((m) => m.port !== 0)).toBe(true);
    await n.pc.setRemoteDescription(answer);
    await unbundledSession(n, w, ours, theirs, atWerift, atPurertc, false);
  }, 40_000);
});
