/**
 * @module sctp/error-cause
 * Error causes carried by ABORT and ERROR (RFC 9260 section 3.3.10): a TLV of cause
 * code, length and cause-specific information.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Cause Code            |       Cause Length            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                    Cause-Specific Information                 /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { parseParams, writeParams } from './chunk-header.js';
import { CauseCode } from './constants.js';

export interface ErrorCause {
  readonly code: number;
  readonly info: Uint8Array;
}

export function parseErrorCauses(value: Uint8Array, what: string): ErrorCause[] {
  return parseParams(value, what).map((p) => ({ code: p.type, info: p.value }));
}

export function writeErrorCauses(w: Writer, causes: readonly ErrorCause[]): void {
  writeParams(w, causes.map((c) => ({ type: c.code, value: c.info })));
}

const CAUSE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CauseCode).map(([k, v]) => [v, k]));

/** A readable description: the cause name, and the text of a User-Initiated Abort or Protocol Violation. */
export function describeCause(c: ErrorCause): string {
  const name = CAUSE_NAMES[c.code] ?? `cause ${c.code}`;
  if ((c.code === CauseCode.UserInitiatedAbort || c.code === CauseCode.ProtocolViolation) && c.info.length > 0) {
    return `${name}: ${new TextDecoder('utf-8', { fatal: false }).decode(c.info)}`;
  }
  return name;
}

/** A cause with a UTF-8 text reason (User-Initiated Abort 12, Protocol Violation 13). */
export function textCause(code: number, text: string): ErrorCause {
  return { code, info: new TextEncoder().encode(text) };
}
