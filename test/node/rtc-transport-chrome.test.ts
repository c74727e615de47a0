// W3C webrtc-pc 5.5 RTCDtlsTransport and 5.6 RTCIceTransport of a purertc RTCPeerConnection
// checked against Chromium's own objects over 127.0.0.1: each side's remote certificate is
// the other's (DER bytes equal, Chrome's a=fingerprint matches ours), the selected
// candidate pairs mirror each other, and both DTLS transports are connected. Waits on events only.
// Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/node/rtc-transport-chrome.test.ts'
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from '../interop/harness/index.js';
import type { PageWindow } from '../interop/harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { waitFor } from '../support/wait.js';

/** What Chrome's RTCDtlsTransport and RTCIceTransport show (page side). */
interface ChromeTransport {
  readonly dtlsState: string;
  readonly iceState: string;
  readonly remoteCertificatesHex: string[];
  readonly local: { readonly address: string | null; readonly port: number | null } | null;
  readonly remote: { readonly address: string | null; readonly port: number | null } | null;
}

describe.skipIf(!chromeAvailable)('RTCDtlsTransport / RTCIceTransport against Chrome', () => {
  const chrome = useChrome();
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.each(['chrome', 'purertc'] as const)('%s offers: certificates and selected pairs agree on both ends', async (offerer) => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', offerer === 'chrome' ? { dataChannels: ['x'] } : {});
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    if (offerer === 'purertc') node.createChannel('x');
    if (offerer === 'chrome') await negotiate(browser, node);
    else await negotiate(node, browser);
    // DTLS may finish on the first valid pair before ICE nominates (RFC 8445 section 8.1.1):
    // wait for both.
    const dtls = await waitFor(() => {
      const t = node.pc.sctp?.transport;
      return t?.state === 'connected' && ['connected', 'completed'].includes(t.iceTransport.state) ? t : undefined;
    }, 'purertc DTLS and ICE connected');
    const readChrome = (): Promise<ChromeTransport | undefined> => page.page.evaluate((id) => {
      const t = (window as unknown as PageWindow).purertc.pc(id).sctp?.transport;
      if (!t) return undefined;
      const pair = t.iceTransport.getSelectedCandidatePair();
      const hex = (b: ArrayBuffer): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
      return {
        dtlsState: t.state, iceState: t.iceTransport.state,
        remoteCertificatesHex: t.getRemoteCertificates().map(hex),
        local: pair ? { address: pair.local.address, port: pair.local.port } : null,
        remote: pair ? { address: pair.remote.address, port: pair.remote.port } : null,
      };
    }, 'chrome');
    let seen = await readChrome();
    // Real-time bound: a hang becomes a failure naming what was awaited.
    for (const start = Date.now(); !(seen?.dtlsState === 'connected' && seen.local !== null) && Date.now() - start < 15_000;) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await readChrome();
    }
    expect(seen?.dtlsState).toBe('connected');

    // Certificates: Chrome holds our DER; ours is the one Chrome's a=fingerprint names.
    const ourDer = Buffer.from(node.pc.getConfiguration().certificates![0]!.certificate.der).toString('hex');
    expect(seen!.remoteCertificatesHex[0]).toBe(ourDer);
    const theirDer = new Uint8Array(dtls.getRemoteCertificates()[0]!);
    const chromeSdp = (await browser.descriptions()).local?.sdp ?? '';
    const fp = /a=fingerprint:sha-256 (\S+)/.exec(chromeSdp)?.[1]?.replaceAll(':', '').toLowerCase();
    expect(createHash('sha256').update(theirDer).digest('hex')).toBe(fp);

    // Role: the offerer controls (RFC 8445 section 6.1.1; both ends full ICE). Chromium does
    // not implement RTCIceTransport.role, so only ours is read.
    const ice = dtls.iceTransport;
    expect(ice.role).toBe(offerer === 'purertc' ? 'controlling' : 'controlled');

    // Selected pairs mirror each other.
    const ours = ice.getSelectedCandidatePair()!;
    expect({ address: ours.local.address, port: ours.local.port }).toEqual(seen!.remote);
    expect({ address: ours.remote.address, port: ours.remote.port }).toEqual(seen!.local);
  }, 60_000);
});
