/**
 * The W3C facade's `bundlePolicy` (webrtc-pc 4.2.1 RTCConfiguration, RFC 8829 section
 * 4.1.1): a WebIDL enum (TypeError for other values), 'balanced' by default in
 * getConfiguration, and passed to the core: a max-bundle offer has bundle-only sections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../src/node/rtc-peer-connection.js';
import type { RTCBundlePolicy } from '../../src/node/rtc-peer-connection.js';
import { isBundleOnly, parseSdp } from '../../src/sdp/index.js';

const open: RTCPeerConnection[] = [];
afterEach(() => {
  for (const pc of open.splice(0)) pc.close();
});

function peer(bundlePolicy?: RTCBundlePolicy): RTCPeerConnection {
  const pc = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], ...(bundlePolicy ? { bundlePolicy } : {}) });
  open.push(pc);
  return pc;
}

describe('RTCConfiguration.bundlePolicy', () => {
  it('is balanced by default and an unknown value is a TypeError', () => {
    expect(peer().getConfiguration().bundlePolicy).toBe('balanced');
    expect(peer('max-bundle').getConfiguration().bundlePolicy).toBe('max-bundle');
    expect(() => new RTCPeerConnection({ bundlePolicy: 'bogus' as RTCBundlePolicy })).toThrow(TypeError);
  });

  it('reaches the core: each policy marks the sections RFC 8829 5.2.1 says', async () => {
    const marks: Record<string, boolean[]> = {};
    for (const policy of ['balanced', 'max-compat', 'max-bundle'] as const) {
      const pc = peer(policy);
      pc.addTransceiver('audio');
      pc.addTransceiver('audio');
      pc.addTransceiver('video');
      const offer = await pc.createOffer();
      marks[policy] = parseSdp(offer.sdp ?? '').media.map((m) => isBundleOnly(m));
    }
    expect(marks).toEqual({ 'balanced': [false, true, false], 'max-compat': [false, false, false], 'max-bundle': [false, true, true] });
  });
});
