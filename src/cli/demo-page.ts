/**
 * @module cli/demo-page
 * The demo's browser page (plain HTML and script, no framework). It joins a signaling
 * room (`?room=`, default 'demo'; `?relay=1` for relay candidates only; protocol in src/signaling/protocol.ts), asks the demo
 * for the echo bot, offers it a data channel (JSEP, RFC 9429) with purertc's STUN
 * (RFC 8489) and TURN (RFC 8656) servers, trickles candidates (RFC 8838), and shows each
 * stage as it happens: signaling, ICE gathering and checks with the candidate pairs
 * (RFC 8445), DTLS version and cipher (RFC 9147 / RFC 6347, from the W3C webrtc-stats
 * transport entry), SCTP (RFC 8261) and the data channel (RFC 8831/8832). Then a chat
 * the bot answers, a live `getStats()` panel for each end, and the browser's offer as
 * purertc's SDP codec (RFC 8866) reads it. `window.demoState` mirrors what is shown, for
 * tests.
 *
 * Camera echo: with `?camera=1` the page adds its camera and microphone (getUserMedia,
 * then addTrack, webrtc-pc 5.1) before its first offer; otherwise the "start camera"
 * button adds them later. Every change after the first offer goes through
 * `negotiationneeded` (webrtc-pc 4.7.3): the page re-offers on the same connection and the
 * bot answers (JSEP RFC 9429 5.10). The page is the only side that offers, and it offers
 * only from 'stable' (never twice at once), so negotiations cannot collide. Stopping the
 * camera replaces the tracks with null and makes those transceivers 'inactive'; starting it
 * again puts new tracks on the same transceivers (replaceTrack, direction 'sendrecv'), so
 * the SDP does not grow. The bot sends the camera back (RTP forwarded by purertc); the page
 * shows the echo and its getStats (webrtc-stats 8.3 inbound-rtp: framesDecoded,
 * frameWidth/Height, framesPerSecond, packetsLost, nackCount, pliCount, codec) beside the
 * bot's own inbound/outbound counters.
 */

import { BOT_NAME } from './demo-bot.js';

export interface DemoPageConfig {
  readonly stunUrl: string;
  readonly turnUrl: string;
  readonly turnUser: string;
  readonly turnPassword: string;
  /** Path of the signaling WebSocket on the page's own origin. */
  readonly signalingPath: string;
}

