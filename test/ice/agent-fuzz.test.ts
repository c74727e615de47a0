// Remote input never crashes the agent and never grows its memory without bound:
// random bytes, mutated checks, and authenticated checks with random attributes from
// random sources, fed to a connected agent (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PAIRS, DEFAULT_MAX_REMOTE_CANDIDATES, MAX_QUEUED_EVENTS, MAX_QUEUED_TRANSMITS } from '../../src/ice/index.js';
import { encodeBinding, shortTermKey } from '../../src/ice/stun-binding.js';
import { Sim, connected } from './netsim.js';

function connectedPair() {
  const sim = new Sim();
  const a = sim.addAgent('a', '10.0.0.1', { role: 'controlling' });
  const b = sim.addAgent('b', '10.0.0.2', { role: 'controlled' });
  a.agent.gather(0);
  b.agent.gather(0);
  sim.connect(a, b);
  if (!sim.runSignaled(() => connected(a) && connected(b))) throw new Error('did not connect');
  return { sim, a, b };
}

const source = fc.record({
  address: fc.oneof(fc.ipV4(), fc.constant('2001:db8::9')),
  port: fc.integer({ min: 1, max: 65535 }),
});

describe('agent robustness', () => {
  it('random datagrams never throw; bounds hold', () => {
    const { sim, a } = connectedPair();
    const agent = a.agent;
    const pwd = agent.localPassword;
    const ufrag = agent.localUfrag;
    const datagram = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.record({
        tid: fc.uint8Array({ minLength: 12, maxLength: 12 }),
        cls: fc.constantFrom('request' as const, 'success' as const, 'error' as const, 'indication' as const),
        priority: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
        useCandidate: fc.boolean(),
        role: fc.constantFrom('controlling', 'controlled', 'none'),
        tie: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        auth: fc.constantFrom('valid', 'wrong', 'none'),
        user: fc.constantFrom('ours', 'other', 'none'),
        mapped: fc.option(source, { nil: undefined }),
        err: fc.option(fc.integer({ min: 300, max: 699 }), { nil: undefined }),
      }).map((r) =>
        encodeBinding({
          cls: r.cls,
          transactionId: r.tid,
          ...(r.user === 'ours' ? { username: `${ufrag}:peer` } : r.user === 'other' ? { username: 'x:y' } : {}),
          ...(r.priority !== undefined ? { priority: r.priority } : {}),
          ...(r.useCandidate ? { useCandidate: true } : {}),
          ...(r.role === 'controlling' ? { iceControlling: r.tie } : r.role === 'controlled' ? { iceControlled: r.tie } : {}),
          ...(r.mapped ? { xorMappedAddress: r.mapped } : {}),
          ...(r.err !== undefined ? { errorCode: { code: r.err, reason: 'x' } } : {}),
          ...(r.auth === 'valid' ? { integrityKey: shortTermKey(pwd) } : r.auth === 'wrong' ? { integrityKey: shortTermKey('nope') } : {}),
        }),
      ),
    );
    // Valid-looking STUN with one byte changed after the header (breaks FINGERPRINT or a field).
    const mutated = fc.tuple(datagram, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([d, i, x]) => {
      const c = d.slice();
      if (c.length > 20) {
        const at = 20 + (i % (c.length - 20));
        c[at] = (c[at] as number) ^ x;
      }
      return c;
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(source, fc.oneof(datagram, mutated)), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 5000 }), (batch, dt) => {
        for (const [remote, data] of batch) agent.handleInput(sim.now, { local: { address: '10.0.0.1', port: 5000 }, remote, data });
        sim.now += dt;
        agent.handleTimeout(sim.now);
        while (agent.pollTransmit());
        while (agent.pollEvent());
        expect(agent.remoteCandidates.length).toBeLessThanOrEqual(DEFAULT_MAX_REMOTE_CANDIDATES);
        expect(agent.checklist.length).toBeLessThanOrEqual(DEFAULT_MAX_PAIRS);
        expect(agent.pendingTransactionCount).toBeLessThanOrEqual(DEFAULT_MAX_PAIRS * 2 + 16);
      }),
      { numRuns: 300 },
    );
    // The barrage reached the deep paths: authenticated checks taught peer-reflexive candidates.
    expect(agent.remoteCandidates.some((c) => c.type === 'prflx')).toBe(true);
    expect(agent.stats.unauthenticatedDropped).toBeGreaterThan(0);
    expect(agent.stats.malformedDropped).toBeGreaterThan(0);
  });

  it('an undrained agent caps its output queues', () => {
    const { sim, a } = connectedPair();
    const agent = a.agent;
    for (let i = 0; i < 5000; i++) {
      agent.handleInput(sim.now, {
        local: { address: '10.0.0.1', port: 5000 },
        remote: { address: '10.0.0.2', port: 5000 },
        data: new Uint8Array([0x17, i & 0xff]),
      });
      agent.send(new Uint8Array([0x17]));
    }
    expect(agent.queuedOutputCount).toBeLessThanOrEqual(MAX_QUEUED_EVENTS + MAX_QUEUED_TRANSMITS);
    expect(agent.stats.queueOverflowDropped).toBeGreaterThan(0);
  });
});
