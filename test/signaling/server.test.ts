/**
 * The `ws` signaling server (src/signaling/server.ts) with the Node client over real
 * sockets on 127.0.0.1 ephemeral ports: join/leave, relay, error replies that keep the
 * connection up, the ws-level size cap (RFC 6455 section 7.4.1, 1009), heartbeat
 * (RFC 6455 section 5.5.2 ping / 5.5.3 pong) dropping a socket that stops answering,
 * mounting on an existing http.Server, and the port-in-use error. No timing assertions:
 * waits are "eventually".
 */
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BROWSER_CLIENT_PATH,
  BROWSER_CLIENT_SCRIPT,
  CLOSE_TRY_AGAIN_LATER,
  HARD_MAX_PAYLOAD_FACTOR,
  MAX_BUFFERED_BYTES,
  SignalingClient,
  SignalingClientError,
  createSignalingServer,
  serveBrowserClient,
} from '../../src/signaling/index.js';
import type { SignalingServer, SignalingServerOptions } from '../../src/signaling/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const server = await createSignalingServer({ host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function client(url: string): Promise<SignalingClient> {
  const c = await SignalingClient.connect(url);
  cleanups.push(() => c.close());
  return c;
}

/** Polls `cond` on the event loop until it holds (no clock assertions). */
async function eventually(cond: () => boolean, what: string, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}

