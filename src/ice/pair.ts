/**
 * @module ice/pair
 * Candidate pair priority and ordering (RFC 8445 6.1.2.3) and pair states (6.1.2.6):
 *
 *     pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)
 *
 * where G is the priority of the controlling agent's candidate and D the controlled
 * agent's. The result needs 64 bits, so it is a `bigint`.
 */

/** RFC 8445 6.1.2.6 pair states. */
export type PairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

/** RFC 8445 6.1.2.3. */
export function pairPriority(controllingPriority: number, controlledPriority: number): bigint {
  const g = BigInt(controllingPriority);
  const d = BigInt(controlledPriority);
  const min = g < d ? g : d;
  const max = g < d ? d : g;
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

/** Pair priority seen from one agent: `local`/`remote` candidate priorities and our role. */
export function pairPriorityFor(localPriority: number, remotePriority: number, controlling: boolean): bigint {
  return controlling ? pairPriority(localPriority, remotePriority) : pairPriority(remotePriority, localPriority);
}

/** Sort comparator: decreasing pair priority (6.1.2.3). */
export function comparePairs(a: { priority: bigint }, b: { priority: bigint }): number {
  return a.priority > b.priority ? -1 : a.priority < b.priority ? 1 : 0;
}
