/**
 * ICE figures:
 * 1. Time to connect two local agents with real UDP sockets on 127.0.0.1 (from the
 *    first `gather()` until both report `connected`), purertc <-> purertc, next to
 *    werift <-> werift (`Connection`) in the same run. Median and p90 of RUNS.
 * 2. STUN packets per check round, counted on the sans-IO cores over an instant
 *    in-memory link: the packets both agents send until both are connected, for N x N
 *    host candidates, and the consent traffic per minute once connected.
 * 3. Incoming connectivity checks answered per second by one agent (decode, verify
 *    MESSAGE-INTEGRITY and FINGERPRINT, role check, build the signed response).
 * Run: npx tsx bench/ice.ts [runs]
 */
import { Candidate as WCandidate, Connection } from 'werift';
import { seededRandom } from '../src/common/random.js';
import { IceAgent, type IceEvent } from '../src/ice/index.js';
import { decodeBinding, encodeBinding, isStun, shortTermKey } from '../src/ice/stun-binding.js';
import { UdpIceTransport } from '../src/node/ice-transport.js';

const RUNS = Number(process.argv[2] ?? 20);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return `median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms, min ${(s[0] as number).toFixed(2)} ms (n=${s.length})`;
}

async function connectOurs(taMs = 50): Promise<number> {
  const a = await UdpIceTransport.create({ role: 'controlling', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: false, taMs });
  const b = await UdpIceTransport.create({ role: 'controlled', addresses: ['127.0.0.1'], includeLoopback: true, mdnsResolver: false, taMs });
  const up = (t: UdpIceTransport) => t.agent.connectionState === 'connected' || t.agent.connectionState === 'completed';
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    const check = () => {
      if (up(a) && up(b)) resolve(performance.now() - t0);
    };
    a.on((e) => {
      if (e.type === 'candidate') b.addRemoteCandidate(e.candidate);
      check();
    });
    b.on((e) => {
      if (e.type === 'candidate') a.addRemoteCandidate(e.candidate);
      check();
    });
  });
  a.setRemoteCredentials(b.agent.localUfrag, b.agent.localPassword);
  b.setRemoteCredentials(a.agent.localUfrag, a.agent.localPassword);
  a.gather();
  b.gather();
  const ms = await done;
  a.close();
  b.close();
  return ms;
}

async function connectWerift(): Promise<number> {
  const opts = {
    additionalHostAddresses: ['127.0.0.1'],
    interfaceAddresses: { udp4: '127.0.0.1' },
    useIpv4: true,
    useIpv6: false,
    stunServer: ['127.0.0.1', 9] as const,
    stunGatherTimeout: 0.001,
  };
  const a = new Connection(true, opts);
  const b = new Connection(false, opts);
  const t0 = performance.now();
  await Promise.all([a.gatherCandidates(), b.gatherCandidates()]);
  a.setRemoteParams({ iceLite: false, usernameFragment: b.localUsername, password: b.localPassword });
  b.setRemoteParams({ iceLite: false, usernameFragment: a.localUsername, password: a.localPassword });
  for (const c of b.localCandidates) await a.addRemoteCandidate(WCandidate.fromSdp(c.toSdp()));
  for (const c of a.localCandidates) await b.addRemoteCandidate(WCandidate.fromSdp(c.toSdp()));
  await a.addRemoteCandidate(undefined);
  await b.addRemoteCandidate(undefined);
  await Promise.all([a.connect(), b.connect()]);
  const ms = performance.now() - t0;
  await a.close();
  await b.close();
  return ms;
}

