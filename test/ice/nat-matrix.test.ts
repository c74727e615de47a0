// The whole two-agent system as a property: random NAT types on each side (RFC 4787
// behaviours in netsim.ts), loss, roles, tie-breakers and an optional TURN relay. ICE
// must connect exactly when a path exists (no relay: fails only for symmetric against
// symmetric or port-restricted), exchange data when connected, and reach 'failed' in
// bounded virtual time otherwise. A fixed fast-check seed keeps CI deterministic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Nat, Sim, connected, type NatType } from './netsim.js';

const STUN = { address: '198.51.100.1', port: 3478 };
type Side = NatType | 'public';

function reachable(a: Side, b: Side, relay: boolean): boolean {
  if (relay) return true;
  const hard = (x: Side, y: Side) => x === 'symmetric' && (y === 'symmetric' || y === 'port-restricted');
  return !hard(a, b) && !hard(b, a);
}

describe('NAT matrix property', () => {
  it('regression: a nomination lost to 50% loss is retried, not left hanging (found by the property below)', () => {
    const seed = 357061;
    const sim = new Sim({ lossRate: 0.5, seed });
    sim.addStunServer(STUN);
    const a = sim.addAgent('a', '192.168.1.10', { role: 'controlling', tieBreaker: 0n, stunServers: [STUN], seed, nat: new Nat('port-restricted', '203.0.113.1') });
    const b = sim.addAgent('b', '192.168.2.20', { role: 'controlling', tieBreaker: 5n, stunServers: [STUN], seed: seed + 1, nat: new Nat('full-cone', '203.0.113.2') });
    a.agent.gather(0);
    b.agent.gather(0);
    sim.connect(a, b);
    expect(sim.runSignaled(() => connected(a) && connected(b), 120_000)).toBe(true);
  });

  it('connects exactly when a path exists, else fails in bounded time', () => {
    const side = fc.constantFrom<Side>('public', 'full-cone', 'address-restricted', 'port-restricted', 'symmetric');
    fc.assert(
      fc.property(
        side,
        side,
        fc.boolean(),
        fc.constantFrom(0, 0.05, 0.1),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('controlling', 'controlled'),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (sa, sb, relay, lossRate, seed, bRole, tbA, tbB) => {
          const sim = new Sim({ lossRate, seed });
          sim.addStunServer(STUN);
          const natA = sa === 'public' ? undefined : new Nat(sa, '203.0.113.1');
          const natB = sb === 'public' ? undefined : new Nat(sb, '203.0.113.2');
          const a = sim.addAgent('a', sa === 'public' ? '203.0.113.11' : '192.168.1.10', {
            role: 'controlling', tieBreaker: tbA, stunServers: [STUN], seed, ...(natA ? { nat: natA } : {}),
          });
          const b = sim.addAgent('b', sb === 'public' ? '203.0.113.12' : '192.168.2.20', {
            role: bRole as 'controlling' | 'controlled', tieBreaker: tbB, stunServers: [STUN], seed: seed + 1, ...(natB ? { nat: natB } : {}),
          });
          if (relay) {
            sim.allocateRelay(a, '198.51.100.9');
            sim.allocateRelay(b, '198.51.100.9');
          }
          a.agent.gather(0);
          b.agent.gather(0);
          sim.connect(a, b);
          const settled = () =>
            (connected(a) && connected(b)) || a.agent.connectionState === 'failed' || b.agent.connectionState === 'failed';
          expect(sim.runSignaled(settled, 120_000)).toBe(true);
          if (reachable(sa, sb, relay)) {
            expect(connected(a) && connected(b)).toBe(true);
            // Exactly one controlling agent remains after any role conflict.
            expect(a.agent.role === 'controlling').not.toBe(b.agent.role === 'controlling');
            sim.lossRate = 0;
            expect(a.agent.send(new Uint8Array([0x17, 1]))).toBe(true);
            expect(b.agent.send(new Uint8Array([0x17, 2]))).toBe(true);
            expect(sim.run(() => a.received.length > 0 && b.received.length > 0, 1000)).toBe(true);
          } else {
            expect(sim.runSignaled(() => a.agent.connectionState === 'failed' && b.agent.connectionState === 'failed', 120_000)).toBe(true);
            expect(sim.now).toBeLessThan(60_000);
          }
        },
      ),
      { numRuns: 80, seed: 20261125 },
    );
  });
});
