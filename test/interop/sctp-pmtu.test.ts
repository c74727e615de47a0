/**
 * SCTP packet-size probing (RFC 8899 with HEARTBEAT + PAD, RFC 4820) over the whole stack
 * on loopback: between two purertc peers the packet size rises to the DTLS record limit
 * (RFC 8261 5: one SCTP packet per record, 2^14 bytes of plaintext at most); towards
 * libwebrtc (Chrome, @roamhq/wrtc), which announces nothing and fails its DTLS transport
 * on a record plaintext above 2048 bytes, it stays within UNANNOUNCED_PEER_MAX_PACKET_BYTES
 * and 64 KiB messages keep flowing both ways. Peers that announced nothing get probes
 * padded inside the Heartbeat Info, never a PAD chunk (werift rejects unknown chunks);
 * libwebrtc does not answer those above its own packet size, so its path stays at 1200.
 * Observation only: the largest SCTP packet each association hands out is recorded by
 * wrapping SctpAssociation.prototype.pollTransmit (behaviour unchanged).
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/sctp-pmtu.test.ts'
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import { DTLS_MAX_PACKET_BYTES, UNANNOUNCED_PEER_MAX_PACKET_BYTES } from '../../src/sctp/constants.js';

const created: SctpAssociation[] = [];
const biggestSent = new WeakMap<SctpAssociation, number>();
/** Associations that sent a PAD chunk (RFC 4820, type 0x84). */
const sentPad = new WeakSet<SctpAssociation>();
function hasPadChunk(p: Uint8Array): boolean {
  for (let pos = 12; pos + 4 <= p.length; ) {
    const len = ((p[pos + 2] as number) << 8) | (p[pos + 3] as number);
    if (p[pos] === 0x84) return true;
    if (len < 4) return false;
    pos += (len + 3) & ~3;
  }
  return false;
}
const original = SctpAssociation.prototype.pollTransmit;
SctpAssociation.prototype.pollTransmit = function (this: SctpAssociation): Uint8Array | undefined {
  const p = original.call(this);
  if (!biggestSent.has(this)) created.push(this);
  if (p) biggestSent.set(this, Math.max(biggestSent.get(this) ?? 0, p.length));
  if (p && hasPadChunk(p)) sentPad.add(this);
  else if (!biggestSent.has(this)) biggestSent.set(this, 0);
  return p;
};
afterAll(() => {
  SctpAssociation.prototype.pollTransmit = original;
});

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The association created since `mark` that reached 'established'. */
function newAssociation(mark: number): SctpAssociation | undefined {
  return created.slice(mark).find((a) => a.state === 'established');
}

const MESSAGES = 16;
const big = (k: number): Uint8Array => new Uint8Array(65536).map((_, i) => (i * 7 + k) & 0xff);

describe('SCTP PMTU probing between purertc peers on loopback', () => {
  it('rises to the DTLS record limit and carries 64 KiB messages in large packets', async () => {
    const mark = created.length;
    const a = new NodePeer('a');
    const b = new NodePeer('b');
    try {
      a.pc.onicecandidate = (e) => void (e.candidate && b.pc.addIceCandidate(e.candidate));
      b.pc.onicecandidate = (e) => void (e.candidate && a.pc.addIceCandidate(e.candidate));
      const ch = a.createChannel('pmtu');
      await b.setRemoteDescription(await a.createOffer());
      await a.setRemoteDescription(await b.createAnswer());
      await a.waitForChannel('pmtu');
      await b.waitForChannel('pmtu');
      await waitFor(() => created.slice(mark).filter((x) => x.state === 'established' && !x.probing).length === 2, 'probing done');
      const [x, y] = created.slice(mark).filter((s) => s.state === 'established');
      for (const s of [x, y]) {
        expect(s?.peerMaxPacketBytes).toBe(DTLS_MAX_PACKET_BYTES);
        expect(s?.mtu).toBeGreaterThan(DTLS_MAX_PACKET_BYTES - 64);
      }
      for (let i = 0; i < MESSAGES; i++) ch.send(big(i));
      const got = await b.waitForMessages('pmtu', MESSAGES);
      expect(got.every((m, i) => m instanceof Uint8Array && m.length === 65536 && m[1] === big(i)[1])).toBe(true);
      const sender = created.slice(mark).find((s) => (biggestSent.get(s) ?? 0) > UNANNOUNCED_PEER_MAX_PACKET_BYTES);
      expect(sender).toBeDefined();
      expect(biggestSent.get(sender as SctpAssociation)).toBeLessThanOrEqual(DTLS_MAX_PACKET_BYTES);
    } finally {
      a.close();
      b.close();
    }
  }, 30_000);
});

interface W3cChannel {
  readonly readyState: string;
  binaryType: string;
  onmessage: ((e: { data: unknown }) => void) | null;
  send(d: string | ArrayBuffer | Uint8Array): void;
}
interface W3cPeer {
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: { type: string; sdp?: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp?: string }): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  readonly localDescription: { type: string; sdp: string } | null;
  readonly connectionState: string;
  onicecandidate: ((e: { candidate: { candidate: string } | null }) => void) | null;
  ondatachannel: ((e: { channel: W3cChannel }) => void) | null;
  close(): void;
}

