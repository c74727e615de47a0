// coturn's `turnserver` (a STUN/TURN server we did not write) for interop tests: started
// on an ephemeral loopback port with its state in a temporary folder, ready once it
// answers a STUN Binding request (RFC 8489), stopped (and awaited) afterwards. With
// `{ tls: true }` it also listens for TURN over TLS (RFC 8656 section 3.1) with a
// self-signed certificate made by openssl in that folder (CN localhost, SAN 127.0.0.1).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStunMessage, encodeStunMessage, StunMethod } from '../../src/stun/index.js';
import { waitFor } from './wait.js';

export const TURNSERVER = '/usr/bin/turnserver';
/** How long coturn may take to answer its first Binding request. */
export const COTURN_START_LIMIT_MS = 10_000;
/** Starts tried before giving up: a port found free may be taken again before coturn binds it. */
export const COTURN_START_ATTEMPTS = 3;
/** Interval between readiness probes. */
const PROBE_INTERVAL_MS = 50;

/** A UDP port on 127.0.0.1 free a moment ago (bound and released). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP port on 127.0.0.1 free a moment ago (listened on and released). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` right now. */
async function acceptsTcp(port: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(() => Promise.reject(new Error('refused')))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

export interface CoturnOptions {
  /** Also listen for TLS on `tlsPort` with a fresh self-signed certificate (`certPem`). */
  readonly tls?: boolean;
}

export interface Coturn {
  /** Its UDP (and TCP) listening port on 127.0.0.1. */
  readonly port: number;
  /** With `tls`: its TLS listening port on 127.0.0.1. */
  readonly tlsPort?: number;
  /** With `tls`: its self-signed certificate (PEM), for clients to trust. */
  readonly certPem?: string;
  readonly process: ChildProcess;
  /** Kills it, waits for it to exit and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `turnserver -n` (no config file) on 127.0.0.1 without TLS, DTLS or its CLI, with
 * `flags` added (e.g. `-S` for STUN only, or `--lt-cred-mech --user=u:p --realm=r`). A start
 * that exits or does not answer (its port was taken between our check and its bind, seen
 * once on a loaded CI machine) is retried on fresh ports.
 */
export async function startCoturn(flags: readonly string[], options: CoturnOptions = {}): Promise<Coturn> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCoturnOnce(flags, options);
    } catch (err) {
      if (attempt >= COTURN_START_ATTEMPTS) throw err;
    }
  }
}

async function startCoturnOnce(flags: readonly string[], options: CoturnOptions): Promise<Coturn> {
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'purertc-coturn-'));
  let tlsFlags = ['--no-tls'];
  let tlsPort: number | undefined;
  let certPem: string | undefined;
  if (options.tls) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    certPem = readFileSync(cert, 'utf8');
    tlsPort = await freeTcpPort();
    tlsFlags = [`--tls-listening-port=${tlsPort}`, `--cert=${cert}`, `--pkey=${key}`];
  }
  const child = spawn(
    TURNSERVER,
    [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, ...tlsFlags, '--no-dtls', '--no-cli',
      `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`, ...flags,
    ],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  let up = false;
  probe.on('message', (d) => {
    try {
      if (decodeStunMessage(new Uint8Array(d)).class === 'success') up = true;
    } catch {
      // not a STUN answer: keep probing
    }
  });
  const request = encodeStunMessage({ class: 'request', method: StunMethod.Binding, transactionId: new Uint8Array(12).fill(1), attributes: [] });
  try {
    const outcome = await waitFor(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) return 'exited';
        if (!up) probe.send(request, port, '127.0.0.1');
        return up ? 'up' : undefined;
      },
      'coturn to answer a Binding request',
      COTURN_START_LIMIT_MS,
      PROBE_INTERVAL_MS,
    );
    if (outcome === 'exited') throw new Error(`coturn exited before answering (exit code ${String(child.exitCode)})`);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.close();
  }
  if (tlsPort !== undefined) {
    const p = tlsPort;
    let listening = false;
    try {
      await waitFor(
        () => {
          if (!listening) void acceptsTcp(p).then((ok) => (listening ||= ok));
          return listening ? true : undefined;
        },
        'coturn to accept TLS connections',
        COTURN_START_LIMIT_MS,
        PROBE_INTERVAL_MS,
      );
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return { port, process: child, stop, ...(tlsPort !== undefined ? { tlsPort } : {}), ...(certPem !== undefined ? { certPem } : {}) };
}