/** JSON for inside a <script> element: `<` escaped so no `</script>` can close it. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function demoPage(config: DemoPageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>purertc demo</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; color: #1d2330; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
  .stage { border: 1px solid #d5dae3; border-radius: 8px; padding: .6rem 1rem; margin: .6rem 0; }
  .stage h2 { font-size: 1.02rem; margin: 0 0 .3rem; }
  .state { display: inline-block; padding: 0 .5rem; border-radius: 4px; background: #eef1f6; font-family: ui-monospace, monospace; font-weight: normal; }
  .ok { background: #d7f5df; } .bad { background: #fbd9d9; } .busy { background: #fff2c6; }
  table { border-collapse: collapse; width: 100%; font-family: ui-monospace, monospace; font-size: 12px; }
  td, th { border-bottom: 1px solid #e6e9ef; padding: 2px 6px; text-align: left; vertical-align: top; }
  tr.selected td { background: #e8f7ec; font-weight: 600; }
  pre { background: #f6f8fb; padding: .6rem; overflow: auto; max-height: 14rem; font-size: 12px; margin: .3rem 0; }
  #chat-log { height: 10rem; overflow: auto; background: #f6f8fb; padding: .4rem .6rem; font-family: ui-monospace, monospace; font-size: 13px; }
  #chat-log .me { color: #1b4fa0; } #chat-log .bot { color: #12703a; } #chat-log .sys { color: #7a8090; }
  form { display: flex; gap: .4rem; margin-top: .4rem; } #chat-input { flex: 1; padding: .3rem; }
  .muted { color: #7a8090; }
  .videos { display: flex; gap: .6rem; flex-wrap: wrap; }
  .videos figure { margin: 0; } .videos figcaption { font-size: 12px; color: #7a8090; }
  video { background: #222; border-radius: 4px; }
  #camera-toggle { margin: .3rem 0; }
</style>
</head>
<body>
<h1>purertc demo</h1>
<p>This page talks WebRTC to a Node echo bot built on purertc, a WebRTC stack in pure
TypeScript. Signaling, STUN (<code id="stun">${escapeHtml(config.stunUrl)}</code>) and TURN
(<code id="turn">${escapeHtml(config.turnUrl)}</code>) are purertc too. Room: <code id="room"></code>.</p>

<div class="grid">
<div>
  <div class="stage" id="stage-signaling">
    <h2>1. Signaling <span class="state" id="st-signaling">connecting</span></h2>
    <div class="muted" id="signaling-detail"></div>
  </div>
  <div class="stage" id="stage-ice">
    <h2>2. ICE gathering <span class="state" id="st-gathering">new</span> checks <span class="state" id="st-ice">new</span></h2>
    <table id="candidates"><thead><tr><th>local candidate</th><th>type</th><th>protocol</th></tr></thead><tbody></tbody></table>
    <table id="pairs"><thead><tr><th>candidate pair (local - remote)</th><th>state</th><th>nominated</th><th>rtt</th></tr></thead><tbody></tbody></table>
  </div>
  <div class="stage" id="stage-dtls">
    <h2>3. DTLS <span class="state" id="st-dtls">new</span></h2>
    <div id="dtls-detail" class="muted">version and cipher appear once the handshake is done</div>
  </div>
  <div class="stage" id="stage-sctp">
    <h2>4. SCTP <span class="state" id="st-sctp">new</span> data channel <span class="state" id="st-channel">connecting</span></h2>
    <div id="sctp-detail" class="muted"></div>
  </div>
</div>
<div>
  <div class="stage" id="stage-chat">
    <h2>5. Chat with the bot</h2>
    <div id="chat-log"></div>
    <form id="chat-form"><input id="chat-input" autocomplete="off" placeholder="say something" disabled><button id="chat-send" disabled>send</button></form>
  </div>
  <div class="stage" id="stage-media">
    <h2>6. Camera echo <span class="state" id="st-media">camera off</span></h2>
    <button id="camera-toggle" type="button">start camera</button>
    <div class="videos">
      <figure><video id="local-video" autoplay playsinline muted width="240" height="180"></video><figcaption>your camera</figcaption></figure>
      <figure><video id="echo-video" autoplay playsinline muted width="240" height="180"></video><figcaption>back from the purertc bot (RTP over SRTP)</figcaption></figure>
    </div>
    <table id="echo-stats"><thead><tr><th></th><th>sent by this browser</th><th>echo received from the bot</th></tr></thead><tbody></tbody></table>
  </div>
</div>
</div>

<div class="grid">
  <div class="stage" id="stage-browser-stats">
    <h2>getStats() in this browser</h2>
    <table id="browser-stats"><tbody></tbody></table>
  </div>
  <div class="stage" id="stage-bot-stats">
    <h2>getStats() in the purertc bot</h2>
    <table id="bot-stats"><tbody></tbody></table>
  </div>
</div>

<div class="stage" id="stage-sdp">
  <h2>Your browser's offer, parsed by purertc <span class="state" id="roundtrip">waiting</span></h2>
  <div id="summary"></div>
  <pre id="parsed"></pre>
</div>

<script src="/purertc-signaling.js"></script>
<script>
const CONFIG = ${scriptJson(config)};
const BOT_NAME = ${scriptJson(BOT_NAME)};
/** How long the page waits for its first candidate before it explains what may be wrong. */
const NO_CANDIDATE_HINT_MS = 5000;
const $ = (id) => document.getElementById(id);
const state = { stages: {}, chat: [], browserStats: null, botStats: null, sdp: null, errors: [], camera: 'off', cameraError: null, echoStats: null, offers: 0, answers: 0 };
window.demoState = state;
function setState(id, text, cls) { const el = $(id); el.textContent = text; el.className = 'state ' + (cls || ''); state.stages[id.replace(/^st-/, '')] = text; }
function cls(s) { return /^(connected|completed|complete|open|stable|joined|have-remote-offer)$/.test(s) ? 'ok' : /^(failed|closed|disconnected|error)/.test(s) ? 'bad' : 'busy'; }
function chatLine(who, text) {
  state.chat.push({ who, text });
  const div = document.createElement('div'); div.className = who; div.textContent = (who === 'me' ? 'you: ' : who === 'bot' ? 'bot: ' : '') + text;
  $('chat-log').appendChild(div); $('chat-log').scrollTop = 1e9;
}
function fillTable(id, rows) {
  const body = $(id).querySelector('tbody'); body.textContent = '';
  for (const r of rows) {
    const tr = document.createElement('tr'); if (r.cls) tr.className = r.cls;
    for (const v of r.cells) { const td = document.createElement('td'); td.textContent = v === undefined || v === null ? '' : String(v); tr.appendChild(td); }
    body.appendChild(tr);
  }
}
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'demo';
// ?relay=1: relay candidates only (W3C iceTransportPolicy 'relay'), so every packet
// goes through purertc's TURN server.
const relayOnly = params.get('relay') === '1';
// ?camera=1: the camera and microphone go into the first offer.
const cameraAtStart = params.get('camera') === '1';
$('room').textContent = room + (relayOnly ? ' (relay only, through purertc TURN)' : '');
/** The camera's capture size: small, so encoding and decoding stay cheap. */
const CAMERA_CONSTRAINTS = { video: { width: 320, height: 240, frameRate: 30 }, audio: true };

