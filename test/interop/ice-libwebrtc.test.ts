// Our ICE agent on real loopback sockets against libwebrtc's ICE (the native stack in
// @roamhq/wrtc, the one Chrome runs): hand-written SDP carries credentials and
// candidates; success is libwebrtc's own iceConnectionState reaching 'connected' (DTLS
// never starts: we only speak ICE here). Both roles: libwebrtc offers (controlling) and
// we answer, and we offer (controlling) while libwebrtc answers. Only libwebrtc's
// loopback candidates are given to our agent, which binds 127.0.0.1 only (libwebrtc also
// binds the machine's other addresses and checks from them; the transport's remote
// filter keeps us on loopback).
import { describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { applyRemoteIce, firstMid, iceConnected, iceOnlySdp, loopbackIceTransport } from '../support/ice-udp.js';
import { useCleanups, waitFor } from '../support/wait.js';

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

const cleanups = useCleanups();

async function gathered(pc: Pc): Promise<string> {
  await waitFor(() => (pc.iceGatheringState === 'complete' ? true : undefined), 'libwebrtc gathering');
  return pc.localDescription?.sdp ?? '';
}

const libwebrtcConnected = (pc: Pc) => (['connected', 'completed'].includes(pc.iceConnectionState) ? true : undefined);

describe('interop: our ICE agent <-> libwebrtc (@roamhq/wrtc) on loopback', () => {
  it('libwebrtc offers and controls; we answer, controlled', async () => {
    const pc = new RTCPeerConnection();
    cleanups.push(() => pc.close());
    pc.createDataChannel('ice');
    await pc.setLocalDescription(await pc.createOffer());
    const offer = await gathered(pc);
    const t = await loopbackIceTransport(cleanups, 'controlled');
    applyRemoteIce(t, offer);
    await pc.setRemoteDescription({ type: 'answer', sdp: iceOnlySdp(t, 'active', firstMid(offer)) });
    await waitFor(() => libwebrtcConnected(pc), 'libwebrtc iceConnectionState connected');
    await waitFor(() => iceConnected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlled');
  });

  it('we offer and control; libwebrtc answers, controlled', async () => {
    const t = await loopbackIceTransport(cleanups, 'controlling');
    const pc = new RTCPeerConnection();
    cleanups.push(() => pc.close());
    await pc.setRemoteDescription({ type: 'offer', sdp: iceOnlySdp(t, 'actpass', '0') });
    await pc.setLocalDescription(await pc.createAnswer());
    const answer = await gathered(pc);
    applyRemoteIce(t, answer);
    await waitFor(() => libwebrtcConnected(pc), 'libwebrtc iceConnectionState connected');
    await waitFor(() => iceConnected(t), 'our agent connected');
    expect(t.agent.selectedPair?.remote.address).toBe('127.0.0.1');
    expect(t.agent.role).toBe('controlling');
  });
});
