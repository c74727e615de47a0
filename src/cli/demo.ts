/**
 * @module cli/demo
 * `purertc demo`: serves the demo page on 127.0.0.1 and runs purertc's STUN server
 * beside it. The page gathers candidates against that STUN server and sends its offer
 * to `/api/sdp`, where purertc's SDP codec (RFC 8866) parses and re-serializes it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeFlags, parseArgs } from './args.js';
import { demoPage } from './demo-page.js';
import { startStunServer } from '../node/stun-server.js';
import { parseSdp, serializeSdp, bundleGroups, candidates, codecs, fingerprints, mid, direction } from '../sdp/index.js';
import { ParseError } from '../common/errors.js';

const flags = {
  host: { type: 'string', default: '127.0.0.1', description: 'address for the web page and the STUN server' },
  port: { type: 'number', default: 8080, description: 'HTTP port of the demo page (0 = any free port)' },
  'stun-port': { type: 'number', default: 0, description: 'UDP port of the STUN server (0 = any free port)' },
} as const;

export const summary = 'Run the demo: a page on localhost, purertc STUN server, SDP parsed by purertc';
export const usage = `usage: purertc demo [--host 127.0.0.1] [--port 8080] [--stun-port 0]\n\n${describeFlags(flags)}`;

/** Largest SDP body the demo accepts (bytes). */
const MAX_BODY_BYTES = 256 * 1024;

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
  close(): Promise<void>;
}

export async function startDemo(options: { host: string; port: number; stunPort: number }): Promise<DemoHandle> {
  const stun = await startStunServer({ host: options.host, port: options.stunPort });
  const stunUrl = `stun:${options.host.includes(':') ? `[${options.host}]` : options.host}:${stun.port}`;
  const page = demoPage(stunUrl);
  const http = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    } else if (req.method === 'POST' && req.url === '/api/sdp') {
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
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      void stun.close();
      reject(err.code === 'EADDRINUSE' ? new Error(`TCP port ${options.port} on ${options.host} is already in use (try --port 0)`) : err);
    });
    http.listen(options.port, options.host, () => resolve());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const hostForUrl = options.host === '127.0.0.1' ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}/`,
    stunUrl,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await stun.close();
    },
  };
}

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  const demo = await startDemo({ host: f.host, port: f.port, stunPort: f['stun-port'] });
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
    process.stdout.write(`purertc demo: STUN server at ${demo.stunUrl}\npurertc demo: open ${demo.url} in Chrome (Ctrl-C to stop)\n`);
  });
}
