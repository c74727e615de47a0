// A Node peer that answers a browser's data channel, over purertc's signaling server.
// `npm run demo`, then `npx tsx examples/answer-browser.ts ws://localhost:8080/signal mine`,
// and open http://localhost:8080/?room=mine: the page offers to this peer.
import { RTCPeerConnection } from 'purertc';
import { SignalingClient } from 'purertc/signaling';

const url = process.argv[2] ?? 'ws://localhost:8080/signal';
const sig = await SignalingClient.connect(url);
await sig.join(process.argv[3] ?? 'mine', 'purertc-echo-bot'); // the name the demo page calls

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
