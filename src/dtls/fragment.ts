/**
 * @module dtls/fragment
 * The DTLS handshake message header (RFC 6347 4.2.2) and fragmentation of messages
 * to fit the path MTU (4.2.3). Reassembly is in dtls/reassembly.
 *
 *   struct {
 *     HandshakeType msg_type; uint24 length; uint16 message_seq;
 *     uint24 fragment_offset; uint24 fragment_length; opaque body[fragment_length];
 *   } Handshake;
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';

export const HANDSHAKE_HEADER_LENGTH = 12;
/** The largest handshake message we accept (a ClientHello with ML-KEM shares is ~1.5 KB; certificate chains a few KB). */
export const MAX_HANDSHAKE_MESSAGE_LENGTH = 32 * 1024;

export interface HandshakeFragment {
  readonly msgType: number;
  /** Length of the whole message body. */
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly body: Uint8Array;
}

export function serializeFragment(f: HandshakeFragment): Uint8Array {
  return new Writer(HANDSHAKE_HEADER_LENGTH + f.body.length)
    .u8(f.msgType)
    .u24(f.length)
    .u16(f.messageSeq)
    .u24(f.fragmentOffset)
    .u24(f.body.length)
    .bytes(f.body)
    .finish();
}

/** Every handshake fragment in a record's plaintext. Throws ParseError. */
export function parseFragments(payload: Uint8Array): HandshakeFragment[] {
  const r = new Reader(payload);
  const out: HandshakeFragment[] = [];
  while (!r.done) {
    const msgType = r.u8('msg_type');
    const length = r.u24('length');
    const messageSeq = r.u16('message_seq');
    const fragmentOffset = r.u24('fragment_offset');
    const fragmentLength = r.u24('fragment_length');
    if (length > MAX_HANDSHAKE_MESSAGE_LENGTH) throw new ParseError(`handshake: message length ${length} too large`);
    if (fragmentOffset + fragmentLength > length) throw new ParseError('handshake: fragment runs past message end');
    const body = r.bytesView(fragmentLength, 'fragment body');
    out.push({ msgType, length, messageSeq, fragmentOffset, body });
  }
  return out;
}

/** The unfragmented form of a whole message (what the transcript hashes, RFC 6347 4.2.6). */
export function wholeMessage(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  return serializeFragment({ msgType, length: body.length, messageSeq, fragmentOffset: 0, body });
}

/** Splits a message body into fragments whose bodies are at most `maxFragmentBody` bytes. */
export function fragmentMessage(msgType: number, messageSeq: number, body: Uint8Array, maxFragmentBody: number): HandshakeFragment[] {
  const size = Math.max(1, maxFragmentBody);
  if (body.length === 0) return [{ msgType, length: 0, messageSeq, fragmentOffset: 0, body }];
  const out: HandshakeFragment[] = [];
  for (let at = 0; at < body.length; at += size) {
    out.push({ msgType, length: body.length, messageSeq, fragmentOffset: at, body: body.subarray(at, Math.min(body.length, at + size)) });
  }
  return out;
}
