/**
 * @module dtls/reassembly
 * Handshake message reassembly (RFC 6347 4.2.3): fragments may arrive out of order,
 * duplicated, overlapping, and spread across datagrams; messages are released strictly
 * in message_seq order (4.2.2). Fragments of messages already delivered are reported as
 * retransmissions, so the state machine can resend its last flight (4.2.4).
 */
import type { HandshakeFragment } from './fragment.js';

/** Messages buffered ahead of the next expected message_seq (RFC 6347 4.2.2 allows buffering "future" messages; a flight has at most 6). */
export const MAX_MESSAGES_AHEAD = 16;

/** A reassembled handshake message. */
export interface HandshakeMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
}

interface Partial {
  readonly msgType: number;
  readonly body: Uint8Array;
  readonly have: Uint8Array;
  missing: number;
}

export type FragmentVerdict = 'buffered' | 'old' | 'dropped';

export class HandshakeReassembler {
  /** message_seq of the next message to release. */
  nextSeq: number;
  private readonly pending = new Map<number, Partial>();

  constructor(nextSeq = 0) {
    this.nextSeq = nextSeq;
  }

  /** Forget everything and expect `nextSeq` next (after HelloVerifyRequest, RFC 6347 4.2.2). */
  reset(nextSeq: number): void {
    this.nextSeq = nextSeq;
    this.pending.clear();
  }

  /** Takes one fragment. `old` means it belongs to a message already released. */
  add(f: HandshakeFragment): FragmentVerdict {
    if (f.messageSeq < this.nextSeq) return 'old';
    if (f.messageSeq >= this.nextSeq + MAX_MESSAGES_AHEAD) return 'dropped';
    let p = this.pending.get(f.messageSeq);
    if (p === undefined) {
      p = { msgType: f.msgType, body: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
      this.pending.set(f.messageSeq, p);
    } else if (p.msgType !== f.msgType || p.body.length !== f.length) return 'dropped';
    const end = f.fragmentOffset + f.body.length;
    if (end > p.body.length) return 'dropped';
    p.body.set(f.body, f.fragmentOffset);
    for (let i = f.fragmentOffset; i < end; i++) {
      if (p.have[i] === 0) {
        p.have[i] = 1;
        p.missing--;
      }
    }
    return 'buffered';
  }

  /** The next complete message in order, if there is one. */
  next(): HandshakeMessage | undefined {
    const p = this.pending.get(this.nextSeq);
    if (p === undefined || p.missing > 0) return undefined;
    this.pending.delete(this.nextSeq);
    const msg = { msgType: p.msgType, messageSeq: this.nextSeq, body: p.body };
    this.nextSeq++;
    return msg;
  }
}
