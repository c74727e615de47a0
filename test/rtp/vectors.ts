// Loads the JSON vectors of vectors/rtp and turns their JSON-friendly values into ours.
import { fromHex } from '../../src/common/hex.js';
import rtpVectors from '../../vectors/rtp/rtp-packets.json' with { type: 'json' };
import rtcpVectors from '../../vectors/rtp/rtcp-packets.json' with { type: 'json' };

export interface ByteRun {
  hex: string;
  comment: string;
}
export interface Vector {
  name: string;
  source: string;
  bytes: ByteRun[];
  expect: unknown;
  canonical: boolean;
}

export function vectorBytes(v: { bytes: ByteRun[] }): Uint8Array {
  return fromHex(v.bytes.map((b) => b.hex).join(''));
}

const BYTE_FIELDS = new Set(['data', 'payload', 'body', 'profileExtension']);
const BIGINT_FIELDS = new Set(['ntpTimestamp']);

/** JSON expectation -> our value: hex strings in byte fields become Uint8Array, decimal strings in NTP fields become bigint, null becomes undefined. */
export function revive(x: unknown, key = ''): unknown {
  if (x === null) return undefined;
  if (Array.isArray(x)) return x.map((e) => revive(e));
  if (typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) out[k] = revive(v, k);
    return out;
  }
  if (typeof x === 'string' && BYTE_FIELDS.has(key)) return fromHex(x);
  if (typeof x === 'string' && BIGINT_FIELDS.has(key)) return BigInt(x);
  return x;
}

export const rtpPacketVectors = rtpVectors.vectors as Vector[];
export const rtcpPacketVectors = rtcpVectors.vectors as Vector[];
export const twccChunkVectors = rtcpVectors.twccChunks as Array<{ name: string; chunk: string; statuses: number[] }>;
