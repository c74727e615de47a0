/**
 * @module cli/turn
 * `purertc turn`: a TURN server (RFC 8656, UDP relays, long-term credentials) until
 * SIGINT/SIGTERM.
 */
import { networkInterfaces } from 'node:os';
import { describeFlags, parseArgs, UsageError } from './args.js';
import { startTurnServer } from '../node/turn-server.js';

const flags = {
  port: { type: 'number', default: 3478, description: 'UDP port to listen on (0 = any free port)' },
  host: { type: 'string', default: '0.0.0.0', description: 'address to listen on' },
  user: { type: 'string', description: 'credentials as name:password (comma-separated for several)' },
  realm: { type: 'string', description: 'authentication realm' },
  'min-port': { type: 'number', default: 49152, description: 'lowest relay port' },
  'max-port': { type: 'number', default: 65535, description: 'highest relay port' },
  'relay-ip': { type: 'string', default: '', description: 'address relay sockets bind to and advertise (default: --host, or the first non-loopback IPv4 for 0.0.0.0)' },
  'external-ip': { type: 'string', default: '', description: 'address to advertise in XOR-RELAYED-ADDRESS when behind a 1:1 NAT' },
  'total-quota': { type: 'number', default: 1000, description: 'most allocations at once' },
  'user-quota': { type: 'number', default: 1000, description: 'most allocations at once per username' },
  tcp: { type: 'boolean', default: true, description: 'also accept clients over TCP on the same port (--tcp=false to turn off)' },
  'allow-loopback-peers': { type: 'boolean', default: false, description: 'relay to 127.0.0.0/8 and ::1 peers' },
} as const;

export const summary = 'Run a TURN server (RFC 8656) on UDP';
export const usage = `usage: purertc turn --user name:pass --realm r [--port 3478] [--host 0.0.0.0] [--min-port 49152 --max-port 65535]\n\n${describeFlags(flags)}`;

/** For a wildcard --host: the first non-internal IPv4 address, else loopback. */
function defaultRelayIp(host: string): string {
  if (host !== '0.0.0.0') return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  const users: Record<string, string> = {};
  for (const pair of f.user.split(',')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new UsageError(`--user needs name:password, got '${pair}'`);
    users[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  for (const [name, v] of [['port', f.port], ['min-port', f['min-port']], ['max-port', f['max-port']]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError(`--${name} must be 0..65535, got ${v}`);
  }
  if (f['min-port'] < 1 || f['min-port'] > f['max-port']) throw new UsageError('--min-port must be >= 1 and <= --max-port');
  for (const name of ['total-quota', 'user-quota'] as const) {
    if (!Number.isInteger(f[name]) || f[name] < 1) throw new UsageError(`--${name} must be a positive integer`);
  }
  const server = await startTurnServer({
    host: f.host,
    port: f.port,
    realm: f.realm,
    users,
    minPort: f['min-port'],
    maxPort: f['max-port'],
    allowLoopbackPeers: f['allow-loopback-peers'],
    tcp: f.tcp,
    maxAllocations: f['total-quota'],
    maxAllocationsPerUser: f['user-quota'],
    relayAddress: f['relay-ip'] || defaultRelayIp(f.host),
    ...(f['external-ip'] ? { externalAddress: f['external-ip'] } : {}),
  });
  process.stdout.write(
    `purertc turn: listening on ${server.host}:${server.port}/udp${f.tcp ? ' and tcp' : ''}, realm '${f.realm}', relays on ${f['relay-ip'] || defaultRelayIp(f.host)} ports ${f['min-port']}-${f['max-port']}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stdout.write(`purertc turn: ${signal}, shutting down\n`);
      void server.close().then(resolve);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
