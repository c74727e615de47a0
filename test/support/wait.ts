// Shared helpers for tests that drive real sockets or other processes (interop tests
// only: sans-IO tests run on a virtual clock and never wait). `waitFor` polls a
// predicate until it yields a value; the limit only turns a hang into a clear failure.
import { afterEach } from 'vitest';

/** Default time limit for `waitFor` (a hang becomes a failure naming what was awaited). */
export const WAIT_LIMIT_MS = 15_000;
/** Default polling interval of `waitFor`. */
export const WAIT_POLL_MS = 5;

/** Resolves with the first value of `pred` other than undefined and false, polled every `pollMs`. */
export function waitFor<T>(pred: () => T | undefined, what: string, ms = WAIT_LIMIT_MS, pollMs = WAIT_POLL_MS): Promise<Exclude<T, false>> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      const v = pred();
      if (v !== undefined && v !== false) resolve(v as Exclude<T, false>);
      else if (Date.now() - started > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, pollMs);
    };
    tick();
  });
}

/** A local description once ICE gathering completed (vanilla ICE: the candidates are inside). */
export async function gatheredDescription(
  pc: { readonly iceGatheringState: string; readonly localDescription: { type: string; sdp: string } | null },
  who: string,
  ms = WAIT_LIMIT_MS,
): Promise<{ type: 'offer' | 'answer'; sdp: string }> {
  await waitFor(() => pc.iceGatheringState === 'complete', `${who} gathering`, ms);
  const d = pc.localDescription;
  if (d === null) throw new Error(`${who} has no local description`);
  return { type: d.type as 'offer' | 'answer', sdp: d.sdp };
}

/** Things to close after a test; run in order by the hook (afterEach unless given). */
export type Cleanups = (() => unknown)[];

/** A cleanup list emptied (each awaited, in order) by `hook` (default `afterEach`). */
export function useCleanups(hook: (fn: () => Promise<void>) => void = afterEach): Cleanups {
  const cleanups: Cleanups = [];
  hook(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  return cleanups;
}

/**
 * A peer's getStats() once ICE has selected a pair (the transport's
 * selectedCandidatePairId resolves). Data may flow on a valid pair before nomination
 * (RFC 8445 12.1), so a channel can be open before there is a selected pair to report.
 */
export async function statsWithSelectedPair<R extends ReadonlyMap<string, Record<string, unknown>>>(pc: { getStats(): Promise<R> }, ms = WAIT_LIMIT_MS): Promise<R> {
  const started = Date.now();
  for (;;) {
    const stats = await pc.getStats();
    const transport = [...stats.values()].find((s) => s['type'] === 'transport');
    if (stats.has(String(transport?.['selectedCandidatePairId']))) return stats;
    if (Date.now() - started > ms) return stats;
    await new Promise((r) => setTimeout(r, 20));
  }
}
