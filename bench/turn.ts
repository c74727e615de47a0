/**
 * TURN relaying speed.
 * 1. Core only (sans-IO, no sockets): ChannelData client -> peer and peer -> client
 *    through `TurnServer` (permission, channel and allocation lookups per datagram).
 * 2. Real loopback sockets: a `TurnClient` sends 200-byte ChannelData messages through
 *    the server to an echoing UDP peer and back, in windows of 64; purertc's TURN server
 *    (`purertc turn`, its own process) next to coturn's turnserver when installed, same
 *    run, as a ratio.
 * Run: npx tsx bench/turn.ts
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../src/common/random.js';
import { encodeChannelData } from '../src/stun/index.js';
import { TurnClient } from '../src/turn/client.js';
import type { TurnClientEvent } from '../src/turn/client.js';
import { TurnServer } from '../src/turn/server.js';
import type { TransportAddress } from '../src/turn/address.js';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

function coreBench(): void {
  const client: TransportAddress = { family: 'IPv4', address: '192.0.2.10', port: 5000 };
  const peer: TransportAddress = { family: 'IPv4', address: '203.0.113.5', port: 7000 };
  const server = new TurnServer({ realm: 'r', users: { u: 'p' }, relayAddress: '198.51.100.1', random: seededRandom(1) });
  const c = new TurnClient({ server: { family: 'IPv4', address: '198.51.100.1', port: 3478 }, username: 'u', password: 'p', random: seededRandom(2) });
  let relayId = 0;
  const pump = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let t = c.pollTransmit(); t; t = c.pollTransmit()) {
        moved = true;
        server.handleInput(0, client, t.data);
      }
      for (let t = server.pollTransmit(); t; t = server.pollTransmit()) {
        moved = true;
        if (t.relayId === undefined) c.handleInput(0, t.data);
      }
      for (let e = server.pollEvent(); e; e = server.pollEvent()) {
        if (e.type === 'relay-open') {
          relayId = e.relayId;
          server.handleRelayOpened(0, e.relayId, true);
          moved = true;
        }
      }
    }
  };
  c.allocate(0);
  pump();
  c.bindChannel(0, peer);
  pump();
  while (c.pollEvent());
  const payload = new Uint8Array(200);
  const frame = encodeChannelData(0x4000, payload);
  const N = 1_000_000;
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    server.handleInput(0, client, frame);
    server.pollTransmit();
  }
  const up = N / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < N; i++) {
    server.handleRelayInput(0, relayId, peer, payload);
    server.pollTransmit();
  }
  const down = N / ((performance.now() - t) / 1000);
  out(`core TurnServer, 200-byte ChannelData (1e6 each way):`);
  out(`  client -> peer: ${Math.round(up).toLocaleString('en-US')} msg/s`);
  out(`  peer -> client: ${Math.round(down).toLocaleString('en-US')} msg/s`);
}

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** Echo round trips per second through a TURN server at `server`. */
async function socketBench(server: TransportAddress, user: string, pass: string, total: number): Promise<number> {
  const peer = await udp();
  peer.on('message', (d, r) => peer.send(d, r.port, r.address));
  const peerAddr: TransportAddress = { family: 'IPv4', address: '127.0.0.1', port: peer.address().port };
  const sock = await udp();
  const client = new TurnClient({ server, username: user, password: pass });
  const events: TurnClientEvent[] = [];
  let received = 0;
  let wake: (() => void) | undefined;
  const pump = (): void => {
    for (let t = client.pollTransmit(); t; t = client.pollTransmit()) sock.send(t.data, t.to.port, t.to.address);
    for (let e = client.pollEvent(); e; e = client.pollEvent()) {
      if (e.type === 'data') received++;
      else events.push(e);
    }
    wake?.();
  };
  sock.on('message', (d) => {
    client.handleInput(performance.now(), d);
    pump();
  });
  const until = async (pred: () => boolean): Promise<void> => {
    const deadline = performance.now() + 10_000;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`bench: stuck (${JSON.stringify(events)})`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  };
  client.allocate(performance.now());
  pump();
  await until(() => events.some((e) => e.type === 'allocated'));
  client.bindChannel(performance.now(), peerAddr);
  client.createPermission(performance.now(), [peerAddr]);
  pump();
  await until(() => events.some((e) => e.type === 'channel-bound'));
  const payload = new Uint8Array(200);
  const WINDOW = 64;
  let sent = 0;
  const start = performance.now();
  while (received < total) {
    while (sent < total && sent - received < WINDOW) {
      client.send(peerAddr, payload);
      sent++;
    }
    pump();
    const before = received;
    await until(() => received > before || received >= total);
    // Lost datagrams are not retransmitted: top the window up after a lull.
    if (received === before) sent = received;
  }
  const rate = total / ((performance.now() - start) / 1000);
  client.close(performance.now());
  pump();
  await until(() => events.some((e) => e.type === 'closed')).catch(() => undefined);
  sock.close();
  peer.close();
  return rate;
}

async function startCoturn(): Promise<{ server: TransportAddress; stop(): Promise<void> } | undefined> {
  if (!existsSync('/usr/bin/turnserver')) return undefined;
  const probe = await udp();
  const port = probe.address().port;
  probe.close();
  const dir = mkdtempSync(join(tmpdir(), 'purertc-bench-coturn-'));
  writeFileSync(
    join(dir, 'turnserver.conf'),
    [`listening-ip=127.0.0.1`, `listening-port=${port}`, 'relay-ip=127.0.0.1', 'min-port=47000', 'max-port=47099', 'lt-cred-mech', 'user=u:p', 'realm=r', 'no-tls', 'no-dtls', 'no-tcp', 'no-cli', 'allow-loopback-peers', 'log-file=stdout', `pidfile=${join(dir, 'pid')}`, `userdb=${join(dir, 'db')}`].join('\n') + '\n',
  );
  const proc = spawn('/usr/bin/turnserver', ['-c', join(dir, 'turnserver.conf')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  return {
    server: { family: 'IPv4', address: '127.0.0.1', port },
    async stop() {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

coreBench();
const TOTAL = 50_000;
// Our server runs in its own process (the CLI), like coturn, so it does not share a core with the client.
const ourPort = await (async () => {
  const s = await udp();
  const p = s.address().port;
  s.close();
  return p;
})();
const ours = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'turn', '--host', '127.0.0.1', '--port', String(ourPort), '--user', 'u:p', '--realm', 'r', '--min-port', '47100', '--max-port', '47199', '--allow-loopback-peers'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await once(ours.stdout!, 'data');
const ourRate = await socketBench({ family: 'IPv4', address: '127.0.0.1', port: ourPort }, 'u', 'p', TOTAL);
ours.kill('SIGTERM');
await once(ours, 'exit');
out(`loopback echo through TURN (${TOTAL.toLocaleString('en-US')} x 200-byte ChannelData, window 64, client = purertc TurnClient):`);
out(`  purertc turn server: ${Math.round(ourRate).toLocaleString('en-US')} round trips/s`);
const coturn = await startCoturn();
if (coturn) {
  try {
    const theirRate = await socketBench(coturn.server, 'u', 'p', TOTAL);
    out(`  coturn turnserver:   ${Math.round(theirRate).toLocaleString('en-US')} round trips/s`);
    out(`  ratio purertc/coturn: ${(ourRate / theirRate).toFixed(2)}x`);
  } finally {
    await coturn.stop();
  }
}
