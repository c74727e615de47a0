/**
 * Data channels against werift's independent stack (RTCSctpTransport + RTCDataChannel
 * over its SCTP), with a fake DTLS transport object carrying the packets in memory.
 * werift runs on real timers, so our manager is driven on the real clock here.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import type { DataChannelEvent } from '../../src/datachannel/manager.js';
import { DataChannelManager } from '../../src/datachannel/manager.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import { pattern, sameBytes } from '../sctp/helpers.js';
import { RealTimeDriver } from '../sctp/realtime.js';

const require = createRequire(import.meta.url);
const root = path.resolve('node_modules/werift/lib');
const { RTCSctpTransport } = require(`${root}/webrtc/src/transport/sctp.js`) as { RTCSctpTransport: new (port?: number, maxMessageSize?: number) => WSctpTransport };
const { RTCDataChannel, RTCDataChannelParameters } = require(`${root}/webrtc/src/dataChannel.js`) as {
  RTCDataChannel: new (t: WSctpTransport, p: unknown) => WChannel;
  RTCDataChannelParameters: new (p: Record<string, unknown>) => unknown;
};
const { Event } = require(`${root}/common/src/event.js`) as { Event: new () => unknown };

interface WChannel {
  id: number;
  label: string;
  protocol: string;
  ordered: boolean;
  readyState: string;
  send(d: string | Buffer): void;
  close(): void;
  onMessage: { subscribe(fn: (d: string | Buffer) => void): void };
}
interface WSctpTransport {
  setDtlsTransport(d: unknown): void;
  setRemoteMaxMessageSize(n: number): void;
  start(remotePort: number): Promise<void>;
  stop(): Promise<void>;
  onDataChannel: { subscribe(fn: (c: WChannel) => void): void };
  sctp: { state: string };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

function setup() {
  const fakeDtls = {
    id: 'fake-dtls',
    iceTransport: { role: 'controlled' }, // werift: not controlling -> "server" -> even stream ids
    onStateChange: new Event(),
    dataReceiver: undefined as undefined | ((b: Buffer) => void),
    sendData: async (buf: Buffer) => {
      const copy = new Uint8Array(buf);
      setImmediate(() => driver.input(copy));
    },
  };
  const wt = new RTCSctpTransport(5000, 262144);
  wt.setDtlsTransport(fakeDtls);
  wt.setRemoteMaxMessageSize(262144);
  const events: DataChannelEvent[] = [];
  const mgr = new DataChannelManager(new SctpAssociation({ rng: seededRandom(3) }), { dtlsRole: 'server', remoteMaxMessageSize: 262144 });
  const driver = new RealTimeDriver(mgr, (p) => setImmediate(() => fakeDtls.dataReceiver?.(Buffer.from(p))), (e) => events.push(e));
  const until = (cond: () => boolean, what: string, ms = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (cond()) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - t0 > ms) {
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${what}`));
        }
      }, 5);
    });
  cleanup = async () => {
    driver.stop();
    await wt.stop().catch(() => undefined);
  };
  return { wt, mgr, driver, events, until };
}

describe('data channels: purertc <-> werift', () => {
  it('opens channels both ways with DCEP and exchanges strings, binary and large messages', async () => {
    const s = setup();
    await s.wt.start(5000);
    s.mgr.connect(s.driver.now());
    s.driver.pump();
    await s.until(() => s.mgr.association.state === 'established', 'association');

    // werift opens a channel: we get it with its label and protocol
    const wch = new RTCDataChannel(s.wt, new RTCDataChannelParameters({ label: 'from-werift', protocol: 'proto-w', ordered: true }));
    const wGot: (string | Buffer)[] = [];
    wch.onMessage.subscribe((d) => wGot.push(d));
    await s.until(() => s.events.some((e) => e.type === 'channel'), 'channel event');
    const opened = s.events.find((e) => e.type === 'channel');
    expect(opened).toMatchObject({ channel: { label: 'from-werift', protocol: 'proto-w', ordered: true } });
    const id = opened?.type === 'channel' ? opened.channel.id : -1;
    expect(id % 2).toBe(0);
    await s.until(() => wch.readyState === 'open', 'werift channel open');

    const sizes = [1, 100, 1200, 5000, 65536, 262144];
    wch.send('hello from werift');
    for (const [i, n] of sizes.entries()) wch.send(Buffer.from(pattern(i, n)));
    await s.until(() => s.events.filter((e) => e.type === 'message').length === sizes.length + 1, 'messages from werift');
    const msgs = s.events.filter((e): e is Extract<DataChannelEvent, { type: 'message' }> => e.type === 'message');
    expect(msgs[0]?.data).toBe('hello from werift');
    sizes.forEach((n, i) => expect(sameBytes(msgs[i + 1]?.data as Uint8Array, pattern(i, n))).toBe(true));

    s.mgr.send(s.driver.now(), id, 'hello from purertc');
    s.mgr.send(s.driver.now(), id, '');
    for (const [i, n] of sizes.entries()) s.mgr.send(s.driver.now(), id, pattern(50 + i, n));
    s.driver.pump();
    await s.until(() => wGot.length === sizes.length + 2, 'messages to werift');
    expect(wGot[0]).toBe('hello from purertc');
    expect(wGot[1]).toBe('');
    sizes.forEach((n, i) => expect(sameBytes(new Uint8Array(wGot[i + 2] as Buffer), pattern(50 + i, n))).toBe(true));

    // we open a channel: werift sees it, label and all
    const wRemote: WChannel[] = [];
    s.wt.onDataChannel.subscribe((c) => wRemote.push(c));
    const ours = s.mgr.createChannel(s.driver.now(), { label: 'from-purertc', protocol: 'p2', ordered: false });
    s.driver.pump();
    await s.until(() => wRemote.length === 1, 'werift datachannel event');
    expect(ours.id % 2).toBe(1);
    expect(wRemote[0]).toMatchObject({ id: ours.id, label: 'from-purertc', protocol: 'p2', ordered: false });
    const got2: (string | Buffer)[] = [];
    wRemote[0]?.onMessage.subscribe((d) => got2.push(d));
    s.mgr.send(s.driver.now(), ours.id, 'unordered hi');
    s.driver.pump();
    await s.until(() => got2.length === 1, 'unordered message');
    expect(got2[0]).toBe('unordered hi');

    // closing from our side resets the stream; werift closes its channel
    s.mgr.close(s.driver.now(), id);
    s.driver.pump();
    await s.until(() => wch.readyState === 'closed' && s.events.some((e) => e.type === 'closed' && e.id === id), 'close');

    // werift closes the channel we opened: we see closing, reset our side, and close
    wRemote[0]?.close();
    await s.until(() => s.events.some((e) => e.type === 'closed' && e.id === ours.id), 'close from werift');
    expect(s.events.some((e) => e.type === 'closing' && e.id === ours.id)).toBe(true);
    expect(s.mgr.getChannel(ours.id)).toBeUndefined();
  }, 30_000);
});