/** Sans-IO count: STUN packets until both agents are connected, N host bases each. */
function packetsToConnect(n: number): { requests: number; responses: number; virtualMs: number; consentPerMinute: number } {
  const a = new IceAgent({ role: 'controlling', random: seededRandom(1) });
  const b = new IceAgent({ role: 'controlled', random: seededRandom(2) });
  a.addHostBases(0, Array.from({ length: n }, (_, i) => ({ address: `10.0.1.${i + 1}`, port: 5000 })));
  b.addHostBases(0, Array.from({ length: n }, (_, i) => ({ address: `10.0.2.${i + 1}`, port: 5000 })));
  let now = 0;
  let requests = 0;
  let responses = 0;
  let counting = true;
  let consent = 0;
  const agents: [IceAgent, IceAgent][] = [
    [a, b],
    [b, a],
  ];
  const pump = () => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [from, to] of agents) {
        for (let t = from.pollTransmit(); t; t = from.pollTransmit()) {
          moved = true;
          if (isStun(t.data)) {
            const cls = decodeBinding(t.data).cls;
            if (counting) {
              if (cls === 'request') requests++;
              else responses++;
            } else consent++;
          }
          to.handleInput(now, { local: t.to, remote: t.from, data: t.data });
        }
        for (let e: IceEvent | undefined = from.pollEvent(); e; e = from.pollEvent()) {
          if (e.type === 'candidate') to.addRemoteCandidate(now, e.candidate);
          if (e.type === 'end-of-candidates') to.endOfRemoteCandidates(now);
        }
      }
    }
  };
  a.setRemoteCredentials(0, b.localUfrag, b.localPassword);
  b.setRemoteCredentials(0, a.localUfrag, a.localPassword);
  a.gather(0);
  b.gather(0);
  const up = (x: IceAgent) => x.connectionState === 'connected' || x.connectionState === 'completed';
  for (let step = 0; step < 100_000; step++) {
    pump();
    if (up(a) && up(b)) break;
    const next = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
    if (next === Infinity) break;
    now = Math.max(now, next);
    a.handleTimeout(now);
    b.handleTimeout(now);
  }
  const virtualMs = now;
  counting = false;
  const end = now + 60_000;
  for (let step = 0; step < 100_000 && now < end; step++) {
    pump();
    const next = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
    if (next === Infinity || next > end) break;
    now = next;
    a.handleTimeout(now);
    b.handleTimeout(now);
  }
  return { requests, responses, virtualMs, consentPerMinute: consent };
}

/** Authenticated Binding requests from a known peer, answered per second. */
function checksPerSecond(ms = 500): number {
  const agent = new IceAgent({ role: 'controlled', random: seededRandom(3) });
  agent.addHostBases(0, [{ address: '10.0.0.1', port: 5000 }]);
  agent.gather(0);
  agent.setRemoteCredentials(0, 'peer', 'peer-password-0123456789');
  const local = { address: '10.0.0.1', port: 5000 };
  const remote = { address: '10.0.0.2', port: 6000 };
  const requests = Array.from({ length: 256 }, (_, i) =>
    encodeBinding({
      cls: 'request',
      transactionId: seededRandom(i + 1).fill(new Uint8Array(12)),
      username: `${agent.localUfrag}:peer`,
      priority: 1853824767,
      iceControlling: 7n,
      integrityKey: shortTermKey(agent.localPassword),
    }),
  );
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 256; k++) {
      agent.handleInput(0, { local, remote, data: requests[k] as Uint8Array });
      while (agent.pollTransmit());
      n++;
    }
    while (agent.pollEvent());
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

async function main(): Promise<void> {
  console.log(`ICE connect on loopback, real sockets (${RUNS} runs each, interleaved):`);
  const ours: number[] = [];
  const fast: number[] = [];
  const theirs: number[] = [];
  await connectOurs(); // warm-up (JIT, first socket binds)
  await connectWerift();
  for (let i = 0; i < RUNS; i++) {
    ours.push(await connectOurs());
    fast.push(await connectOurs(5));
    theirs.push(await connectWerift());
  }
  console.log(`  purertc <-> purertc (Ta 50 ms): ${stats(ours)}`);
  console.log(`  purertc <-> purertc (Ta 5 ms) : ${stats(fast)}`);
  console.log(`  werift  <-> werift             : ${stats(theirs)}`);
  console.log('STUN packets until both agents are connected (sans-IO, instant link, Ta = 50 ms):');
  for (const n of [1, 2, 3]) {
    const r = packetsToConnect(n);
    console.log(
      `  ${n}x${n} host candidates: ${r.requests} requests + ${r.responses} responses = ${r.requests + r.responses} packets, ` +
        `${r.virtualMs} ms virtual; consent afterwards: ${r.consentPerMinute} packets/min for both agents`,
    );
  }
  checksPerSecond(200); // warm-up
  const rates = [checksPerSecond(), checksPerSecond(), checksPerSecond()];
  console.log(`Incoming checks answered: ${Math.round(Math.max(...rates)).toLocaleString('en-US')} per second (best of 3)`);
}

await main();
