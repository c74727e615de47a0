/**
 * purertc's RTCPeerConnection against werift 0.25.2's (an independent TypeScript stack)
 * over 127.0.0.1: JSEP offer/answer both ways (RFC 8829), ICE (RFC 8445), DTLS 1.2
 * (RFC 6347) and data channels (RFC 8831/8832) with messages both ways. Settings from
 * PEERS.md (werift skips loopback unless told, and waits for a STUN server).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection as WeriftPeerConnection } from 'werift';
import type { RTCDataChannel as WeriftDataChannel } from 'werift';
import { NodePeer } from '../peer/node-peer.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function werift(): WeriftPeerConnection {
  const pc = new WeriftPeerConnection({
    ...WERIFT_LOOPBACK_CONFIG,
  });
  cleanups.push(() => pc.close());
  return pc;
}

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** werift's description once its gathering is complete (vanilla ICE: candidates in the SDP). */
async function weriftLocal(pc: WeriftPeerConnection): Promise<{ type: 'offer' | 'answer'; sdp: string }> {
  await waitFor(() => pc.iceGatheringState === 'complete', 'werift gathering');
  const d = pc.localDescription;
  if (!d) throw new Error('werift has no local description');
  return { type: d.type as 'offer' | 'answer', sdp: d.sdp };
}

async function ourLocal(node: NodePeer): Promise<{ type: 'offer' | 'answer'; sdp: string }> {
  await waitFor(() => node.pc.iceGatheringState === 'complete', 'purertc gathering');
  const d = node.pc.localDescription;
  if (!d) throw new Error('no local description');
  return { type: d.type as 'offer' | 'answer', sdp: d.sdp };
}

function track(dc: WeriftDataChannel): (string | Uint8Array)[] {
  const got: (string | Uint8Array)[] = [];
  dc.onMessage.subscribe((m) => got.push(typeof m === 'string' ? m : new Uint8Array(m)));
  return got;
}

describe('purertc RTCPeerConnection <-> werift', () => {
  it('werift offers a data channel, purertc answers; messages both ways', async () => {
    const w = werift();
    const dc = w.createDataChannel('chat');
    const fromUs = track(dc);
    await w.setLocalDescription(await w.createOffer());
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    await node.pc.setRemoteDescription(await weriftLocal(w));
    await node.pc.setLocalDescription(await node.pc.createAnswer());
    await w.setRemoteDescription(await ourLocal(node));
    await node.waitForChannel('chat');
    await waitFor(() => dc.readyState === 'open', 'werift channel open');
    dc.send('hello from werift');
    dc.send(Buffer.from([1, 2, 3]));
    expect(await node.waitForMessages('chat', 2)).toEqual(['hello from werift', new Uint8Array([1, 2, 3])]);
    const ours = node.channels.get('chat');
    ours?.send('hello from purertc');
    ours?.send(new Uint8Array(60000).fill(7));
    await waitFor(() => fromUs.length === 2, 'messages at werift');
    expect(fromUs[0]).toBe('hello from purertc');
    expect(fromUs[1]).toEqual(new Uint8Array(60000).fill(7));
  }, 30_000);

  it('purertc offers a data channel, werift answers; messages both ways', async () => {
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    const ch = node.createChannel('data');
    await node.pc.setLocalDescription(await node.pc.createOffer());
    const w = werift();
    let remote: WeriftDataChannel | undefined;
    let got: (string | Uint8Array)[] = [];
    w.onDataChannel.subscribe((d) => {
      remote = d;
      got = track(d);
    });
    await w.setRemoteDescription(await ourLocal(node));
    await w.setLocalDescription(await w.createAnswer());
    await node.pc.setRemoteDescription(await weriftLocal(w));
    await node.waitForChannel('data');
    ch.send('to werift');
    await waitFor(() => got.length === 1, 'message at werift');
    expect(got).toEqual(['to werift']);
    remote?.send('to purertc');
    expect(await node.waitForMessages('data', 1)).toEqual(['to purertc']);
    await waitFor(() => node.pc.connectionState === 'connected', 'connected');
  }, 30_000);
});
