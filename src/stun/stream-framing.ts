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

/** First capacity of the holding buffer (grown by doubling, so each byte is copied a bounded number of times). */
const INITIAL_HOLDING_BYTES = 2048;
/**
 * Holding capacity kept between pushes: two of the largest frames. A larger buffer (after
 * one huge chunk) is reallocated to fit what is held, so idle connections stay small.
 */
const MAX_KEPT_HOLDING_BYTES = 2 * MAX_STREAM_FRAME_BYTES;

export class StunStreamFramer {
  /** Holding buffer: bytes [0, held) are the start of an incomplete frame. */
  private storage = new Uint8Array(0);
  private held = 0;
  private copied = 0;

  /** Bytes held for an incomplete frame. */
  get pendingBytes(): number {
    return this.held;
  }

  /**
   * Bytes copied into the holding buffer so far (appends, growth, compaction): at most a
   * small multiple of the bytes pushed, however the stream is cut into chunks (a peer
   * trickling one byte at a time must not cost a copy of the whole pending frame each).
   */
  get copiedBytes(): number {
    return this.copied;
  }

  /** Appends `chunk` and returns every complete frame (copies, safe to keep). Throws only ParseError. */
  push(input: Uint8Array): Uint8Array[] {
    const chunk = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    let buf: Uint8Array;
    let length: number;
    if (this.held === 0) {
      buf = chunk;
      length = chunk.length;
    } else {
      this.reserve(this.held + chunk.length);
      this.storage.set(chunk, this.held);
      this.copied += chunk.length;
      buf = this.storage;
      length = this.held + chunk.length;
    }
    const frames: Uint8Array[] = [];
    let at = 0;
    while (length - at >= 4) {
      const b0 = buf[at] as number;
      const len = ((buf[at + 2] as number) << 8) | (buf[at + 3] as number);
      let total: number;
      if (b0 < 0x40) total = 20 + len;
      else if (b0 >= 0x40 && b0 <= 0x7f) total = 4 + ((len + 3) & ~3);
      else throw new ParseError(`stream: first byte 0x${b0.toString(16)} is neither STUN nor ChannelData`, { offset: at });
      if (length - at < total) break;
      const end = b0 < 0x40 ? at + total : at + 4 + len;
      frames.push(buf.slice(at, end));
      at += total;
    }
    const rest = length - at;
    if (rest > MAX_STREAM_FRAME_BYTES) throw new ParseError('stream: frame larger than the largest STUN message');
    if (buf === this.storage) {
      // Compaction moves a byte at most once: what stays is the start of one frame.
      if (at > 0 && rest > 0) {
        this.storage.copyWithin(0, at, length);
        this.copied += rest;
      }
    } else if (rest > 0) {
      this.reserve(rest);
      this.storage.set(chunk.subarray(at));
      this.copied += rest;
    }
    this.held = rest;
    if (this.storage.length > MAX_KEPT_HOLDING_BYTES) {
      const kept = new Uint8Array(rest);
      kept.set(this.storage.subarray(0, rest));
      this.copied += rest;
      this.storage = kept;
    }
    return frames;
  }

  /** Grows the holding buffer (doubling) to at least `n` bytes, keeping what is held. */
  private reserve(n: number): void {
    if (this.storage.length >= n) return;
    let capacity = Math.max(INITIAL_HOLDING_BYTES, this.storage.length * 2);
    while (capacity < n) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.storage.subarray(0, this.held));
    this.copied += this.held;
    this.storage = next;
  }
}
