// The W3C facade reading what the sans-IO peer negotiated instead of the SDP text: RTCP
// BYE mutes the remote track at once (webrtc-pc 5.3, mediacapture-streams 4.3.1.3 "set a
// track's muted state"), reduced-size RTCP in getParameters (RFC 5506 section 5, W3C
// RTCRtcpParameters.reducedSize) and negotiationneeded fired from the peer's
// [[NegotiationNeeded]] flag (W3C 4.7.3). Two purertc peers on 127.0.0.1; real-socket
// tests wait for events and never assert durations.
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream, MediaStreamTrack, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender } from '../../src/index.js';
import { isSupportedCodec } from '../../src/media/codecs.js';
import type { RTCConfiguration, RTCTrackEvent } from '../../src/index.js';
import { vp8Frame } from '../peer/helpers.js';
import { waitFor } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pair(config: RTCConfiguration = {}): { a: RTCPeerConnection; b: RTCPeerConnection } {
  const a = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], ...config });
  const b = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], ...config });
  cleanups.push(() => a.close(), () => b.close());
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  return { a, b };
}
async function negotiate(a: RTCPeerConnection, b: RTCPeerConnection, editOffer: (sdp: string) => string = (s) => s): Promise<void> {
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription({ type: 'offer', sdp: editOffer(a.localDescription!.sdp) });
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
}
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('facade media polish', () => {
  it('an RTCP BYE mutes the remote track at once, long before the no-media timeout', async () => {
    // The inactivity mute would take 10 minutes: only the BYE can mute within the test.
    const { a, b } = pair({ remoteTrackMuteAfterMs: 600_000 });
    const local = new MediaStreamTrack({ kind: 'video' });
    const sender = a.addTrack(local, new MediaStream([local]));
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    await waitFor(() => (a.connectionState === 'connected' && b.connectionState === 'connected' ? true : undefined), 'connected');
    const remote = events[0]!.track;
    const seen: string[] = [];
    remote.onmute = () => seen.push('mute');
    remote.onunmute = () => seen.push('unmute');
    let n = 0;
    await waitFor(() => {
      local.writeFrame(vp8Frame(n, n === 0, 400));
      n++;
      return remote.muted ? undefined : true;
    }, 'unmuted by media');
    expect(seen).toEqual(['unmute']);
    a.getTransceivers().find((t) => t.sender === sender)!.stop();
    await waitFor(() => (remote.muted ? true : undefined), 'muted by BYE');
    expect(seen).toEqual(['unmute', 'mute']);
    expect(remote.readyState).toBe('live');
  });

  it('getParameters().rtcp.reducedSize is what the answer negotiated', async () => {
    const plain = pair();
    const s1 = plain.a.addTransceiver('video');
    expect(s1.sender.getParameters().rtcp.reducedSize).toBe(false);
    await negotiate(plain.a, plain.b);
    expect(s1.sender.getParameters().rtcp.reducedSize).toBe(true);
    expect(plain.b.getTransceivers()[0]!.sender.getParameters().rtcp.reducedSize).toBe(true);
    expect(s1.receiver.getParameters().rtcp.reducedSize).toBe(true);

    const full = pair();
    const s2 = full.a.addTransceiver('video');
    await negotiate(full.a, full.b, (sdp) => sdp.replace(/a=rtcp-rsize\r\n/g, ''));
    expect(full.b.localDescription!.sdp).not.toContain('a=rtcp-rsize');
    expect(s2.sender.getParameters().rtcp.reducedSize).toBe(false);
    expect(full.b.getTransceivers()[0]!.sender.getParameters().rtcp.reducedSize).toBe(false);
  });

  it('negotiationneeded fires once per need: not again while the flag is set, again after an exchange cleared it', async () => {
    const { a, b } = pair();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    a.addTransceiver('video');
    a.addTransceiver('audio');
    await waitFor(() => (fired > 0 ? true : undefined), 'negotiationneeded');
    await tick();
    expect(fired).toBe(1);
    a.createDataChannel('x'); // still needed, the flag is still set: no new event
    await tick();
    await tick();
    expect(fired).toBe(1);
    await negotiate(a, b);
    await tick();
    expect(fired).toBe(1);
    a.addTransceiver('video');
    await waitFor(() => (fired > 1 ? true : undefined), 'negotiationneeded after stable');
    expect(fired).toBe(2);
  });

  it('no negotiationneeded when an exchange met the need before the queued task ran', async () => {
    const { a, b } = pair();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    a.addTransceiver('video');
    // Negotiate at once, in the same task: when the queued task runs, nothing is needed.
    await negotiate(a, b);
    await tick();
    await tick();
    expect(fired).toBe(0);
  });

  it('getCapabilities lists every codec the media cores carry, VP8 first, and offers carry them in that order', async () => {
    for (const caps of [RTCRtpSender.getCapabilities('video')!, RTCRtpReceiver.getCapabilities('video')!]) {
      expect(caps.codecs.map((c) => c.mimeType)).toEqual(['video/VP8', 'video/H264', 'video/VP9', 'video/AV1', 'video/rtx']);
      for (const c of caps.codecs.slice(0, -1)) expect(isSupportedCodec(c.mimeType.slice('video/'.length))).toBe(true);
    }
    expect(RTCRtpSender.getCapabilities('audio')!.codecs.map((c) => c.mimeType)).toEqual(['audio/opus']);
    const { a } = pair();
    a.addTransceiver('video');
    const offer = await a.createOffer();
    const names = [...offer.sdp!.matchAll(/a=rtpmap:\d+ ([^/\r]+)\//g)].map((m) => m[1]).filter((n) => n !== 'rtx');
    expect(names).toEqual(['VP8', 'H264', 'VP9', 'AV1']);
  });

  it('VP9 chosen with setCodecPreferences from getCapabilities carries frames between two facades', async () => {
    const { a, b } = pair();
    const local = new MediaStreamTrack({ kind: 'video' });
    const t = a.addTransceiver(local, { direction: 'sendonly' });
    t.setCodecPreferences(RTCRtpSender.getCapabilities('video')!.codecs.filter((c) => c.mimeType === 'video/VP9' || c.mimeType === 'video/rtx'));
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    expect(t.sender.getParameters().codecs[0]?.mimeType).toBe('video/VP9');
    await waitFor(() => (a.connectionState === 'connected' && b.connectionState === 'connected' ? true : undefined), 'connected');
    const got: { mimeType: string | undefined; head: number }[] = [];
    events[0]!.track.addEventListener('frame', (e) => {
      const f = (e as unknown as { frame: { data: Uint8Array; mimeType?: string } }).frame;
      got.push({ mimeType: f.mimeType, head: f.data[0]! });
    });
    let n = 0;
    await waitFor(() => {
      // VP9 uncompressed header (VP9 bitstream 6.2): a key frame with its sync code, then inter frames.
      const key = n === 0;
      const data = new Uint8Array(1500).map((_, k) => (k * 13 + n) & 0xff);
      data.set(key ? [0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf0] : [0x86, n & 0xff]);
      local.writeFrame({ data, timestamp: n * 3000, keyframe: key });
      n++;
      return got.length >= 3 ? true : undefined;
    }, 'VP9 frames');
    expect(got.every((f) => f.mimeType === 'video/VP9')).toBe(true);
    expect(got[0]!.head).toBe(0x82);
  });
});
