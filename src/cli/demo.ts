/**
 * @module cli/demo
 * `purertc demo`: one http.Server on 127.0.0.1 serving the demo page (demo-page.ts), the
 * signaling browser client and the signaling WebSocket on `/signal` (src/signaling);
 * purertc's STUN server (RFC 8489) and TURN server (RFC 8656, a generated demo user) on
 * ephemeral UDP ports; and the echo bot (demo-bot.ts), a purertc RTCPeerConnection that
 * joins the page's room when the page asks (`POST /api/bot?room=...`), answers its
 * offer and echoes its chat, and sends the page's camera and microphone back (RTP
 * forwarded over SRTP, RFC 3550 / RFC 3711; the page's `?camera=1` or its camera button).
 * The page also posts its offer to `/api/sdp`, where purertc's SDP codec (RFC 8866) parses
 * and re-serializes it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeFlags, parseArgs } from './args.js';
import { EchoBot } from './demo-bot.js';
import { demoPage } from './demo-page.js';
import type { DemoPageConfig } from './demo-page.js';
import { startStunServer } from '../node/stun-server.js';
import { startTurnServer } from '../node/turn-server.js';
import { createSignalingServer, serveBrowserClient } from '../signaling/server.js';
import { MAX_ROOM_ID_LENGTH } from '../signaling/protocol.js';
import { parseSdp, serializeSdp, bundleGroups, candidates, codecs, fingerprints, mid, direction } from '../sdp/index.js';
import { ParseError } from '../common/errors.js';

const flags = {
  host: { type: 'string', default: '127.0.0.1', description: 'address for the page, signaling, STUN, TURN and the bot' },
  port: { type: 'number', default: 8080, description: 'HTTP port of the demo page (0 = any free port)' },
  'stun-port': { type: 'number', default: 0, description: 'UDP port of the STUN server (0 = any free port)' },
  'turn-port': { type: 'number', default: 0, description: 'UDP port of the TURN server (0 = any free port)' },
} as const;

export const summary = 'Run the demo: a page on localhost chatting with a purertc echo bot over WebRTC, which also sends your camera back';
export const usage = `usage: purertc demo [--host 127.0.0.1] [--port 8080] [--stun-port 0] [--turn-port 0]\n\n${describeFlags(flags)}`;

/** Largest SDP body the demo accepts (bytes). */
const MAX_BODY_BYTES = 256 * 1024;
/** Rooms the bot joins at once (one signaling client each); more get 503. */
export const MAX_BOT_ROOMS = 16;
/** Path of the signaling WebSocket on the demo's http server. */
export const DEMO_SIGNALING_PATH = '/signal';
/** The demo's TURN realm and user name (the password is random per run). */
export const DEMO_TURN_REALM = 'purertc-demo';
export const DEMO_TURN_USER = 'demo';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** What the page shows of a browser offer, as purertc reads it. */
export function describeOffer(text: string): Record<string, unknown> {
  const desc = parseSdp(text);
  const media = desc.media.map((m) => ({
    mid: mid(m),
    kind: m.kind,
    protocol: m.protocol,
    direction: direction(m),
    codecs: codecs(m).map((c) => `${c.payloadType} ${c.name}/${c.clockRate}${c.fmtp ? ` ${c.fmtp}` : ''}`),
    candidates: candidates(m).map((c) => `${c.type} ${c.address}:${c.port}`),
  }));
  const first = desc.media[0];
  return {
    identical: serializeSdp(desc) === text,
    bundle: bundleGroups(desc).flat(),
    candidates: media.reduce((n, m) => n + m.candidates.length, 0),
    fingerprint: first ? (fingerprints(first, desc)[0]?.value ?? '') : '',
    media,
  };
}

