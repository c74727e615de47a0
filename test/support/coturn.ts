// coturn's `turnserver` (a STUN/TURN server we did not write) for interop tests: started
// on an ephemeral loopback port with its state in a temporary folder, ready once it
// answers a STUN Binding request (RFC 8489), stopped (and awaited) afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStunMessage, encodeStunMessage, StunMethod } from '../../src/stun/index.js';
import { waitFor } from './wait.js';

export const TURNSERVER = '/usr/bin/turnserver';
/** How long coturn may take to answer its first Binding request. */
export const COTURN_START_LIMIT_MS = 10_000;
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

export interface Coturn {
  /** Its UDP (and TCP) listening port on 127.0.0.1. */
  readonly port: number;
  readonly process: ChildProcess;
  /** Kills it, waits for it to exit and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `turnserver -n` (no config file) on 127.0.0.1 without TLS, DTLS or its CLI, with
 * `flags` added (e.g. `-S` for STUN only, or `--lt-cred-mech --user=u:p --realm=r`).
 */
export async function startCoturn(flags: readonly string[]): Promise<Coturn> {
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'purertc-coturn-'));
  const child = spawn(
    TURNSERVER,
    [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--no-tls', '--no-dtls', '--no-cli',
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
    await waitFor(
      () => {
        if (!up) probe.send(request, port, '127.0.0.1');
        return up ? true : undefined;
      },
      'coturn to answer a Binding request',
      COTURN_START_LIMIT_MS,
      PROBE_INTERVAL_MS,
    );
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.close();
  }
  return { port, process: child, stop };
}
