/**
 * Chrome harness smoke test: two RTCPeerConnections in one Chrome page connect over
 * 127.0.0.1 and exchange data-channel messages both ways (RFC 8831 data channels over
 * RFC 8445 ICE), with signaling relayed through Node. Proves the launch flags, the
 * camera/microphone permission that unlocks loopback candidates, and the page helpers,
 * inside the loopback-only network namespace CI uses.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, chromeAvailable, negotiate, useChrome } from './harness/index.js';

describe.skipIf(!chromeAvailable)('chrome harness smoke', () => {
  const chrome = useChrome();

  it('two page peers connect over 127.0.0.1 and exchange messages both ways', async () => {
    console.log(`Chromium ${chrome.session.version} launch took ${chrome.launchMs.toFixed(0)} ms`);
    const page = await chrome.newPage();
    const a = await page.createPeer('a', { dataChannels: ['chat'] });
    const b = await page.createPeer('b');
    const record = await negotiate(a, b);

    // Loopback only: every UDP candidate either side reported is on 127.0.0.1.
    const udp = [...record.offererCandidates, ...record.answererCandidates]
      .map((c) => c.candidate ?? '')
      .filter((c) => / udp /i.test(c));
    expect(udp.length).toBeGreaterThan(0);
    // (Outside a loopback-only namespace Chrome also gathers the machine's other
    // addresses and this fails: run as CI does, see harness/chrome.ts.)
    for (const c of udp) expect(c.split(' ')[4]).toBe('127.0.0.1');

    await a.waitFor({ kind: 'channelOpen', label: 'chat' });
    await b.waitFor({ kind: 'channelOpen', label: 'chat' });
    await a.send('chat', 'hello from a');
    await b.send('chat', 'hello from b');
    expect(await b.waitForMessages('chat', 1)).toEqual(['hello from a']);
    expect(await a.waitForMessages('chat', 1)).toEqual(['hello from b']);
    await a.sendBytes('chat', new Uint8Array([0x00, 0x01, 0x7f, 0xff]));
    expect(await b.waitForMessages('chat', 2)).toEqual(['hello from a', '00017fff']);
    const bSnap = await b.snapshot();
    expect(bSnap.messages[1]).toMatchObject({ binary: true, size: 4, truncated: false });
    expect(bSnap.received).toEqual([{ label: 'chat', messages: 2, size: 'hello from a'.length + 4 }]);
    await a.waitFor({ kind: 'connectionState', state: 'connected' });
    await b.waitFor({ kind: 'connectionState', state: 'connected' });

    const stats = await a.stats();
    expect(stats.selectedPair?.local.address).toBe('127.0.0.1');
    expect(stats.selectedPair?.remote.address).toBe('127.0.0.1');
  });

  it('writes the failure artifacts: page log with peer events, and a PNG screenshot', async () => {
    const page = await chrome.newPage();
    const a = await page.createPeer('a', { dataChannels: ['chat'] });
    await a.createOffer();
    await a.gatherCandidates();
    const name = 'harness-self-check';
    await page.saveArtifacts(name);
    const log = await readFile(`${ARTIFACTS_DIR}${name}.log`, 'utf8');
    expect(log).toContain('a createOffer');
    expect(log).toContain('--- peer a');
    expect(log).toMatch(/a: local candidate:\S+ 1 udp /);
    const png = await readFile(`${ARTIFACTS_DIR}${name}.png`);
    // PNG signature (ISO/IEC 15948 section 5.2).
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
