/**
 * @module cli/signal
 * `purertc signal`: the WebSocket rooms signaling server (src/signaling, protocol in
 * signaling/protocol.ts) until SIGINT/SIGTERM. Serves the browser client script at
 * /purertc-signaling.js on the same port.
 */
import { describeFlags, parseArgs } from './args.js';
import { createSignalingServer } from '../signaling/server.js';
import { BROWSER_CLIENT_PATH } from '../signaling/browser-client.js';
import { DEFAULT_SIGNALING_LIMITS } from '../signaling/rooms.js';

const flags = {
  port: { type: 'number', default: 8080, description: 'TCP port to listen on (0 = any free port)' },
  host: { type: 'string', default: '127.0.0.1', description: 'address to bind (0.0.0.0 or :: for every interface)' },
  path: { type: 'string', default: '/', description: 'WebSocket endpoint path' },
  'max-bytes': { type: 'number', default: DEFAULT_SIGNALING_LIMITS.maxMessageBytes, description: 'largest message accepted' },
  'max-rooms': { type: 'number', default: DEFAULT_SIGNALING_LIMITS.maxRooms, description: 'rooms held at once' },
  'max-peers': { type: 'number', default: DEFAULT_SIGNALING_LIMITS.maxPeersPerRoom, description: 'peers per room' },
  rate: { type: 'number', default: DEFAULT_SIGNALING_LIMITS.messagesPerSecond, description: 'messages per second per connection (0 = no limit)' },
  heartbeat: { type: 'number', default: DEFAULT_SIGNALING_LIMITS.heartbeatIntervalMs, description: 'ping interval in ms (0 = off)' },
  origin: { type: 'string', default: '', description: 'comma-separated browser origins allowed (empty = any)' },
  quiet: { type: 'boolean', default: false, description: 'do not log joins and leaves' },
} as const;

export const summary = 'Run the WebSocket rooms signaling server';
export const usage = `usage: purertc signal [--port 8080] [--host 127.0.0.1]

Clients speak JSON over a WebSocket: {type:'join', room, name?}, then offer / answer /
candidate / bye / message with an optional 'to' peer id (else the whole room); the
server answers welcome, joined, peer-joined, peer-left, the relayed messages with
'from', and {type:'error', code, message}. Pages can load the client script from
${BROWSER_CLIENT_PATH}.

${describeFlags(flags)}`;

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new Error(`--port must be 0..65535, got ${f.port}`);
  if (!f.path.startsWith('/')) throw new Error(`--path must start with '/', got '${f.path}'`);
  const server = await createSignalingServer({
    host: f.host,
    port: f.port,
    path: f.path,
    ...(f.origin === '' ? {} : { allowedOrigins: f.origin.split(',').map((o) => o.trim()).filter((o) => o !== '') }),
    limits: {
      maxMessageBytes: f['max-bytes'],
      maxRooms: f['max-rooms'],
      maxPeersPerRoom: f['max-peers'],
      messagesPerSecond: f.rate,
      heartbeatIntervalMs: f.heartbeat,
    },
    onEvent: (e) => {
      if (f.quiet) return;
      if (e.type === 'join') process.stdout.write(`purertc signal: ${e.id} joined '${e.room}'\n`);
      else if (e.type === 'leave') process.stdout.write(`purertc signal: ${e.id} left '${e.room}'\n`);
      else if (e.type === 'close') process.stdout.write(`purertc signal: ${e.id} dropped (${e.reason})\n`);
    },
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      // The listeners stay until the close is done, so a second Ctrl-C during the
      // shutdown does not kill the process half-way.
      if (stopping) return;
      stopping = true;
      process.stdout.write(`purertc signal: ${signal}, shutting down\n`);
      void server.close().then(() => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        resolve();
      });
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    // Printed after the handlers are in place: whoever waits for this line may signal at once.
    const httpBase = `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
    process.stdout.write(`purertc signal: listening on ${server.url}\n`);
    process.stdout.write(`purertc signal: browser client at ${httpBase}${BROWSER_CLIENT_PATH}\n`);
  });
}