export interface DemoHandle {
  readonly url: string;
  readonly stunUrl: string;
  readonly turnUrl: string;
  readonly turnUser: string;
  readonly turnPassword: string;
  readonly signalingUrl: string;
  /** Rooms the bot is in now. */
  readonly botRooms: () => string[];
  close(): Promise<void>;
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startDemo(options: { host: string; port: number; stunPort: number; turnPort?: number; log?: (line: string) => void }): Promise<DemoHandle> {
  const log = options.log ?? (() => undefined);
  const stun = await startStunServer({ host: options.host, port: options.stunPort });
  const turnPassword = randomBytes(12).toString('hex');
  let turn;
  try {
    turn = await startTurnServer({
      host: options.host,
      port: options.turnPort ?? 0,
      realm: DEMO_TURN_REALM,
      users: { [DEMO_TURN_USER]: turnPassword },
      // The page and the bot both live on this machine: relay between loopback peers.
      allowLoopbackPeers: true,
    });
  } catch (err) {
    await stun.close();
    throw err;
  }
  const wildcard = options.host === '0.0.0.0' || options.host === '::';
  // Bound to every address: advertise loopback, where this machine's browser finds it.
  const advertised = wildcard ? (options.host === '::' ? '::1' : '127.0.0.1') : options.host;
  const stunUrl = `stun:${bracket(advertised)}:${stun.port}`;
  const turnUrl = `turn:${bracket(advertised)}:${turn.port}?transport=udp`;
  const config: DemoPageConfig = {
    stunUrl,
    turnUrl,
    turnUser: DEMO_TURN_USER,
    turnPassword,
    signalingPath: DEMO_SIGNALING_PATH,
  };
  const page = demoPage(config);
  const bots = new Map<string, Promise<EchoBot>>();
  let signalingUrl = '';
  let closing = false;
  const allowedOrigins = new Set<string>();
  const ensureBot = (room: string): Promise<EchoBot> => {
    const have = bots.get(room);
    if (have !== undefined) return have;
    const started = EchoBot.start({
      signalingUrl,
      room,
      iceServers: [{ urls: stunUrl }, { urls: turnUrl, username: DEMO_TURN_USER, credential: turnPassword }],
      ...(wildcard ? {} : { iceInterfaceAddresses: [options.host] }),
      log,
    });
    bots.set(room, started);
    started.then(
      (bot) => void bot.stopped.then(() => bots.get(room) === started && bots.delete(room)),
      () => bots.delete(room),
    );
    return started;
  };
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    if (serveBrowserClient(req, res)) return;
    const origin = req.headers.origin;
    if (req.method === 'POST' && origin !== undefined && !allowedOrigins.has(origin)) {
      json(res, 403, { error: `origin ${origin} is not the demo page` });
      return;
    }
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(page);
    } else if (req.method === 'POST' && url.pathname === '/api/sdp') {
      readBody(req).then(
        (text) => {
          try {
            json(res, 200, describeOffer(text));
          } catch (err) {
            json(res, 400, { error: err instanceof ParseError ? `${err.message}` : String(err) });
          }
        },
        (err: unknown) => json(res, 413, { error: String(err) }),
      );
    } else if (req.method === 'POST' && url.pathname === '/api/bot') {
      const room = url.searchParams.get('room') ?? '';
      if (room.length === 0 || room.length > MAX_ROOM_ID_LENGTH) {
        json(res, 400, { error: `room must be 1 to ${MAX_ROOM_ID_LENGTH} characters` });
      } else if (closing) {
        json(res, 503, { error: 'the demo is stopping' });
      } else if (!bots.has(room) && bots.size >= MAX_BOT_ROOMS) {
        json(res, 503, { error: `the bot is already in ${MAX_BOT_ROOMS} rooms` });
      } else {
        ensureBot(room).then(
          (bot) => json(res, 200, { room: bot.room, bot: bot.id }),
          (err: unknown) => json(res, 502, { error: err instanceof Error ? err.message : String(err) }),
        );
      }
    } else {
      res.writeHead(404).end();
    }
  });
  const fail = async (err: unknown): Promise<never> => {
    await Promise.all([stun.close(), turn.close()]);
    throw err;
  };
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`TCP port ${options.port} on ${options.host} is already in use (try --port 0)`) : err);
    });
    http.listen(options.port, options.host, () => resolve());
  }).catch(fail);
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  signalingUrl = `ws://${bracket(advertised)}:${port}${DEMO_SIGNALING_PATH}`;
  // http://localhost is a secure context, so the page may ask for the camera.
  const hostForUrl = advertised === '127.0.0.1' || options.host === '::' ? 'localhost' : bracket(advertised);
  // Only the demo's own page may drive the bot or the signaling: other sites open in the
  // same browser must not (their fetch and WebSocket requests carry their Origin).
  for (const h of new Set(['localhost', '127.0.0.1', '[::1]', hostForUrl, bracket(advertised)])) allowedOrigins.add(`http://${h}:${port}`);
  const signaling = await createSignalingServer({ server: http, path: DEMO_SIGNALING_PATH, allowedOrigins: [...allowedOrigins] }).catch(async (err: unknown) => {
    http.close();
    return fail(err);
  });
  return {
    url: `http://${hostForUrl}:${port}/`,
    stunUrl,
    turnUrl,
    turnUser: DEMO_TURN_USER,
    turnPassword,
    signalingUrl,
    botRooms: () => [...bots.keys()],
    async close() {
      closing = true;
      const started = await Promise.allSettled([...bots.values()]);
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
      await signaling.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.all([stun.close(), turn.close()]);
    },
  };
}

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  const log = (line: string): void => void process.stdout.write(`purertc demo: ${line}\n`);
  const demo = await startDemo({ host: f.host, port: f.port, stunPort: f['stun-port'], turnPort: f['turn-port'], log });
  // Handlers go in before the URL is printed: a signal sent right after it must not kill us.
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('purertc demo: shutting down\n');
      void demo.close().then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.stdout.write(
      `purertc demo: STUN server at ${demo.stunUrl}\n` +
        `purertc demo: TURN server at ${demo.turnUrl} (user ${demo.turnUser}, password ${demo.turnPassword})\n` +
        `purertc demo: signaling at ${demo.signalingUrl}\n` +
        `purertc demo: open ${demo.url} in Chrome (${demo.url}?camera=1 starts with the camera; Ctrl-C to stop)\n`,
    );
  });
}
