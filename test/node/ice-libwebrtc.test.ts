// Our ICE agent on real loopback sockets against libwebrtc's ICE (the native stack in
// @roamhq/wrtc, the one Chrome runs): hand-written SDP carries credentials and
// candidates; success is libwebrtc's own iceConnectionState reaching 'connected' (DTLS
// never starts: we only speak ICE here). Both roles: libwebrtc offers (controlling) and
// we answer, and we offer (controlling) while libwebrtc answers. Only libwebrtc's
// loopback candidates are given to our agent, which binds 127.0.0.1 only.
import { afterEach, describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { parseCandidate, serializeCandidate } from '../../src/ice/index.js';
import { UdpIceTransport } from '../../src/node/ice-transport.js';

interface Pc {
  createDataChannel(label: string): unknown;
  createOffer(): Promise<{ type: string; sdp: string }>;
  createAnswer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  readonly localDescription: { sdp: string } | null;
  readonly iceGatheringState: string;
  readonly iceConnectionState: string;
  close(): void;
}
const RTCPeerConnection = (wrtc as unknown as { RTCPeerConnection: new (c?: unknown) => Pc }).RTCPeerConnection;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function waitFor<T>(pred: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) resolve(v);
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

// A syntactically valid certificate fingerprint: DTLS never runs in this test.
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 3).toString(16).padStart(2, '0').toUpperCase()).join(':');

function ourSdp(t: UdpIceTransport, setup: 'actpass' | 'active', mid: string): string {
  const lines = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=mid:${mid}`,
    `a=ice-ufrag:${t.agent.localUfrag}`,
    `a=ice-pwd:${t.agent.localPassword}`,
    `a=fingerprint:sha-256 ${FINGERPRINT}`,
    `a=setup:${setup}`,
    'a=sctp-port:5000',
    ...t.agent.localCandidates.map((c) => `a=${serializeCandidate(c)}`),
    'a=end-of-candidates',
  ];
  return lines.join('\r\n') + '\r\n';
}

function applyRemote(t: UdpIceTransport, sdp: string): void {
  const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
  const pwd = /a=ice-pwd:(\S+)/.exec(sdp)?.[1];
  if (!ufrag || !pwd) throw new Error('no ICE credentials in libwebrtc SDP');
  t.setRemoteCredentials(ufrag, pwd);
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=candidate:')) continue;
    const c = parseCandidate(line);
    if (c.transport === 'udp' && c.address === '127.0.0.1') t.addRemoteCandidate(c);
  }
  t.endOfRemoteCandidates();
}

async function gathered(pc: Pc): Promise<string> {
  await waitFor(() => (pc.iceGatheringState === 'complete' ? true : undefined), 'libwebrtc gathering');
  return pc.localDescription?.sdp ?? '';
}

async function ours(role: 'controlling' | 'controlled'): Promise<UdpIceTransport> {
  const t = await UdpIceTransport.create({
    role,
    addresses: ['127.0.0.1'],
    includeLoopback: true,
    mdnsResolver: false,
    // libwebrtc also binds the machine's other addresses and checks from them; stay on loopback.
    remoteFilter: (r) => r.address === '127.0.0.1',
  });
  cleanups.push(() => t.close());
  t.gather();
  return t;
}

const connected = (t: UdpIceTransport) => (t.agent.connectionState === 'connected' || t.agent.connectionState === 'completed' ? true : undefined);

describe('interop: our ICE agent <-> libwebrtc (@roamhq/wrtc) on loopback', () => {
  it('libwebrtc offers and controls; we answer, controlled', async () => {
    const pc = new RTCPeerConnection();
    cleanups.push(() => pc.close());
    pc.createDataChannel('ice');
    await pc.setLocalDescription(await pc.createOffer());
    const offer = await gathered(pc);
    const mid = /a=mid:(\S+)/.exec(offer)?.[1] ?? '0';
    const t = await ours('controlled');
    applyRemote(t, offer);
    await pc.setRemoteDescription({ type: 'answer', sdp: ourSdp(t, 'active', mid) });
    await waitFor(() => (['connected', 'completed'].includes(pc.iceConnectionState) ? true : undefined), 'libwebrtc iceConnectionState connected');
    await waitFor(() => connected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlled');
  });

  it('we offer and control; libwebrtc answers, controlled', async () => {
    const t = await ours('controlling');
    const pc = new RTCPeerConnection();
    cleanups.push(() => pc.close());
    await pc.setRemoteDescription({ type: 'offer', sdp: ourSdp(t, 'actpass', '0') });
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = await gathered(pc);
    applyRemote(t, answer);
    await waitFor(() => (['connected', 'completed'].includes(pc.iceConnectionState) ? true : undefined), 'libwebrtc iceConnectionState connected');
    await waitFor(() => connected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlling');
  });
});
