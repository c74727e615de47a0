/**
 * @module turn/inbound
 * The first step for a datagram reaching a TURN client or server (RFC 8656 12, 18):
 * ChannelData (first two bits 01, RFC 8656 12.4; with the RFC 5766 channel range the
 * first byte runs up to 0x7f), or a STUN message (RFC 8489 5) whose FINGERPRINT, when
 * present, is correct (14.7); anything else is dropped. Never throws on remote input:
 * a malformed STUN message is a drop, like any other stray datagram.
 */
import { ParseError } from '../common/errors.js';
import { classifyPacket } from '../stun/demux.js';
import { decodeStunMessage, getAttribute, verifyFingerprint } from '../stun/message.js';
import type { DecodedStunMessage } from '../stun/message.js';

/** What a TURN endpoint does with one datagram. */
export type TurnInbound =
  | { readonly kind: 'channel-data' }
  | { readonly kind: 'stun'; readonly msg: DecodedStunMessage; readonly hasFingerprint: boolean }
  | { readonly kind: 'drop' };

const CHANNEL_DATA: TurnInbound = { kind: 'channel-data' };
const DROP: TurnInbound = { kind: 'drop' };

/**
 * Sorts a datagram: `maxChannelFirstByte` is the first byte of the highest channel number
 * accepted (0x4f for RFC 8656's 0x4000-0x4fff, 0x7f for RFC 5766's 0x4000-0x7fff).
 */
export function classifyTurnInput(data: Uint8Array, maxChannelFirstByte: number): TurnInbound {
  const kind = classifyPacket(data);
  const b0 = data[0] ?? 0;
  if (kind === 'channel-data' || (b0 >= 0x40 && b0 <= maxChannelFirstByte)) return CHANNEL_DATA;
  if (kind !== 'stun') return DROP;
  let msg: DecodedStunMessage;
  try {
    msg = decodeStunMessage(data);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return DROP;
  }
  const hasFingerprint = getAttribute(msg, 'FINGERPRINT') !== undefined;
  if (hasFingerprint && !verifyFingerprint(msg)) return DROP;
  return { kind: 'stun', msg, hasFingerprint };
}
