/**
 * purertc's RTCPeerConnection against libdatachannel (node-datachannel/polyfill, native)
 * over 127.0.0.1: JSEP both roles (RFC 8829), ICE (RFC 8445), DTLS (RFC 6347), data
 * channels (RFC 8831). PEERS.md: it needs bindAddress on loopback, and its trickled
 * candidates carry sdpMLineIndex null (sdpMid identifies the section, RFC 8829 3.5.2.1).
 */
import { describe, it } from 'vitest';
import { RTCPeerConnection as LdcPeerConnection } from 'node-datachannel/polyfill';
import { runW3cInterop } from '../peer/w3c-interop.js';
import type { W3cPeer } from '../peer/w3c-interop.js';

function ldc(): W3cPeer {
  return new LdcPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as never) as unknown as W3cPeer;
}

describe('purertc RTCPeerConnection <-> libdatachannel', () => {
  it('libdatachannel offers, purertc answers', async () => {
    await runW3cInterop(ldc(), 'them');
  }, 30_000);
  it('purertc offers, libdatachannel answers', async () => {
    await runW3cInterop(ldc(), 'us');
  }, 30_000);
});
