// A Node peer that answers a browser's data channel, over purertc's signaling server.
// Run `npm run demo` (it serves signaling on /signal), then: npx tsx examples/answer-browser.ts
import { RTCPeerConnection } from 'purertc';
import { SignalingClient } from 'purertc/signaling';

const url = process.argv[2] ?? 'ws://localhost:8080/signal';
const sig = await SignalingClient.connect(url);
await sig.join(process.argv[3] ?? 'demo', 'node-peer');

sig.on('offer', async ({ from, sdp }) => {
  const pc = new RTCPeerConnection();
  pc.onicecandidate = ({ candidate }) => sig.candidate(candidate, from);
  pc.ondatachannel = ({ channel }) => {
    channel.onmessage = ({ data }) => channel.send(`echo: ${String(data)}`);
  };
  sig.on('candidate', (m) => m.from === from && void pc.addIceCandidate(m.candidate ?? undefined));
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  sig.answer(pc.localDescription!.sdp, from);
});
