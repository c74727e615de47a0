/**
 * @module stun/stream-framing
 * Splitting a byte stream (TURN over TCP or TLS, RFC 8656 3.1 and 12.5; STUN over TCP,
 * RFC 8489 6.2.2) into STUN messages and ChannelData frames. A STUN message is 20 bytes
 * plus its Length field; a ChannelData frame is 4 bytes plus its Length, padded to a
 * multiple of 4 over streams (RFC 8656 12.5). The first byte tells them apart (top two
 * bits clear: STUN, RFC 8489 5; 0x40-0x7F: ChannelData, counting RFC 5766's wider range);
 * anything else means the stream is not one we can follow, and `push` throws
 * ParseError so the caller closes the connection.
 */
import { ParseError } from '../common/errors.js';

/**
 * Largest frame: a STUN message of 20 + 65535 bytes (the 16-bit Length, RFC 8489 5).
 * Also the bound on bytes buffered for an incomplete frame.
 */
export const MAX_STREAM_FRAME_BYTES = 20 + 0xffff;

export class StunStreamFramer {
  private buffer = new Uint8Array(0);

  /** Bytes held for an incomplete frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /** Appends `chunk` and returns every complete frame (copies, safe to keep). Throws only ParseError. */
  push(input: Uint8Array): Uint8Array[] {
    // A plain view, so slice() copies (on a node Buffer it would be a view).
    const chunk = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let buf: Uint8Array;
    if (this.buffer.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.buffer.length + chunk.length);
      buf.set(this.buffer);
      buf.set(chunk, this.buffer.length);
    }
    const frames: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const b0 = buf[at] as number;
      const len = ((buf[at + 2] as number) << 8) | (buf[at + 3] as number);
      let total: number;
      // A stream carries nothing else, so any first byte with the top two bits clear is STUN (RFC 8489 5).
      if (b0 < 0x40) total = 20 + len;
      else if (b0 >= 0x40 && b0 <= 0x7f) total = 4 + ((len + 3) & ~3);
      else throw new ParseError(`stream: first byte 0x${b0.toString(16)} is neither STUN nor ChannelData`, { offset: at });
      if (buf.length - at < total) break;
      // A ChannelData frame is delivered without its padding.
      const end = b0 < 0x40 ? at + total : at + 4 + len;
      frames.push(buf.slice(at, end));
      at += total;
    }
    this.buffer = buf.slice(at);
    if (this.buffer.length > MAX_STREAM_FRAME_BYTES) throw new ParseError('stream: frame larger than the largest STUN message');
    return frames;
  }
}