describe('SCTP PMTU probing towards libwebrtc (@roamhq/wrtc)', () => {
  it('stays within 2048-byte packets, and 64 KiB messages flow both ways', async () => {
    const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as { RTCPeerConnection: new (c?: unknown) => W3cPeer };
    const mark = created.length;
    const us = new NodePeer('purertc');
    const them = new wrtc.RTCPeerConnection({ iceServers: [] });
    try {
      us.pc.onicecandidate = (e) => void (e.candidate && them.addIceCandidate(e.candidate.toJSON()).catch(() => undefined));
      them.onicecandidate = (e) => {
        if (e.candidate && / (127\.0\.0\.1|::1) /.test(e.candidate.candidate)) void us.pc.addIceCandidate(e.candidate as never);
      };
      let theirs: W3cChannel | undefined;
      const theirGot: Uint8Array[] = [];
      them.ondatachannel = (e) => {
        theirs = e.channel;
        e.channel.binaryType = 'arraybuffer';
        e.channel.onmessage = (m) => theirGot.push(new Uint8Array(m.data as ArrayBuffer));
      };
      const mine = us.createChannel('pmtu');
      await them.setRemoteDescription(await us.createOffer());
      const answer = await them.createAnswer();
      await them.setLocalDescription(answer);
      const sdp = (them.localDescription?.sdp ?? '').split('\r\n').filter((l) => !l.startsWith('a=candidate:') || / (127\.0\.0\.1|::1) /.test(l)).join('\r\n');
      await us.setRemoteDescription({ type: 'answer', sdp });
      await us.waitForChannel('pmtu');
      await waitFor(() => theirs?.readyState === 'open', 'their channel open');
      await waitFor(() => newAssociation(mark)?.probing === false, 'probing done');
      const ours = newAssociation(mark) as SctpAssociation;
      expect(ours.peerMaxPacketBytes).toBe(0);
      expect(ours.mtu).toBeGreaterThanOrEqual(1200);
      expect(ours.mtu).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
      for (let i = 0; i < MESSAGES; i++) mine.send(big(i));
      for (let i = 0; i < 4; i++) theirs?.send(big(100 + i));
      await waitFor(() => theirGot.length === MESSAGES, `${MESSAGES} messages at libwebrtc`);
      expect(theirGot.every((m, i) => m.length === 65536 && m[5] === big(i)[5])).toBe(true);
      const got = await us.waitForMessages('pmtu', 4);
      expect(got.every((m, i) => m instanceof Uint8Array && m.length === 65536 && m[5] === big(100 + i)[5])).toBe(true);
      expect(biggestSent.get(ours)).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
      expect(sentPad.has(ours)).toBe(false);
      expect(them.connectionState).toBe('connected');
    } finally {
      us.close();
      them.close();
    }
  }, 30_000);
});

describe.skipIf(!chromeAvailable)('SCTP PMTU probing towards Chrome', () => {
  const chrome = useChrome();
  const peers: NodePeer[] = [];
  afterEach(() => {
    for (const p of peers.splice(0)) p.close();
  });

  it('purertc offers, Chrome answers: probes carry no PAD chunk, packets stay within 2048, 64 KiB messages both ways', async () => {
    const mark = created.length;
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('node');
    peers.push(node);
    const ch = node.createChannel('data');
    await negotiate(node, browser);
    await node.waitForChannel('data');
    await browser.waitFor({ kind: 'channelOpen', label: 'data' });
    await waitFor(() => newAssociation(mark)?.probing === false, 'probing done');
    const ours = newAssociation(mark) as SctpAssociation;
    expect(ours.peerMaxPacketBytes).toBe(0);
    expect(ours.mtu).toBeGreaterThanOrEqual(1200);
    expect(ours.mtu).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    for (let i = 0; i < MESSAGES; i++) ch.send(big(i));
    await browser.waitForMessages('data', MESSAGES);
    const snap = await browser.snapshot();
    expect(snap.received).toEqual([{ label: 'data', messages: MESSAGES, size: MESSAGES * 65536 }]);
    await browser.sendBytes('data', big(9));
    const got = await node.waitForMessages('data', 1);
    expect(got[0]).toEqual(big(9));
    expect(biggestSent.get(ours)).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    expect(sentPad.has(ours)).toBe(false);
    await browser.waitFor({ kind: 'connectionState', state: 'connected' });
    expect(node.pc.connectionState).toBe('connected');
  }, 60_000);

  it('Chrome offers, purertc answers: the same bound holds with Chrome as the SCTP initiator', async () => {
    const mark = created.length;
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { dataChannels: ['chat'] });
    const node = new NodePeer('node');
    peers.push(node);
    await negotiate(browser, node);
    await browser.waitFor({ kind: 'channelOpen', label: 'chat' });
    await node.waitForChannel('chat');
    await waitFor(() => newAssociation(mark)?.probing === false, 'probing done');
    const ours = newAssociation(mark) as SctpAssociation;
    expect(ours.peerMaxPacketBytes).toBe(0);
    expect(ours.mtu).toBeGreaterThanOrEqual(1200);
    expect(ours.mtu).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    const ch = node.channels.get('chat');
    for (let i = 0; i < MESSAGES; i++) ch?.send(big(i));
    await browser.waitForMessages('chat', MESSAGES);
    const snap = await browser.snapshot();
    expect(snap.received).toEqual([{ label: 'chat', messages: MESSAGES, size: MESSAGES * 65536 }]);
    expect(biggestSent.get(ours)).toBeLessThanOrEqual(UNANNOUNCED_PEER_MAX_PACKET_BYTES);
    expect(sentPad.has(ours)).toBe(false);
    await browser.waitFor({ kind: 'connectionState', state: 'connected' });
  }, 60_000);
});