async function main() {
  const wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + CONFIG.signalingPath;
  const sig = await PurertcSignaling.connect(wsUrl);
  setState('st-signaling', 'connected', 'busy');
  const joined = await sig.join(room, 'browser');
  setState('st-signaling', 'joined', 'ok');
  $('signaling-detail').textContent = 'joined room ' + room + ' as ' + sig.id + '; waiting for the bot';

  const pc = new RTCPeerConnection({ iceServers: [
    { urls: CONFIG.stunUrl },
    { urls: CONFIG.turnUrl, username: CONFIG.turnUser, credential: CONFIG.turnPassword },
  ], iceTransportPolicy: relayOnly ? 'relay' : 'all' });
  window.demoPc = pc;
  const dc = pc.createDataChannel('chat');
  let botId = null;
  let offered = false;

  pc.onsignalingstatechange = () => { $('signaling-detail').textContent = 'room ' + room + ', bot ' + botId + ', signalingState ' + pc.signalingState; };
  pc.onicegatheringstatechange = () => {
    setState('st-gathering', pc.iceGatheringState, cls(pc.iceGatheringState));
    if (pc.iceGatheringState === 'complete') postOffer(pc.localDescription.sdp);
  };
  pc.oniceconnectionstatechange = () => {
    setState('st-ice', pc.iceConnectionState, cls(pc.iceConnectionState));
    refreshStats(pc).catch((err) => state.errors.push(String(err)));
  };
  pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed') setState('st-dtls', 'failed', 'bad'); };
  const localRows = [];
  pc.onicecandidate = (e) => {
    if (botId) sig.candidate(e.candidate ? e.candidate.toJSON() : null, botId);
    if (!e.candidate || !e.candidate.candidate) return;
    const c = e.candidate;
    localRows.push({ cells: [c.address + ':' + c.port + (c.relatedAddress ? ' (from ' + c.relatedAddress + ':' + c.relatedPort + ')' : ''), c.type, c.protocol] });
    fillTable('candidates', localRows);
  };
  dc.onopen = () => {
    setState('st-channel', 'open', 'ok');
    $('chat-input').disabled = false; $('chat-send').disabled = false;
    chatLine('sys', 'data channel open');
  };
  dc.onclose = () => { setState('st-channel', 'closed', 'bad'); $('chat-input').disabled = true; $('chat-send').disabled = true; };
  dc.onmessage = (e) => {
    let m; try { m = JSON.parse(e.data); } catch { chatLine('bot', String(e.data)); return; }
    if (m && m.kind === 'echo') chatLine('bot', String(m.text));
    else if (m && m.kind === 'stats') showBotStats(m);
  };
  $('chat-form').onsubmit = (e) => {
    e.preventDefault();
    const text = $('chat-input').value; if (!text || dc.readyState !== 'open') return;
    dc.send(text); chatLine('me', text); $('chat-input').value = '';
  };

  // The page is the offerer for the whole session: the first offer when the bot appears,
  // then one per negotiationneeded (camera added, paused, resumed). An offer goes out only
  // from 'stable' and one at a time (makingOffer), so a second need waits for the answer;
  // Chrome fires negotiationneeded again on return to 'stable' if something is left.
  let makingOffer = false;
  async function sendOffer() {
    if (!botId || makingOffer || pc.signalingState !== 'stable') return;
    makingOffer = true;
    try {
      await pc.setLocalDescription();
      sig.offer(pc.localDescription.sdp, botId);
      state.offers++;
    } finally { makingOffer = false; }
  }
  pc.onnegotiationneeded = () => { if (offered) sendOffer().catch(fail); };
  async function offerTo(id) {
    if (offered) return;
    offered = true; botId = id;
    setState('st-signaling', 'negotiating', 'busy');
    $('signaling-detail').textContent = 'room ' + room + ': offering to the bot ' + id;
    await sendOffer();
    setTimeout(() => {
      if (localRows.length > 0) return;
      chatLine('sys', 'this browser gathered no ICE candidates yet. On a machine whose only network is loopback, ' +
        'start Chrome with --allow-loopback-in-peer-connection and allow the camera for this page; ' +
        'elsewhere check that WebRTC is not disabled by policy or an extension.');
    }, NO_CANDIDATE_HINT_MS);
  }
  sig.on('answer', (m) => {
    if (m.from !== botId || pc.signalingState !== 'have-local-offer') return;
    pc.setRemoteDescription({ type: 'answer', sdp: m.sdp }).then(() => {
      state.answers++;
      setState('st-signaling', 'answered', 'ok');
      watchSctp();
    }).catch(fail);
  });
  sig.on('candidate', (m) => { if (m.from === botId) pc.addIceCandidate(m.candidate || undefined).catch((err) => state.errors.push(String(err))); });
  sig.on('bye', (m) => { if (m.from === botId) { chatLine('sys', 'the bot hung up'); setState('st-signaling', 'bye', 'bad'); } });
  sig.on('peer-left', (m) => { if (m.id === botId) { chatLine('sys', 'the bot left'); setState('st-signaling', 'bot left', 'bad'); } });
  sig.on('peer-joined', (m) => { if (m.name === BOT_NAME) offerTo(m.id).catch(fail); });
  window.addEventListener('pagehide', () => { if (botId) sig.bye(botId); sig.close(); });
  // ----- camera echo
  const cameraTransceivers = [];
  let cameraStream = null;
  let cameraBusy = false;
  async function startCamera() {
    state.camera = 'starting'; setState('st-media', 'starting camera', 'busy');
    const stream = await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS);
    cameraStream = stream;
    $('local-video').srcObject = stream;
    // Tracks first (replaceTrack needs no negotiation), then the directions in one task:
    // one negotiationneeded, one re-offer.
    const resume = [];
    for (const track of stream.getTracks()) {
      // Resume on the transceiver this kind used before (no new m= section), else addTrack.
      const t = cameraTransceivers.find((x) => x.receiver.track.kind === track.kind && !x.sender.track && x.currentDirection !== 'stopped');
      if (t) {
        await t.sender.replaceTrack(track);
        resume.push(t);
      } else {
        const sender = pc.addTrack(track, stream);
        const added = pc.getTransceivers().find((x) => x.sender === sender);
        if (added) cameraTransceivers.push(added);
      }
    }
    // (The senders keep the stream id of their first camera stream: the bot pairs echoes by
    // transceiver, and Chrome 156 re-offers once more after setStreams() to a new stream.)
    for (const t of resume) t.direction = 'sendrecv';
    state.camera = 'on'; setState('st-media', 'camera on', 'ok');
    $('camera-toggle').textContent = 'stop camera';
  }
  async function stopCamera() {
    const live = cameraTransceivers.filter((t) => t.currentDirection !== 'stopped');
    for (const t of live) await t.sender.replaceTrack(null);
    for (const t of live) t.direction = 'inactive';
    if (cameraStream) for (const track of cameraStream.getTracks()) track.stop();
    cameraStream = null;
    $('local-video').srcObject = null;
    state.camera = 'off'; setState('st-media', 'camera off', 'busy');
    $('camera-toggle').textContent = 'start camera';
  }
  function cameraFailed(err) {
    state.camera = 'error'; state.cameraError = String(err && err.message || err);
    setState('st-media', 'camera error: ' + state.cameraError, 'bad');
    $('camera-toggle').textContent = 'start camera';
  }
  $('camera-toggle').onclick = () => {
    if (cameraBusy) return;
    cameraBusy = true;
    (cameraStream ? stopCamera() : startCamera()).catch(cameraFailed).finally(() => { cameraBusy = false; });
  };
  pc.ontrack = (e) => {
    // The bot's echo of our camera (and microphone): one stream, shown muted (no feedback).
    const stream = e.streams[0] || new MediaStream([e.track]);
    if ($('echo-video').srcObject !== stream) $('echo-video').srcObject = stream;
  };
  if (cameraAtStart) {
    cameraBusy = true;
    await startCamera().catch(cameraFailed);
    cameraBusy = false;
  }

  const already = joined.peers.find((p) => p.name === BOT_NAME);
  if (already) await offerTo(already.id);
  else {
    const res = await fetch('/api/bot?room=' + encodeURIComponent(room), { method: 'POST' });
    if (!res.ok) throw new Error('the demo did not start the bot: ' + (await res.json()).error);
  }

  function watchSctp() {
    const sctp = pc.sctp; if (!sctp) return;
    const show = () => {
      setState('st-sctp', sctp.state, cls(sctp.state));
      $('sctp-detail').textContent = 'maxMessageSize ' + sctp.maxMessageSize + ', maxChannels ' + (sctp.maxChannels ?? '?');
    };
    sctp.onstatechange = show; show();
  }
  setInterval(() => refreshStats(pc).catch((err) => state.errors.push(String(err))), 1000);
}