function fetchText(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

describe('signaling server over ws on 127.0.0.1', () => {
  it('join, relay to one and to all, leave and disconnect notify the room', async () => {
    const server = await start();
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    const a = await client(server.url);
    const b = await client(server.url);
    const c = await client(server.url);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);

    expect(await a.join('room', 'alice')).toEqual({ type: 'joined', room: 'room', id: a.id, peers: [] });
    expect((await b.join('room', 'bob')).peers).toEqual([{ id: a.id, name: 'alice' }]);
    expect(await a.next('peer-joined')).toEqual({ type: 'peer-joined', id: b.id, name: 'bob' });
    expect((await c.join('room')).peers.map((p) => p.id)).toEqual([a.id, b.id]);
    await a.next('peer-joined');
    await b.next('peer-joined');

    a.offer('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n', b.id);
    expect(await b.next('offer')).toEqual({ type: 'offer', from: a.id, sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' });
    b.answer('v=0\r\n', a.id);
    expect(await a.next('answer')).toEqual({ type: 'answer', from: b.id, sdp: 'v=0\r\n' });
    a.candidate({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    for (const peer of [b, c]) expect((await peer.next('candidate')).from).toBe(a.id);
    a.candidate(null, c.id);
    expect(await c.next('candidate')).toEqual({ type: 'candidate', from: a.id, candidate: null });
    c.message({ hello: ['world'] });
    expect(await a.next('message')).toEqual({ type: 'message', from: c.id, data: { hello: ['world'] } });
    expect(await b.next('message')).toEqual({ type: 'message', from: c.id, data: { hello: ['world'] } });

    b.leave();
    expect(await b.next('left')).toEqual({ type: 'left', room: 'room' });
    expect(await a.next('peer-left')).toEqual({ type: 'peer-left', id: b.id });
    expect(await c.next('peer-left')).toEqual({ type: 'peer-left', id: b.id });

    await c.close();
    expect(await a.next('peer-left')).toEqual({ type: 'peer-left', id: c.id });
    await eventually(() => server.stats.connections === 2, 'c forgotten');
    expect(server.core.roomMembers('room').map((p) => p.id)).toEqual([a.id]);
  });

  it('error replies keep the connection up', async () => {
    const server = await start({ limits: { maxMessageBytes: 1000, maxPeersPerRoom: 2 } });
    const a = await client(server.url);
    const b = await client(server.url);
    await a.join('r');
    await b.join('r');
    a.sendRaw('not json');
    expect((await a.next('error')).code).toBe('bad-json');
    a.sendRaw(new Uint8Array([0xc3, 0x28]));
    expect((await a.next('error')).code).toBe('bad-json');
    a.sendRaw('{"type":"join"}');
    expect((await a.next('error')).code).toBe('bad-message');
    a.message('x'.repeat(1000));
    expect((await a.next('error')).code).toBe('too-large');
    a.offer('v=0', 'nobody');
    expect((await a.next('error')).code).toBe('unknown-peer');
    const c = await client(server.url);
    await expect(c.join('r')).rejects.toMatchObject({ code: 'room-full' });
    // Still up: a and b talk, c can join elsewhere.
    a.message('still here');
    expect(await b.next('message')).toEqual({ type: 'message', from: a.id, data: 'still here' });
    await c.join('elsewhere');
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.stats.errors).toBe(6);
  });

  it('rate limiting drops the excess with one error reply and keeps the connection', async () => {
    // One token per 1000 s: no refill during the test, however slow the machine.
    const server = await start({ limits: { messagesPerSecond: 0.001, messageBurst: 3 } });
    const a = await client(server.url);
    const b = await client(server.url);
    await a.join('r');
    await b.join('r');
    for (let i = 0; i < 20; i++) a.message(i);
    expect((await a.next('error')).code).toBe('rate-limited');
    // The two tokens left after the join went to messages 0 and 1.
    expect((await b.next('message')).data).toBe(0);
    expect((await b.next('message')).data).toBe(1);
    await eventually(() => server.stats.rateLimited === 18, 'the rest dropped');
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });

  it(`ws closes (1009) a frame over ${HARD_MAX_PAYLOAD_FACTOR}x the message limit; the room hears peer-left`, async () => {
    const server = await start({ limits: { maxMessageBytes: 1000 } });
    const a = await client(server.url);
    const b = await client(server.url);
    await a.join('r');
    await b.join('r');
    a.sendRaw('x'.repeat(1000 * HARD_MAX_PAYLOAD_FACTOR + 1));
    expect((await a.closed).code).toBe(1009);
    expect(await b.next('peer-left')).toEqual({ type: 'peer-left', id: a.id });
  });

  it('heartbeat drops a socket that stops answering pings; the room hears peer-left', async () => {
    // Short enough for a quick test, long enough that a busy CI loop answers in time.
    const server = await start({ limits: { heartbeatIntervalMs: 400 } });
    const alive = await client(server.url);
    let alivePings = 0;
    alive.ws.on('ping', () => alivePings++);
    await alive.join('r');
    // A raw ws client with automatic pongs off: it reads frames but never answers pings.
    const dead = new WebSocket(server.url, { autoPong: false });
    cleanups.push(async () => dead.terminate());
    let pings = 0;
    dead.on('ping', () => pings++);
    const [welcome] = (await once(dead, 'message')) as [Buffer];
    const id = (JSON.parse(welcome.toString()) as { id: string }).id;
    dead.send(JSON.stringify({ type: 'join', room: 'r' }));
    expect(await alive.next('peer-joined')).toEqual({ type: 'peer-joined', id });
    const [code] = (await once(dead, 'close')) as [number];
    expect(code).toBe(1006); // terminated without a closing handshake
    expect(pings).toBeGreaterThan(0);
    expect(await alive.next('peer-left')).toEqual({ type: 'peer-left', id });
    // The one that answers (ws answers pings by default) stays, across several periods.
    const seen = alivePings;
    await eventually(() => alivePings >= seen + 2, 'two more pings to the live client');
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.stats.connections).toBe(1);
  });

  it(`a peer that stops reading is dropped once ${MAX_BUFFERED_BYTES} bytes queue up for it`, async () => {
    const server = await start({ limits: { messagesPerSecond: 0, maxMessageBytes: 64 * 1024 } });
    const a = await client(server.url);
    await a.join('r');
    // A hand-made client (RFC 6455 section 4.1 handshake, one masked text frame with a
    // zero mask, section 5.3) that joins and then never reads again.
    const raw = connect(server.port, '127.0.0.1');
    cleanups.push(async () => void raw.destroy());
    await once(raw, 'connect');
    raw.write(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const [head] = (await once(raw, 'data')) as [Buffer];
    expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    const join = Buffer.from(JSON.stringify({ type: 'join', room: 'r' }));
    raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | join.length, 0, 0, 0, 0]), join]));
    const { id } = await a.next('peer-joined');
    raw.pause();
    const payload = 'x'.repeat(60 * 1024);
    let sent = 0;
    while (server.core.roomOf(id) !== undefined && sent < 2000) {
      a.message(payload);
      sent++;
      if (sent % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(await a.next('peer-left')).toEqual({ type: 'peer-left', id });
    expect(sent).toBeGreaterThan(MAX_BUFFERED_BYTES / payload.length);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a full server refuses with 1013', async () => {
    const server = await start({ limits: { maxConnections: 1 } });
    await client(server.url);
    await expect(SignalingClient.connect(server.url)).rejects.toBeInstanceOf(SignalingClientError);
    const raw = new WebSocket(server.url);
    const [code] = (await once(raw, 'close')) as [number];
    expect(code).toBe(CLOSE_TRY_AGAIN_LATER);
  });

  it('serves the browser client script; other plain HTTP gets 426', async () => {
    const server = await start();
    const base = `http://127.0.0.1:${server.port}`;
    const script = await fetchText(`${base}${BROWSER_CLIENT_PATH}`);
    expect(script.status).toBe(200);
    expect(script.type).toMatch(/^text\/javascript/);
    expect(script.body).toBe(BROWSER_CLIENT_SCRIPT);
    // It is a script a browser can parse (no TypeScript left in it).
    expect(() => new Function(script.body)).not.toThrow();
    expect((await fetchText(`${base}/`)).status).toBe(426);
  });

  it('allowedOrigins: other browser origins get 403, listed and origin-less clients get in', async () => {
    const server = await start({ allowedOrigins: ['http://localhost:3000'] });
    const bad = new WebSocket(server.url, { origin: 'http://evil.example' });
    const [err] = (await once(bad, 'error')) as [Error];
    expect(err.message).toMatch(/403/);
    const good = new WebSocket(server.url, { origin: 'http://localhost:3000' });
    const [welcome] = (await once(good, 'message')) as [Buffer];
    expect(JSON.parse(welcome.toString())).toMatchObject({ type: 'welcome' });
    good.close();
    await client(server.url); // the Node client sends no Origin
  });

  it('the port-in-use error is clear', async () => {
    const server = await start();
    await expect(createSignalingServer({ host: '127.0.0.1', port: server.port })).rejects.toThrow(
      `port ${server.port} on 127.0.0.1 is already in use`,
    );
  });

  it('mounts on an existing http.Server at a path and leaves the rest to its owner', async () => {
    const http: Server = createServer((req, res) => {
      if (serveBrowserClient(req, res)) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`owner ${req.url ?? ''}`);
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    );
    const { port } = http.address() as AddressInfo;
    const server = await start({ server: http, path: '/signal' });
    expect(server.url).toBe(`ws://127.0.0.1:${port}/signal`);
    expect((await fetchText(`http://127.0.0.1:${port}/page`)).body).toBe('owner /page');
    expect((await fetchText(`http://127.0.0.1:${port}${BROWSER_CLIENT_PATH}`)).body).toBe(BROWSER_CLIENT_SCRIPT);
    const a = await client(`${server.url}?token=x`);
    const b = await client(server.url);
    await a.join('r');
    await b.join('r');
    a.message('over the shared port');
    expect((await b.next('message')).data).toBe('over the shared port');
    // A WebSocket to another path is refused (the owner has no upgrade handler).
    const wrong = new WebSocket(`ws://127.0.0.1:${port}/other`);
    const [err] = (await once(wrong, 'error')) as [Error];
    expect(err.message).toMatch(/404/);
    // Closing the signaling server leaves the owner's server running.
    await server.close();
    expect((await fetchText(`http://127.0.0.1:${port}/still`)).body).toBe('owner /still');
  });

  it('close() closes every client with 1001', async () => {
    const server = await createSignalingServer({ host: '127.0.0.1', port: 0 });
    const a = await SignalingClient.connect(server.url);
    await a.join('r');
    await server.close();
    expect((await a.closed).code).toBe(1001);
  });
});
