/**
 * @module cli/demo-page
 * The demo's browser page (plain HTML and script, no framework). Today it shows the
 * stages purertc already covers from a browser's point of view: ICE gathering against
 * purertc's own STUN server (RFC 8489), and the browser's offer parsed and re-serialized
 * by purertc's SDP codec (RFC 8866). The peer-connection stages (DTLS, SCTP, chat with
 * a Node bot, live getStats) join this page when the RTCPeerConnection lands.
 */

export function demoPage(stunUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>purertc demo</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d2330; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  .stage { border: 1px solid #d5dae3; border-radius: 8px; padding: .8rem 1rem; margin: .8rem 0; }
  .stage h2 { font-size: 1.05rem; margin: 0 0 .4rem; }
  .state { display: inline-block; padding: 0 .5rem; border-radius: 4px; background: #eef1f6; font-family: ui-monospace, monospace; }
  .ok { background: #d7f5df; } .bad { background: #fbd9d9; }
  table { border-collapse: collapse; width: 100%; font-family: ui-monospace, monospace; font-size: 12px; }
  td, th { border-bottom: 1px solid #e6e9ef; padding: 2px 6px; text-align: left; }
  pre { background: #f6f8fb; padding: .6rem; overflow: auto; max-height: 18rem; font-size: 12px; }
</style>
</head>
<body>
<h1>purertc demo</h1>
<p>A WebRTC stack in pure TypeScript. This page is served by a Node process that also runs
purertc's STUN server at <code id="stun">${stunUrl}</code>.</p>

<div class="stage" id="stage-ice">
  <h2>1. ICE gathering with purertc's STUN server <span class="state" id="gathering">new</span></h2>
  <table id="candidates"><thead><tr><th>type</th><th>address</th><th>port</th><th>related</th><th>protocol</th></tr></thead><tbody></tbody></table>
</div>

<div class="stage" id="stage-sdp">
  <h2>2. Your browser's offer, parsed by purertc <span class="state" id="roundtrip">waiting</span></h2>
  <div id="summary"></div>
  <pre id="parsed"></pre>
</div>

<div class="stage" id="stage-peer">
  <h2>3. Peer connection with a Node peer</h2>
  <p>DTLS, SCTP, a chat with a purertc echo bot and live stats appear here once
  purertc's RTCPeerConnection lands.</p>
</div>

<script>
const $ = (id) => document.getElementById(id);
function setState(id, text, cls) { const el = $(id); el.textContent = text; el.className = 'state ' + (cls || ''); }

async function run() {
  const pc = new RTCPeerConnection({ iceServers: [{ urls: ${JSON.stringify(stunUrl)} }] });
  pc.createDataChannel('chat');
  try {
    const media = await navigator.mediaDevices?.getUserMedia({ audio: true, video: true });
    media?.getTracks().forEach((t) => pc.addTrack(t, media));
  } catch { /* no camera: data channel only */ }
  pc.onicegatheringstatechange = () => setState('gathering', pc.iceGatheringState, pc.iceGatheringState === 'complete' ? 'ok' : '');
  pc.onicecandidate = (e) => {
    if (!e.candidate || !e.candidate.candidate) return;
    const c = e.candidate;
    const row = document.createElement('tr');
    row.className = 'candidate ' + c.type;
    for (const v of [c.type, c.address, c.port, c.relatedAddress ? c.relatedAddress + ':' + c.relatedPort : '', c.protocol]) {
      const td = document.createElement('td'); td.textContent = v ?? ''; row.appendChild(td);
    }
    $('candidates').querySelector('tbody').appendChild(row);
  };
  const done = new Promise((r) => { pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()); });
  await pc.setLocalDescription(await pc.createOffer());
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  const sdp = pc.localDescription.sdp;
  const res = await fetch('/api/sdp', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: sdp });
  const out = await res.json();
  if (!res.ok) { setState('roundtrip', 'parse error', 'bad'); $('parsed').textContent = out.error; return; }
  setState('roundtrip', out.identical ? 'round trip byte-exact' : 'round trip differs', out.identical ? 'ok' : 'bad');
  $('summary').textContent = out.media.length + ' media sections, BUNDLE ' + out.bundle.join(' ') + ', ' + out.candidates + ' candidates, fingerprint ' + out.fingerprint;
  $('parsed').textContent = JSON.stringify(out.media, null, 2);
  window.demoResult = out;
}
run().catch((e) => { setState('gathering', 'error: ' + e.message, 'bad'); });
</script>
</body>
</html>
`;
}