async function refreshStats(pc) {
  const report = await pc.getStats();
  const all = [...report.values()];
  const byId = (id) => report.get(id);
  const transport = all.find((s) => s.type === 'transport');
  const where = (id) => { const c = byId(id); return c ? c.candidateType + ' ' + c.address + ':' + c.port : '?'; };
  const selectedId = transport && transport.selectedCandidatePairId;
  const pairs = all.filter((s) => s.type === 'candidate-pair');
  fillTable('pairs', pairs.map((p) => ({
    cls: p.id === selectedId ? 'selected' : '',
    cells: [where(p.localCandidateId) + ' - ' + where(p.remoteCandidateId), p.state, p.nominated ? 'yes' : 'no', p.currentRoundTripTime !== undefined ? (p.currentRoundTripTime * 1000).toFixed(1) + ' ms' : ''],
  })));
  if (transport) {
    setState('st-dtls', transport.dtlsState, cls(transport.dtlsState));
    if (transport.tlsVersion || transport.dtlsCipher) {
      $('dtls-detail').textContent = 'version ' + (transport.tlsVersion || '?') + ' (' + dtlsName(transport.tlsVersion) + '), cipher ' + (transport.dtlsCipher || '?') +
        (transport.tlsGroup ? ', group ' + transport.tlsGroup : '') + ', role ' + (transport.dtlsRole || '?') + (transport.srtpCipher ? ', SRTP ' + transport.srtpCipher : '');
    }
  }
  const sel = selectedId ? byId(selectedId) : undefined;
  const channel = all.find((s) => s.type === 'data-channel');
  const summary = {
    selectedPair: sel ? where(sel.localCandidateId) + ' - ' + where(sel.remoteCandidateId) : null,
    nominated: sel ? sel.nominated === true : false,
    roundTripTimeMs: sel && sel.currentRoundTripTime !== undefined ? sel.currentRoundTripTime * 1000 : null,
    bytesSent: sel ? sel.bytesSent : 0, bytesReceived: sel ? sel.bytesReceived : 0,
    packetsSent: sel ? sel.packetsSent : 0, packetsReceived: sel ? sel.packetsReceived : 0,
    dtlsState: transport ? transport.dtlsState : null, tlsVersion: transport ? transport.tlsVersion : null, dtlsCipher: transport ? transport.dtlsCipher : null,
    channelMessagesSent: channel ? channel.messagesSent : 0, channelMessagesReceived: channel ? channel.messagesReceived : 0,
  };
  state.browserStats = summary;
  fillTable('browser-stats', [
    { cells: ['selected pair', summary.selectedPair || 'none yet'] },
    { cells: ['nominated', summary.nominated ? 'yes' : 'no'] },
    { cells: ['round-trip time', summary.roundTripTimeMs !== null ? summary.roundTripTimeMs.toFixed(1) + ' ms' : ''] },
    { cells: ['bytes sent / received', summary.bytesSent + ' / ' + summary.bytesReceived] },
    { cells: ['packets sent / received', summary.packetsSent + ' / ' + summary.packetsReceived] },
    { cells: ['DTLS', (summary.dtlsState || '') + ' ' + (summary.tlsVersion || '') + ' ' + (summary.dtlsCipher || '')] },
    { cells: ['chat messages sent / received', summary.channelMessagesSent + ' / ' + summary.channelMessagesReceived] },
  ]);
  showEchoStats(report);
}
/** webrtc-stats 8.3 / 8.5: what this browser sends (its camera) and receives (the bot's echo). */
function showEchoStats(report) {
  const all = [...report.values()];
  const codec = (s) => { const c = s && s.codecId ? report.get(s.codecId) : undefined; return c ? c.mimeType : null; };
  const pick = (type, kind, frames) => all.filter((s) => s.type === type && s.kind === kind).sort((a, b) => (b[frames] || 0) - (a[frames] || 0))[0];
  const inV = pick('inbound-rtp', 'video', 'framesDecoded'), outV = pick('outbound-rtp', 'video', 'framesEncoded');
  const inA = pick('inbound-rtp', 'audio', 'packetsReceived'), outA = pick('outbound-rtp', 'audio', 'packetsSent');
  if (!inV && !outV && !inA && !outA) return;
  const echo = {
    inbound: inV ? { framesDecoded: inV.framesDecoded || 0, keyFramesDecoded: inV.keyFramesDecoded || 0, frameWidth: inV.frameWidth || 0, frameHeight: inV.frameHeight || 0,
      framesPerSecond: inV.framesPerSecond || 0, packetsReceived: inV.packetsReceived || 0, packetsLost: inV.packetsLost || 0, nackCount: inV.nackCount || 0,
      pliCount: inV.pliCount || 0, firCount: inV.firCount || 0, codec: codec(inV) } : null,
    outbound: outV ? { framesEncoded: outV.framesEncoded || 0, framesSent: outV.framesSent || 0, frameWidth: outV.frameWidth || 0, frameHeight: outV.frameHeight || 0,
      framesPerSecond: outV.framesPerSecond || 0, packetsSent: outV.packetsSent || 0, nackCount: outV.nackCount || 0, pliCount: outV.pliCount || 0, codec: codec(outV) } : null,
    audio: { packetsSent: outA ? outA.packetsSent || 0 : 0, packetsReceived: inA ? inA.packetsReceived || 0 : 0, packetsLost: inA ? inA.packetsLost || 0 : 0, codec: codec(inA || outA) },
  };
  state.echoStats = echo;
  const o = echo.outbound || {}, i = echo.inbound || {};
  const size = (x) => x.frameWidth ? x.frameWidth + 'x' + x.frameHeight : '';
  fillTable('echo-stats', [
    { cells: ['video codec', o.codec, i.codec] },
    { cells: ['frames', o.framesEncoded !== undefined ? o.framesEncoded + ' encoded' : '', i.framesDecoded !== undefined ? i.framesDecoded + ' decoded (' + i.keyFramesDecoded + ' key)' : ''] },
    { cells: ['frame size', size(o), size(i)] },
    { cells: ['frames per second', o.framesPerSecond, i.framesPerSecond] },
    { cells: ['packets', o.packetsSent !== undefined ? o.packetsSent + ' sent' : '', i.packetsReceived !== undefined ? i.packetsReceived + ' received, ' + i.packetsLost + ' lost' : ''] },
    { cells: ['NACK / PLI', o.nackCount !== undefined ? o.nackCount + ' / ' + o.pliCount + ' received' : '', i.nackCount !== undefined ? i.nackCount + ' / ' + i.pliCount + ' sent' : ''] },
    { cells: ['audio (' + (echo.audio.codec || '-') + ') packets', echo.audio.packetsSent + ' sent', echo.audio.packetsReceived + ' received, ' + echo.audio.packetsLost + ' lost'] },
  ]);
  if (state.camera === 'on' && i.framesDecoded > 0) setState('st-media', 'echo playing', 'ok');
}
function dtlsName(v) { return v === 'FEFC' ? 'DTLS 1.3' : v === 'FEFD' ? 'DTLS 1.2' : v === 'FEFF' ? 'DTLS 1.0' : 'unknown'; }
function showBotStats(m) {
  state.botStats = m;
  const rows = [
    { cells: ['selected pair', m.selectedPair ? m.selectedPair.local + ' - ' + m.selectedPair.remote : 'none yet'] },
    { cells: ['nominated', m.selectedPair && m.selectedPair.nominated ? 'yes' : 'no'] },
    { cells: ['round-trip time', m.selectedPair && m.selectedPair.roundTripTimeMs !== null ? m.selectedPair.roundTripTimeMs.toFixed(1) + ' ms' : 'not reported'] },
    { cells: ['bytes sent / received', m.selectedPair && m.selectedPair.bytesSent !== null ? m.selectedPair.bytesSent + ' / ' + m.selectedPair.bytesReceived : 'not reported'] },
    { cells: ['packets sent / received', m.selectedPair && m.selectedPair.packetsSent !== null ? m.selectedPair.packetsSent + ' / ' + m.selectedPair.packetsReceived : 'not reported'] },
    { cells: ['ICE / connection', m.iceConnectionState + ' / ' + m.connectionState + ' (' + (m.iceRole || '?') + ')'] },
    { cells: ['DTLS', (m.dtlsState || '?') + ' as ' + (m.dtlsRole || '?') + (m.tlsVersion ? ' ' + m.tlsVersion + ' (' + dtlsName(m.tlsVersion) + ')' : '') + (m.dtlsCipher ? ' ' + m.dtlsCipher : '')] },
    { cells: ['candidates local / remote', m.localCandidates + ' / ' + m.remoteCandidates] },
  ];
  for (const c of m.channels || []) rows.push({ cells: ['channel ' + c.label + ' (' + c.state + ')', c.messagesSent + ' msgs / ' + c.bytesSent + ' B sent, ' + c.messagesReceived + ' msgs / ' + c.bytesReceived + ' B received'] });
  for (const x of m.media || []) {
    const i = x.inbound, o = x.outbound;
    rows.push({ cells: [x.kind + ' (mid ' + x.mid + ', ' + (x.codec || '?') + ') received',
      i ? i.packetsReceived + ' packets, ' + i.bytesReceived + ' B, ' + i.packetsLost + ' lost' + (i.framesReceived !== null ? ', ' + i.framesReceived + ' frames' : '') + ', NACK ' + i.nackCount + (i.pliCount !== null ? ', PLI ' + i.pliCount : '') + ' sent' : 'nothing'] });
    rows.push({ cells: [x.kind + ' (mid ' + x.mid + ') echoed',
      o ? o.packetsSent + ' packets, ' + o.bytesSent + ' B' + (o.framesSent !== null ? ', ' + o.framesSent + ' frames' : '') + ', NACK ' + o.nackCount + (o.pliCount !== null ? ', PLI ' + o.pliCount : '') + ' received, ' + o.retransmittedPacketsSent + ' resent' +
        (o.roundTripTimeMs !== null ? ', rtt ' + o.roundTripTimeMs.toFixed(1) + ' ms' : '') : 'nothing'] });
  }
  fillTable('bot-stats', rows);
}
async function postOffer(sdp) {
  const res = await fetch('/api/sdp', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: sdp });
  const out = await res.json();
  if (!res.ok) { setState('roundtrip', 'parse error', 'bad'); $('parsed').textContent = out.error; return; }
  setState('roundtrip', out.identical ? 'round trip byte-exact' : 'round trip differs', out.identical ? 'ok' : 'bad');
  $('summary').textContent = out.media.length + ' media sections, BUNDLE ' + out.bundle.join(' ') + ', ' + out.candidates + ' candidates, fingerprint ' + out.fingerprint;
  $('parsed').textContent = JSON.stringify(out.media, null, 2);
  state.sdp = out;
}
function fail(err) { state.errors.push(String(err && err.message || err)); setState('st-signaling', 'error: ' + (err && err.message || err), 'bad'); }
main().catch(fail);
</script>
</body>
</html>
`;
}
