/** Helpers for the JSON vectors: byte runs are arrays of `{ field, hex }`. */
import { fromHex } from '../../src/common/hex.js';

export interface ByteRun {
  readonly field: string;
  readonly hex: string;
}

/** Concatenates the byte runs of a vector field. */
export function bytesOf(runs: readonly ByteRun[]): Uint8Array {
  return fromHex(runs.map((r) => r.hex).join(''));
}
