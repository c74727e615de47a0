// Two agents through random cuts, healing, loss and ICE restarts by either side
// (RFC 8445 9, RFC 7675): with every outage shorter than the consent budget (30 s from
// the last response, which may be one check period, up to 6 s, before the cut, and the
// first check after healing may come up to 6 s late: so outages under 18 s) and
// moderate loss, they always end up connected again and carry data both ways; no
// sequence leaves them stuck. Fixed fast-check seed: deterministic in CI.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Sim, connected, type Endpoint } from './netsim.js';

function restartSignal(sim: Sim, x: Endpoint, y: Endpoint): void {
  x.agent.restart(sim.now);
  y.agent.setRemoteCredentials(sim.now, x.agent.localUfrag, x.agent.localPassword);
  x.agent.setRemoteCredentials(sim.now, y.agent.localUfrag, y.agent.localPassword);
  for (const c of x.agent.localCandidates) y.agent.addRemoteCandidate(sim.now, c);
  for (const c of y.agent.localCandidates) x.agent.addRemoteCandidate(sim.now, c);
  x.agent.endOfRemoteCandidates(sim.now);
  y.agent.endOfRemoteCandidates(sim.now);
}

type Op =
  | { kind: 'wait'; ms: number }
  | { kind: 'cut'; who: 'a' | 'b' }
  | { kind: 'heal' }
  | { kind: 'restart'; who: 'a' | 'b' }
  | { kind: 'loss'; rate: number };

/** The longest stretch of virtual time during which some side was cut off. */
function longestOutage(ops: readonly Op[]): number {
  let cut = false;
  let run = 0;
  let worst = 0;
  for (const o of ops) {
    if (o.kind === 'cut') cut = true;
    else if (o.kind === 'heal') {
      cut = false;
      run = 0;
    } else if (o.kind === 'wait' && cut) {
      run += o.ms;
      worst = Math.max(worst, run);
    }
  }
  return worst;
}

it('recovers from any sequence of short outages, loss and restarts', () => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 12_000 }) }),
    fc.record({ kind: fc.constant('cut' as const), who: fc.constantFrom('a' as const, 'b' as const) }),
    fc.record({ kind: fc.constant('heal' as const) }),
    fc.record({ kind: fc.constant('restart' as const), who: fc.constantFrom('a' as const, 'b' as const) }),
    fc.record({ kind: fc.constant('loss' as const), rate: fc.constantFrom(0, 0.1, 0.2) }),
  );
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 12 }).filter((ops) => longestOutage(ops) < 17_000),
      fc.integer({ min: 1, max: 1_000_000 }),
      (ops, seed) => {
        const sim = new Sim({ seed });
        const a = sim.addAgent('a', '10.0.0.1', { role: 'controlling', seed });
        const b = sim.addAgent('b', '10.0.0.2', { role: 'controlled', seed: seed + 1 });
        a.agent.gather(0);
        b.agent.gather(0);
        sim.connect(a, b);
        expect(sim.runSignaled(() => connected(a) && connected(b))).toBe(true);
        for (const o of ops) {
          if (o.kind === 'wait') sim.advance(o.ms);
          else if (o.kind === 'cut') sim.blackholed.add(o.who);
          else if (o.kind === 'heal') sim.blackholed.clear();
          else if (o.kind === 'loss') sim.lossRate = o.rate;
          else restartSignal(sim, o.who === 'a' ? a : b, o.who === 'a' ? b : a);
        }
        sim.blackholed.clear();
        sim.lossRate = 0;
        expect(sim.run(() => connected(a) && connected(b), 60_000)).toBe(true);
        expect(a.states).not.toContain('failed');
        expect(b.states).not.toContain('failed');
        a.received.length = 0;
        b.received.length = 0;
        expect(a.agent.send(new Uint8Array([0x17, 1]))).toBe(true);
        expect(b.agent.send(new Uint8Array([0x17, 2]))).toBe(true);
        expect(sim.run(() => a.received.length > 0 && b.received.length > 0, 1000)).toBe(true);
      },
    ),
    { numRuns: 150, seed: 4242 },
  );
});
