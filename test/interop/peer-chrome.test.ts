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
    expect(node.pc.internalErrors).toBe(0);
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

  it('purertc offers audio and video to receive plus data; Chrome accepts the media sections and data flows', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('node');
    peers.push(node);
    node.offerOptions = { offerToReceiveAudio: true, offerToReceiveVideo: true };
    const ch = node.createChannel('with-media');
    const record = await negotiate(node, browser);
    expect(record.offer.sdp).toMatch(/m=audio[^\n]*\r\n[\s\S]*m=video[\s\S]*m=application/);
    // Chrome accepted every section (non-zero port) and bundled them (RFC 8843).
    const ports = [...(record.answer.sdp ?? '').matchAll(/^m=\S+ (\d+)/gm)].map((m) => Number(m[1]));
    expect(ports).toHaveLength(3);
    for (const p of ports) expect(p).not.toBe(0);
    expect(record.answer.sdp).toMatch(/a=group:BUNDLE 0 1 2/);
    await node.waitForChannel('with-media');
    ch.send('media sections accepted');
    expect(await browser.waitForMessages('with-media', 1)).toEqual(['media sections accepted']);
  }, 60_000);

  it('an ICE restart offered by purertc: Chrome answers with new credentials and data keeps flowing (RFC 8445 9)', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('node');
    peers.push(node);
    const ch = node.createChannel('restart');
    const first = await negotiate(node, browser);
    await node.waitForChannel('restart');
    await browser.waitFor({ kind: 'channelOpen', label: 'restart' });
    node.offerOptions = { iceRestart: true };
    const second = await negotiate(node, browser);
    const ufrag = (sdp: string | undefined): string | undefined => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
    expect(ufrag(second.offer.sdp)).not.toBe(ufrag(first.offer.sdp));
    expect(ufrag(second.answer.sdp)).not.toBe(ufrag(first.answer.sdp));
    ch.send('after restart');
    expect(await browser.waitForMessages('restart', 1)).toEqual(['after restart']);
    await browser.send('restart', 'still here');
    expect(await node.waitForMessages('restart', 1)).toEqual(['still here']);
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

  it('a second channel from purertc, Chrome renegotiating with audio, then closes seen by both sides', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['chat'] });
    const node = new NodePeer('node');
    peers.push(node);
    await negotiate(browser, node);
    await node.waitForChannel('chat');
    await browser.waitFor({ kind: 'channelOpen', label: 'chat' });
    // A second channel needs no renegotiation: DCEP on the existing association (RFC 8832).
    const second = node.createChannel('second');
    await browser.waitFor({ kind: 'channelOpen', label: 'second' });
    second.send('on the second channel');
    expect(await browser.waitForMessages('second', 1)).toEqual(['on the second channel']);
    // Chrome adds an audio transceiver and offers again; the DTLS roles stay (RFC 8842 5.5).
    await page.page.evaluate((id) => {
      (window as unknown as { purertc: { pc(i: string): RTCPeerConnection } }).purertc.pc(id).addTransceiver('audio', { direction: 'recvonly' });
    }, 'chrome');
    const record = await negotiate(browser, node);
    expect(record.offer.sdp).toContain('m=audio');
    expect(record.answer.sdp).toContain('a=setup:active');
    expect(node.pc.signalingState).toBe('stable');
    node.channels.get('chat')?.send('after renegotiation');
    expect(await browser.waitForMessages('chat', 1)).toEqual(['after renegotiation']);
    // Closing our channel resets its stream; Chrome sees it close (RFC 8831 6.7).
    second.close();
    await node.waitFor(() => second.readyState === 'closed', 'second closed here');
    await expect.poll(async () => (await browser.snapshot()).channels.find((c) => c.label === 'second')?.readyState, { timeout: 10_000 }).toBe('closed');
    // Chrome closing its peer connection closes our remaining channel.
    await browser.close();
    await node.waitFor(() => node.channels.get('chat')?.readyState === 'closed', 'chat closed after Chrome closed');
  }, 60_000);
});
