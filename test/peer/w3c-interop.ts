/**
 * Runs purertc's RTCPeerConnection against another stack's W3C RTCPeerConnection in the
 * same process (libwebrtc via @roamhq/wrtc, libdatachannel via node-datachannel/polyfill):
 * trickle ICE both ways, one data channel, messages both ways.
 */
import { expect } from 'vitest';
import { NodePeer } from './node-peer.js';

/** The part of a W3C RTCPeerConnection these tests use (typed loosely: each stack has its own types). */
export interface W3cPeer {
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp?: string }): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  createDataChannel(label: string): W3cChannel;
  readonly localDescription: { type: string; sdp: string } | null;
  readonly connectionState: string;
  onicecandidate: ((e: { candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null }) => void) | null;
  ondatachannel: ((e: { channel: W3cChannel }) => void) | null;
  close(): void;
}

export interface W3cChannel {
  readonly readyState: string;
  binaryType: string;
  onmessage: ((e: { data: unknown }) => void) | null;
  send(d: string | ArrayBuffer | Uint8Array): void;
}

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function toValue(d: unknown): string | Uint8Array {
  if (typeof d === 'string') return d;
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
  return String(d);
}

function collect(ch: W3cChannel): (string | Uint8Array)[] {
  const got: (string | Uint8Array)[] = [];
  ch.binaryType = 'arraybuffer';
  ch.onmessage = (e) => got.push(toValue(e.data));
  return got;
}

/** The description without candidate lines off loopback (tests touch loopback only). */
function loopbackOnly(d: { type: string; sdp?: string }): { type: 'offer' | 'answer'; sdp: string } {
  const sdp = (d.sdp ?? '').split('\r\n').filter((l) => !l.startsWith('a=candidate:') || / (127\.0\.0\.1|::1) /.test(l)).join('\r\n');
  return { type: d.type as 'offer' | 'answer', sdp };
}

/** Offer from `offerer` ('them' or 'us'), trickle both ways, then messages both ways. */
export async function runW3cInterop(them: W3cPeer, offerer: 'them' | 'us', candidateFix: (c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }) => unknown = (c) => c): Promise<void> {
  const us = new NodePeer('purertc');
  try {
    const pending: Promise<void>[] = [];
    us.pc.onicecandidate = (e) => {
      const c = (e as unknown as { candidate: { toJSON(): unknown } | null }).candidate;
      if (c) pending.push(them.addIceCandidate(c.toJSON()).catch(() => undefined));
    };
    them.onicecandidate = (e) => {
      // Loopback only: a stack that also gathers other interfaces keeps them to itself.
      if (e.candidate && e.candidate.candidate !== '' && / (127\.0\.0\.1|::1) /.test(e.candidate.candidate)) pending.push(us.pc.addIceCandidate(candidateFix(e.candidate) as never));
    };
    let theirs: W3cChannel | undefined;
    let theirMessages: (string | Uint8Array)[] = [];
    if (offerer === 'them') {
      theirs = them.createDataChannel('chat');
      theirMessages = collect(theirs);
      const offer = await them.createOffer();
      await them.setLocalDescription(offer);
      await us.pc.setRemoteDescription(loopbackOnly(them.localDescription ?? offer));
      await us.pc.setLocalDescription(await us.pc.createAnswer());
      await them.setRemoteDescription((us.pc.localDescription as { toJSON(): { type: string; sdp: string } }).toJSON() as never);
    } else {
      us.createChannel('chat');
      them.ondatachannel = (e) => {
        theirs = e.channel;
        theirMessages = collect(e.channel);
      };
      await us.pc.setLocalDescription(await us.pc.createOffer());
      await them.setRemoteDescription((us.pc.localDescription as { toJSON(): { type: string; sdp: string } }).toJSON() as never);
      const answer = await them.createAnswer();
      await them.setLocalDescription(answer);
      await us.pc.setRemoteDescription(loopbackOnly(them.localDescription ?? answer));
    }
    await us.waitForChannel('chat');
    await waitFor(() => theirs?.readyState === 'open', 'their channel open');
    await Promise.all(pending);
    theirs?.send('hello from them');
    theirs?.send(new Uint8Array([1, 2, 3]));
    expect(await us.waitForMessages('chat', 2)).toEqual(['hello from them', new Uint8Array([1, 2, 3])]);
    const mine = us.channels.get('chat');
    const big = new Uint8Array(65536).map((_, i) => (i * 3) & 0xff);
    mine?.send('hello from purertc');
    mine?.send(big);
    await waitFor(() => theirMessages.length === 2, 'messages at the other stack');
    expect(theirMessages[0]).toBe('hello from purertc');
    expect(theirMessages[1]).toEqual(big);
    await waitFor(() => us.pc.connectionState === 'connected', 'purertc connected');
  } finally {
    us.close();
    them.close();
  }
}
