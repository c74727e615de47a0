/**
 * purertc's RTCPeerConnection against libwebrtc (@roamhq/wrtc, native) over loopback:
 * JSEP both roles (RFC 8829), ICE (RFC 8445), DTLS (RFC 6347), data channels (RFC 8831).
 */
import { createRequire } from 'node:module';
import { describe, it } from 'vitest';
import { runW3cInterop } from '../peer/w3c-interop.js';
import type { W3cPeer } from '../peer/w3c-interop.js';

const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new (c?: unknown) => W3cPeer };

describe('purertc RTCPeerConnection <-> libwebrtc (@roamhq/wrtc)', () => {
  it('libwebrtc offers, purertc answers', async () => {
    await runW3cInterop(new wrtc.RTCPeerConnection({ iceServers: [] }), 'them');
  }, 30_000);
  it('purertc offers, libwebrtc answers', async () => {
    await runW3cInterop(new wrtc.RTCPeerConnection({ iceServers: [] }), 'us');
  }, 30_000);
});
