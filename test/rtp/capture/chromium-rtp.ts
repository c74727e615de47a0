/**
 * Captures plaintext RTP and RTCP that Chromium sends, for vectors/rtp/chromium-156-*.json.
 * Not a test: run by hand with `npx tsx test/rtp/capture/chromium-rtp.ts` (loopback only).
 *
 * A Chrome page (fake camera and microphone) offers audio+video to a werift
 * RTCPeerConnection in this process, which answers with mid, abs-send-time,
 * transport-cc, audio level and video orientation extensions and echoes the video back,
 * so Chrome also acts as a receiver and sends feedback (RR and transport-cc in our runs).
 * werift's SRTP/SRTCP contexts are wrapped to record what they decrypt: the exact
 * bytes Chrome sent before SRTP protection.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type * as Werift from 'werift';
import { launchChrome, negotiate } from '../../interop/harness/chrome.js';
import type { SignalingPeer } from '../../interop/harness/chrome.js';

const req = createRequire(import.meta.url);
// The CommonJS build: `import 'werift'` loads a separate ESM bundle whose SRTP classes
// the patches below would not reach.
const { RTCPeerConnection, RTCRtpCodecParameters, useSdesMid, useAbsSendTime, useTransportWideCC, useAudioLevelIndication, useVideoOrientation } =
  req('werift') as typeof Werift;
const srtpCtx = req(path.resolve('node_modules/werift/lib/rtp/src/srtp/context/srtp.js')) as { SrtpContext: { prototype: { decryptRtp: (b: Buffer) => [Buffer, unknown] } } };
const srtcpCtx = req(path.resolve('node_modules/werift/lib/rtp/src/srtp/context/srtcp.js')) as { SrtcpContext: { prototype: { decryptRTCP: (b: Buffer) => [Buffer, unknown] } } };

const rtp: string[] = [];
const rtcp: string[] = [];
const origRtp = srtpCtx.SrtpContext.prototype.decryptRtp;
srtpCtx.SrtpContext.prototype.decryptRtp = function (this: unknown, b: Buffer) {
  const out = origRtp.call(this, b);
  if (rtp.length < 3000) rtp.push(Buffer.from(out[0]).toString('hex'));
  return out;
};
const origRtcp = srtcpCtx.SrtcpContext.prototype.decryptRTCP;
srtcpCtx.SrtcpContext.prototype.decryptRTCP = function (this: unknown, b: Buffer) {
  const out = origRtcp.call(this, b);
  if (rtcp.length < 2000) rtcp.push(Buffer.from(out[0]).toString('hex'));
  return out;
};

const pc = new RTCPeerConnection({
  iceServers: [{ urls: 'stun:127.0.0.1:9' }],
  iceAdditionalHostAddresses: ['127.0.0.1'],
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  iceUseIpv6: false,
  codecs: {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        rtcpFeedback: [{ type: 'transport-cc' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }, { type: 'ccm', parameter: 'fir' }],
      }),
    ],
  },
  headerExtensions: {
    audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC(), useAudioLevelIndication()],
    video: [useSdesMid(), useAbsSendTime(), useTransportWideCC(), useVideoOrientation()],
  },
} as ConstructorParameters<typeof Werift.RTCPeerConnection>[0]);

pc.connectionStateChange.subscribe((s) => console.log('werift connection', s));
pc.onTransceiverAdded.subscribe(async (t) => {
  const [track] = await t.onTrack.asPromise();
  if (t.kind === 'video') await t.sender.replaceTrack(track);
});

const candidates: RTCIceCandidateInit[] = [];
let gathered: () => void = () => {};
const gatheredP = new Promise<void>((r) => (gathered = r));
pc.onIceCandidate.subscribe((c) => {
  if (c) candidates.push(c.toJSON() as RTCIceCandidateInit);
});
pc.iceGatheringStateChange.subscribe((s) => {
  if (s === 'complete') gathered();
});

const werift: SignalingPeer = {
  id: 'werift',
  createOffer: () => Promise.reject(new Error('werift answers')),
  async createAnswer() {
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    return { type: 'answer', sdp: pc.localDescription!.sdp };
  },
  async setRemoteDescription(d) {
    await pc.setRemoteDescription(d as never);
  },
  async addIceCandidate(c) {
    await pc.addIceCandidate(c as never);
  },
  async gatherCandidates() {
    await gatheredP;
    return candidates;
  },
};

const session = await launchChrome();
try {
  const page = await session.newPage();
  const chrome = await page.createPeer('chrome', { audio: true, video: true });
  const record = await negotiate(chrome, werift);
  await new Promise((r) => setTimeout(r, 6000));
  const out = {
    chromium: session.version,
    answer: record.answer.sdp,
    rtp,
    rtcp,
  };
  writeFileSync(process.argv[2] ?? '/tmp/chromium-rtp-capture.json', JSON.stringify(out));
  console.log(`captured ${rtp.length} RTP and ${rtcp.length} RTCP packets from Chromium ${session.version}`);
} finally {
  await session.close();
  await pc.close();
}
