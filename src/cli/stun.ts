/**
 * @module cli/stun
 * `purertc stun`: a STUN Binding server (RFC 8489 12) on UDP until SIGINT/SIGTERM.
 */
import { describeFlags, parseArgs } from './args.js';
import { startStunServer } from '../node/stun-server.js';

const flags = {
  port: { type: 'number', default: 3478, description: 'UDP port to listen on (0 = any free port)' },
  host: { type: 'string', default: '0.0.0.0', description: 'address to bind (:: for IPv6)' },
  rate: { type: 'number', default: 50, description: 'requests per second allowed per source IP (0 = no limit)' },
} as const;

export const summary = 'Run a STUN Binding server (RFC 8489) on UDP';
export const usage = `usage: purertc stun [--port 3478] [--host 0.0.0.0]\n\n${describeFlags(flags)}`;

export async function run(argv: readonly string[]): Promise<void> {
  const f = parseArgs(argv, flags);
  if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new Error(`--port must be 0..65535, got ${f.port}`);
  const server = await startStunServer({ host: f.host, port: f.port, ratePerSecond: f.rate });
  process.stdout.write(`purertc stun: listening on ${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}/udp\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stdout.write(`purertc stun: ${signal}, shutting down\n`);
      void server.close().then(resolve);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
