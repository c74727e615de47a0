/**
 * Bundle policies (RFC 8829 section 4.1.1) towards Chromium over 127.0.0.1: purertc's
 * initial offers with bundle-only sections (port 0 and a=bundle-only, no ICE/DTLS lines,
 * RFC 8829 section 5.2.1, RFC 8843 section 6) are accepted by Chrome inside the BUNDLE
 * group (every section of its answer live, RFC 8843 section 7.3), and data flows. The
 * offer's fingerprint is also at session level (RFC 8829 section 5.2.1 allows it): without
 * it libwebrtc takes a bundle-only section's transport as unsecured and rejects a data
 * section that follows a bundle-only one (seen with Chromium 156, audio+video+data).
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/peer-bundle-chrome.test.ts'
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { bundleGroups, isBundleOnly, mid, parseSdp } from '../../src/sdp/index.js';

describe.skipIf(!chromeAvailable)('bundle policies <-> Chrome', () => {
  const chrome = useChrome();
  const peers: NodePeer[] = [];
  afterEach(() => {
    for (const p of peers.splice(0)) p.close();
  });

  for (const [policy, kinds, bundleOnly] of [
    ['max-bundle', ['audio', 'video'], [false, true, true]],
    ['balanced', ['audio', 'audio', 'video', 'video'], [false, true, false, true, false]],
  ] as const) {
    it(`purertc offers with ${policy} (${kinds.join(', ')}, data): Chrome accepts the bundle-only sections in its group and data flows`, async () => {
      const page = await chrome.newPage();
      const browser = await page.createPeer('chrome');
      const node = new NodePeer('node', { iceInterfaceAddresses: ['127.0.0.1'], bundlePolicy: policy });
      peers.push(node);
      for (const k of kinds) node.pc.addTransceiver(k, { direction: 'recvonly' });
      const ch = node.createChannel('bundled');
      const record = await negotiate(node, browser);
      const offer = parseSdp(record.offer.sdp ?? '');
      expect(offer.media.map((m) => isBundleOnly(m))).toEqual(bundleOnly);
      expect(offer.media.map((m) => m.port === 0)).toEqual(bundleOnly);
      expect(offer.attributes.some((a) => a.type === 'fingerprint')).toBe(true);
      const answer = parseSdp(record.answer.sdp ?? '');
      expect(answer.media.every((m) => m.port !== 0)).toBe(true);
      expect(answer.media.some((m) => isBundleOnly(m))).toBe(false);
      expect(bundleGroups(answer)).toEqual([answer.media.map((m) => mid(m))]);
      await node.waitForChannel('bundled');
      ch.send('bundle-only accepted');
      expect(await browser.waitForMessages('bundled', 1)).toEqual(['bundle-only accepted']);
      await browser.send('bundled', 'back');
      expect(await node.waitForMessages('bundled', 1)).toEqual(['back']);
      expect(node.pc.internalErrors).toBe(0);
    }, 60_000);
  }
});
