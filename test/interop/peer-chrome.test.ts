/**
 * purertc's RTCPeerConnection against Chromium 156 over 127.0.0.1 (RFC 8829 JSEP offer/
 * answer, RFC 8445 ICE, RFC 6347 DTLS 1.2, RFC 8831/8832 data channels), both roles:
 * Chrome offers and we answer, we offer and Chrome answers. Messages go both ways.
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/peer-chrome.test.ts'
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';

describe.skipIf(!chromeAvailable)('purertc RTCPeerConnection <-> Chrome', () => {
  const chrome = useChrome();
  const peers: NodePeer[] = [];
  afterEach(() => {
    for (const p of peers.splice(0)) p.close();
  });

  it('Chrome offers a data channel, purertc answers; messages both ways', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['chat'] });
    const node = new NodePeer('node');
    peers.push(node);
    const record = await negotiate(browser, node);
    expect(record.answer.sdp).toContain('a=setup:active');
    await browser.waitFor({ kind: 'channelOpen', label: 'chat' });
    await node.waitForChannel('chat');
    await browser.send('chat', 'hello from chrome');
    expect(await node.waitForMessages('chat', 1)).toEqual(['hello from chrome']);
    node.channels.get('chat')?.send('hello from purertc');
    node.channels.get('chat')?.send(new Uint8Array([0, 1, 0xfe, 0xff]));
    expect(await browser.waitForMessages('chat', 2)).toEqual(['hello from purertc', '0001feff']);
    await browser.sendBytes('chat', new Uint8Array([9, 8, 7]));
    expect((await node.waitForMessages('chat', 2))[1]).toEqual(new Uint8Array([9, 8, 7]));
    await browser.waitFor({ kind: 'connectionState', state: 'connected' });
    await node.waitFor(() => node.pc.connectionState === 'connected', 'connected');
  }, 60_000);

  it('purertc offers a data channel, Chrome answers; messages both ways, 64 KiB included', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('node');
    peers.push(node);
    const ch = node.createChannel('data');
    await negotiate(node, browser);
    await node.waitForChannel('data');
    await browser.waitFor({ kind: 'channelOpen', label: 'data' });
    ch.send('hi chrome');
    const big = new Uint8Array(65536).map((_, i) => i & 0xff);
    ch.send(big);
    const got = await browser.waitForMessages('data', 2);
    expect(got[0]).toBe('hi chrome');
    const snap = await browser.snapshot();
    expect(snap.received).toEqual([{ label: 'data', messages: 2, size: 'hi chrome'.length + 65536 }]);
    await browser.send('data', 'hi purertc');
    expect(await node.waitForMessages('data', 1)).toEqual(['hi purertc']);
    await browser.waitFor({ kind: 'connectionState', state: 'connected' });
  }, 60_000);

  it('answers an offer with audio, video and a data channel (media negotiated, data flows)', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['chat'], audio: true, video: true });
    const node = new NodePeer('node');
    peers.push(node);
    const record = await negotiate(browser, node);
    expect(record.answer.sdp).toMatch(/m=audio [0-9]+ UDP\/TLS\/RTP\/SAVPF 111/);
    expect(record.answer.sdp).toMatch(/a=rtpmap:\d+ VP8\/90000/);
    await browser.waitFor({ kind: 'channelOpen', label: 'chat' });
    await node.waitForChannel('chat');
    node.channels.get('chat')?.send('media answered');
    expect(await browser.waitForMessages('chat', 1)).toEqual(['media answered']);
  }, 60_000);
});
