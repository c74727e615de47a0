/**
 * @module sctp/cookie
 * The State Cookie we put in INIT ACK (RFC 9260 sections 5.1.3 and 5.1.5): the TCB
 * facts needed to create the association when the COOKIE ECHO comes back, a creation
 * time and lifetime, and an HMAC-SHA256 over all of it with a per-association secret.
 * The receiver of our cookie treats it as opaque; only we read it.
 *
 *    +--------+--------+--------+--------+--------+--------+--------+--------+
 *    | ver(1) | features(1)     | created at, ms (6)                          |
 *    | lifetime ms (4)                   | local tag (4)                     |
 *    | peer tag (4)                      | local initial TSN (4)             |
 *    | peer initial TSN (4)              | peer a_rwnd (4)                   |
 *    | outbound streams (2)              | inbound streams (2)               |
 *    | peer's largest receivable packet, 0 = not announced (4)               |
 *    | local tie-tag (4)                 | peer's tie-tag (4)                |
 *    | HMAC-SHA256 of everything above (32)                                  |
 *    +-----------------------------------------------------------------------+
 */
import { Reader, Writer, constantTimeEqual } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { hmac } from '../crypto/hash.js';

const COOKIE_VERSION = 3;
const MAC_BYTES = 32;
/** Size of a cookie we make; anything else is not ours. */
export const STATE_COOKIE_BYTES = 1 + 1 + 6 + 4 + 4 + 4 + 4 + 4 + 4 + 2 + 2 + 4 + 4 + 4 + MAC_BYTES;

export interface StateCookie {
  readonly createdAtMs: number;
  readonly lifetimeMs: number;
  readonly localTag: number;
  readonly peerTag: number;
  readonly localInitialTsn: number;
  readonly peerInitialTsn: number;
  readonly peerARwnd: number;
  /** Negotiated counts: min(our outbound, peer inbound), min(peer outbound, our inbound). */
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly peerForwardTsn: boolean;
  readonly peerReconfig: boolean;
  readonly peerIData: boolean;
  /**
   * Zero checksum in use (RFC 9653 5.2): both ends announced the same alternate error
   * detection method, so packets we send may carry 0 instead of the CRC32c.
   */
  readonly peerZeroChecksum: boolean;
  /** The largest SCTP packet the peer said it receives (0: it did not say), see chunk-init. */
  readonly peerMaxPacketBytes: number;
  /**
   * Tie-Tags (RFC 9260 5.2.2): the association's Local Tag and Peer's Tag when the INIT
   * came while one existed (a peer restart), 0 otherwise.
   */
  readonly localTieTag: number;
  readonly peerTieTag: number;
}

export function makeStateCookie(secret: Uint8Array, c: StateCookie): Uint8Array {
  const w = new Writer(STATE_COOKIE_BYTES);
  w.u8(COOKIE_VERSION)
    .u8((c.peerForwardTsn ? 1 : 0) | (c.peerReconfig ? 2 : 0) | (c.peerIData ? 4 : 0) | (c.peerZeroChecksum ? 8 : 0))
    .u48(Math.max(0, Math.floor(c.createdAtMs)))
    .u32(c.lifetimeMs)
    .u32(c.localTag)
    .u32(c.peerTag)
    .u32(c.localInitialTsn)
    .u32(c.peerInitialTsn)
    .u32(c.peerARwnd)
    .u16(c.outboundStreams)
    .u16(c.inboundStreams)
    .u32(c.peerMaxPacketBytes)
    .u32(c.localTieTag)
    .u32(c.peerTieTag);
  w.bytes(hmac('sha256', secret, w.written()));
  return w.finish();
}

/**
 * Checks the MAC and decodes. Throws `ParseError` for a cookie that is not ours or was
 * altered; the caller checks the age (RFC 9260 5.1.5 step 3).
 */
export function openStateCookie(secret: Uint8Array, bytes: Uint8Array): StateCookie {
  if (bytes.length !== STATE_COOKIE_BYTES) throw new ParseError(`state cookie of ${bytes.length} bytes, ours have ${STATE_COOKIE_BYTES}`);
  const body = bytes.subarray(0, STATE_COOKIE_BYTES - MAC_BYTES);
  const mac = bytes.subarray(STATE_COOKIE_BYTES - MAC_BYTES);
  if (!constantTimeEqual(mac, hmac('sha256', secret, body))) throw new ParseError('state cookie MAC mismatch');
  const r = new Reader(body);
  if (r.u8() !== COOKIE_VERSION) throw new ParseError('state cookie version');
  const f = r.u8();
  return {
    createdAtMs: r.u48(),
    lifetimeMs: r.u32(),
    localTag: r.u32(),
    peerTag: r.u32(),
    localInitialTsn: r.u32(),
    peerInitialTsn: r.u32(),
    peerARwnd: r.u32(),
    outboundStreams: r.u16(),
    inboundStreams: r.u16(),
    peerMaxPacketBytes: r.u32(),
    localTieTag: r.u32(),
    peerTieTag: r.u32(),
    peerForwardTsn: (f & 1) !== 0,
    peerReconfig: (f & 2) !== 0,
    peerIData: (f & 4) !== 0,
    peerZeroChecksum: (f & 8) !== 0,
  };
}
