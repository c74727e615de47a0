/**
 * Bundle policies (RFC 8829 section 4.1.1) against libwebrtc (@roamhq/wrtc) and
 * libdatachannel (node-datachannel/polyfill) over loopback: purertc with "max-bundle"
 * offers an audio section and a data channel, the data section bundle-only (port 0,
 * a=bundle-only, no ICE lines, RFC 8829 section 5.2.1, RFC 8843 section 6); the other
 * stack answers, and messages flow both ways over the one transport.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RTCPeerConnection as LdcPeerConnection } from 'node-datachannel/polyfill';
import { NodePeer } from '../peer/node-peer.js';
import type { W3cChannel, W3cPeer } from '../peer/w3c-interop.js';
import { bundleGroups, isBundleOnly, parseSdp } from '../../src/sdp/index.js';

const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new (c?: unknown) => W3cPeer };

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The description without candidate lines off loopback (tests touch loopback only). */
function loopbackOnly(d: { type: string; sdp?: string }): { type: 'answer'; sdp: string } {
  return { type: 'answer', sdp: (d.sdp ?? '').split('\r\n').filter((l) => !l.startsWith('a=candidate:') || / (127\.0\.0\.1|::1) /.test(l)).join('\r\n') };
}

async function maxBundleOffer(them: W3cPeer, withAudio: boolean): Promise<string> {
  const us = new NodePeer('purertc', { iceInterfaceAddresses: ['127.0.0.1'], bundlePolicy: 'max-bundle' });
  try {
    us.pc.onicecandidate = (e) => {
      const c = (e as unknown as { candidate: { toJSON(): unknown } | null }).candidate;
      if (c) void them.addIceCandidate(c.toJSON()).catch(() => undefined);
    };
    them.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate !== '' && / (127\.0\.0\.1|::1) /.test(e.candidate.candidate)) void us.pc.addIceCandidate(e.candidate as never);
    };
    if (withAudio) us.pc.addTransceiver('audio', { direction: 'recvonly' });
    const mine = us.createChannel('chat');
    let theirs: W3cChannel | undefined;
    const got: string[] = [];
    them.ondatachannel = (e) => {
      theirs = e.channel;
      e.channel.onmessage = (m) => {
        got.push(String(m.data));
        e.channel.send(`echo ${String(m.data)}`);
      };
    };
    await us.pc.setLocalDescription(await us.pc.createOffer());
    const offer = (us.pc.localDescription as { sdp: string }).sdp;
    const o = parseSdp(offer);
    expect(o.media.map((m) => isBundleOnly(m))).toEqual(withAudio ? [false, true] : [false]);
    await them.setRemoteDescription({ type: 'offer', sdp: offer });
    const answer = await them.createAnswer();
    await them.setLocalDescription(answer);
    const a = loopbackOnly(them.localDescription ?? answer);
    await us.pc.setRemoteDescription(a);
    await us.waitForChannel('chat');
    await waitFor(() => theirs?.readyState === 'open', 'their channel open');
    mine.send('bundled');
    expect(await us.waitForMessages('chat', 1)).toEqual(['echo bundled']);
    expect(got).toEqual(['bundled']);
    return a.sdp;
  } finally {
    us.close();
    them.close();
  }
}

describe('max-bundle offers <-> libwebrtc and libdatachannel', () => {
  it('libwebrtc accepts a bundle-only data section in the group', async () => {
    const answer = parseSdp(await maxBundleOffer(new wrtc.RTCPeerConnection({ iceServers: [] }), true));
    expect(answer.media.map((m) => m.port !== 0)).toEqual([true, true]);
    expect(bundleGroups(answer)).toEqual([['0', '1']]);
  }, 30_000);

  it('libdatachannel accepts a bundle-only data section in the group', async () => {
    const ldc = new LdcPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as never) as unknown as W3cPeer;
    const answer = parseSdp(await maxBundleOffer(ldc, true));
    expect(answer.media.map((m) => m.port !== 0)).toEqual([true, true]);
    expect(bundleGroups(answer)).toEqual([['0', '1']]);
  }, 30_000);
});
