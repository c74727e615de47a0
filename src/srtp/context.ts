/**
 * @module srtp/context
 * SRTP and SRTCP cryptographic contexts (RFC 3711 3.2, 3.3, 3.4) for one master key, one
 * direction: a context built from the local master key protects what we send, one built
 * from the remote master key unprotects what we receive (RFC 5764 4.2). State is kept per
 * SSRC (RFC 3711 3.2.3): for sending, the highest packet index (ROC and s_l) and the next
 * SRTCP index; for receiving, the index estimation state and replay windows (3.3.2).
 *
 * Bounds: at most `maxSsrcs` (default MAX_SSRCS_PER_CONTEXT) receive states per table; a
 * receive state is created only for a packet that authenticated, so only a key holder can
 * fill the table, and when full the least recently used state is evicted (the evicted
 * SSRC restarts as new: ROC 0, empty replay window). Send states are never evicted, since
 * losing a sender's ROC would reuse keystream: protecting for one SSRC too many throws
 * `InvalidStateError` (call `forgetSsrc` for SSRCs that ended).
 *
 * Remote input never throws: `unprotectRtp`/`unprotectRtcp` return a result whose `reason`
 * says why a packet was dropped. Local input that is not RTP/RTCP throws `ParseError`.
 * protectRtp does not refuse a repeated (ROC, SEQ) for an SSRC: RFC 7714 8.4 makes the RTP
 * layer responsible for never repeating one with different content (retransmit with RTX).
 * Not supported: MKI (RFC 3711 3.1; WebRTC does not use it), key derivation rates other
 * than 0, encrypted header extensions (RFC 6904), unencrypted SRTP.
 */
import { InvalidArgumentError, InvalidStateError } from '../common/errors.js';
import { AesCmCipher } from './cipher-aes-cm.js';
import { AesGcmCipher } from './cipher-aes-gcm.js';
import type { SrtpCipher } from './cipher.js';
import {
  MAX_SRTP_PACKET_LENGTH,
  readRtcpSenderSsrc,
  readRtpHeader,
  readU32,
  rtpHeaderLength,
  rtpSequenceNumber,
  RTCP_FIXED_HEADER_LENGTH,
} from './header.js';
import { deriveSrtpSessionKeys } from './kdf.js';
import type { SrtpSessionKeys } from './kdf.js';
import { srtpProfileParams } from './profile.js';
import type { SrtpProfile } from './profile.js';
import { estimateSrtpIndex, REPLAY_WINDOW_MIN, ReplayWindow } from './replay.js';

/** Default bound on per-SSRC states in each table (send RTP, send RTCP, receive RTP, receive RTCP). */
export const MAX_SSRCS_PER_CONTEXT = 1024;
/** The largest SRTP packet index, 2^48 - 1 (RFC 3711 3.3.1: rekey before it wraps). */
const MAX_SRTP_INDEX = 2 ** 48 - 1;
/** The largest SRTCP index, 2^31 - 1 (RFC 3711 3.3.1 / 3.4: rekey before it wraps). */
const MAX_SRTCP_INDEX = 0x7fff_ffff;
const SRTCP_INDEX_LENGTH = 4;

export interface SrtpContextOptions {
  /** SRTP replay window in packets (RFC 3711 3.3.2); default 64, up to 32768 (1024 suits video). */
  readonly replayWindow?: number;
  /** SRTCP replay window in packets; default 64. */
  readonly rtcpReplayWindow?: number;
  /** Bound on per-SSRC states in each table; default MAX_SSRCS_PER_CONTEXT. */
  readonly maxSsrcs?: number;
  /** Whether protectRtcp encrypts (E = 1, the default) or only authenticates (E = 0). */
  readonly encryptRtcp?: boolean;
}

/** Why an SRTP/SRTCP packet was dropped. */
export type SrtpDropReason =
  /** Too short, too long (MAX_SRTP_PACKET_LENGTH), not version 2, or header/trailer does not fit. */
  | 'malformed'
  /** The authentication tag (HMAC or AEAD) did not verify. */
  | 'auth'
  /** Already received (replay window bit set). */
  | 'replayed'
  /** Older than the replay window. */
  | 'too-old';

export type SrtpUnprotectResult =
  | { readonly ok: true; readonly packet: Uint8Array; readonly ssrc: number; readonly index: number }
  | { readonly ok: false; readonly reason: SrtpDropReason };

/** One shared result object per drop reason: dropping allocates nothing, even under a flood. */
const DROPS: Readonly<Record<SrtpDropReason, SrtpUnprotectResult>> = {
  malformed: Object.freeze({ ok: false, reason: 'malformed' }),
  auth: Object.freeze({ ok: false, reason: 'auth' }),
  replayed: Object.freeze({ ok: false, reason: 'replayed' }),
  'too-old': Object.freeze({ ok: false, reason: 'too-old' }),
};

interface ReceiveState {
  readonly window: ReplayWindow;
  lastUsed: number;
}

export class SrtpContext {
  readonly profile: SrtpProfile;
  private cipher: SrtpCipher;
  private readonly gcm: boolean;
  private readonly replayWindow: number;
  private readonly rtcpReplayWindow: number;
  private readonly maxSsrcs: number;
  private readonly encryptRtcp: boolean;
  /** SSRC -> highest SRTP index sent. */
  private readonly sendRtp = new Map<number, number>();
  /** SSRC -> next SRTCP index to send. */
  private readonly sendRtcp = new Map<number, number>();
  private readonly recvRtp = new Map<number, ReceiveState>();
  private readonly recvRtcp = new Map<number, ReceiveState>();
  private useClock = 0;
  /** Packets unprotectRtp/unprotectRtcp dropped, by reason (for stats; RFC 3711 3.3 step 5 "audit"). */
  readonly dropped: Record<SrtpDropReason, number> = { malformed: 0, auth: 0, replayed: 0, 'too-old': 0 };

  /** A context from a master key and salt (RFC 3711 4.3, kdr 0). */
  constructor(profile: SrtpProfile, masterKey: Uint8Array, masterSalt: Uint8Array, options: SrtpContextOptions = {}) {
    const keys = deriveSrtpSessionKeys(profile, masterKey, masterSalt);
    const p = srtpProfileParams(profile);
    this.profile = profile;
    this.gcm = p.kind === 'gcm';
    this.cipher = this.gcm ? new AesGcmCipher(keys) : new AesCmCipher(keys, p.rtpTagLength, p.rtcpTagLength);
    this.replayWindow = options.replayWindow ?? REPLAY_WINDOW_MIN;
    this.rtcpReplayWindow = options.rtcpReplayWindow ?? REPLAY_WINDOW_MIN;
    new ReplayWindow(this.replayWindow); // validates
    new ReplayWindow(this.rtcpReplayWindow);
    this.maxSsrcs = options.maxSsrcs ?? MAX_SSRCS_PER_CONTEXT;
    if (!Number.isInteger(this.maxSsrcs) || this.maxSsrcs < 1) throw new InvalidArgumentError(`maxSsrcs must be a positive integer, got ${this.maxSsrcs}`);
    this.encryptRtcp = options.encryptRtcp ?? true;
  }

  /**
   * A context from already derived session keys (the RFC 7714 test vectors give session
   * keys, not master keys). `keys` must have the lengths the profile uses.
   */
  static fromSessionKeys(profile: SrtpProfile, keys: SrtpSessionKeys, options: SrtpContextOptions = {}): SrtpContext {
    const p = srtpProfileParams(profile);
    const ctx = new SrtpContext(profile, new Uint8Array(p.keyLength), new Uint8Array(p.saltLength), options);
    if (keys.rtpKey.length !== p.keyLength || keys.rtcpKey.length !== p.keyLength) throw new InvalidArgumentError(`${profile}: session keys must be ${p.keyLength} bytes`);
    if (keys.rtpSalt.length < p.saltLength || keys.rtcpSalt.length < p.saltLength) throw new InvalidArgumentError(`${profile}: session salts must be ${p.saltLength} bytes`);
    const cipher = ctx.gcm ? new AesGcmCipher(keys) : new AesCmCipher(keys, p.rtpTagLength, p.rtcpTagLength);
    ctx.cipher = cipher;
    return ctx;
  }

  /** Bytes protectRtp adds to a packet. */
  get rtpOverhead(): number {
    return this.cipher.rtpTagLength;
  }

  /** Bytes protectRtcp adds to a packet. */
  get rtcpOverhead(): number {
    return this.cipher.rtcpTagLength + SRTCP_INDEX_LENGTH;
  }

  /** Number of SSRC states held, per table (for tests and stats). */
  get stateCounts(): { sendRtp: number; sendRtcp: number; receiveRtp: number; receiveRtcp: number } {
    return { sendRtp: this.sendRtp.size, sendRtcp: this.sendRtcp.size, receiveRtp: this.recvRtp.size, receiveRtcp: this.recvRtcp.size };
  }

  /** Drops every state of `ssrc` (the stream ended, RFC 3550 BYE). */
  forgetSsrc(ssrc: number): void {
    this.sendRtp.delete(ssrc);
    this.sendRtcp.delete(ssrc);
    this.recvRtp.delete(ssrc);
    this.recvRtcp.delete(ssrc);
  }

  /** Sets the SRTCP index the next protectRtcp for `ssrc` uses (resumption, test vectors). */
  setNextRtcpIndex(ssrc: number, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index > MAX_SRTCP_INDEX) throw new InvalidArgumentError(`SRTCP index out of range: ${index}`);
    if (!this.sendRtcp.has(ssrc) && this.sendRtcp.size >= this.maxSsrcs) throw new InvalidStateError(`srtp: more than ${this.maxSsrcs} sending SSRCs`);
    this.sendRtcp.set(ssrc, index);
  }

  /**
   * Protects the RTP packet `packet` (RFC 3711 3.3). Writes into `out` when given (at
   * least packet.length + rtpOverhead bytes; may be the buffer `packet` lives in, starting
   * at the same byte) and returns the SRTP packet.
   */
  protectRtp(packet: Uint8Array, out?: Uint8Array): Uint8Array {
    const { headerLength, sequenceNumber, ssrc } = readRtpHeader(packet);
    const size = packet.length + this.cipher.rtpTagLength;
    const dst = this.output(out, size);
    const highest = this.sendRtp.get(ssrc);
    let index: number;
    if (highest === undefined) {
      if (this.sendRtp.size >= this.maxSsrcs) throw new InvalidStateError(`srtp: more than ${this.maxSsrcs} sending SSRCs`);
      index = sequenceNumber;
    } else {
      index = estimateSrtpIndex(highest, sequenceNumber);
      if (index < 0) index = sequenceNumber;
    }
    if (index > MAX_SRTP_INDEX) throw new InvalidStateError('srtp: packet index exhausted, rekey needed (RFC 3711 3.3.1)');
    if (highest === undefined || index > highest) this.sendRtp.set(ssrc, index);
    const roc = Math.floor(index / 0x10000);
    const n = this.cipher.protectRtp(packet, headerLength, ssrc, roc, sequenceNumber, dst);
    return dst.subarray(0, n);
  }

  /**
   * Verifies and decrypts the SRTP packet `packet` (RFC 3711 3.3, receiver side). Writes
   * into `out` when given and large enough (packet.length bytes always are; it may be the
   * buffer `packet` lives in, starting at the same byte), else into a new buffer: use the
   * result's `packet`. Never throws on what the packet holds.
   */
  unprotectRtp(packet: Uint8Array, out?: Uint8Array): SrtpUnprotectResult {
    const end = packet.length - this.cipher.rtpTagLength;
    const headerLength = rtpHeaderLength(packet, end);
    if (headerLength < 0 || packet.length > MAX_SRTP_PACKET_LENGTH) return this.drop('malformed');
    const seq = rtpSequenceNumber(packet);
    const ssrc = readU32(packet, 8);
    const state = this.recvRtp.get(ssrc);
    let index = seq;
    if (state !== undefined) {
      index = estimateSrtpIndex(state.window.highest, seq);
      if (index < 0) return this.drop('too-old');
      const verdict = state.window.check(index);
      if (verdict !== 'new') return this.drop(verdict);
    }
    const dst = out !== undefined && out.length >= end ? out : new Uint8Array(end);
    const n = this.cipher.unprotectRtp(packet, headerLength, ssrc, Math.floor(index / 0x10000), seq, dst);
    if (n < 0) return this.drop('auth');
    this.touch(this.recvRtp, state, ssrc, this.replayWindow).accept(index);
    return { ok: true, packet: dst.subarray(0, n), ssrc, index };
  }

  /**
   * Protects the RTCP (compound) packet `packet` (RFC 3711 3.4): encrypts everything after
   * the first 8 bytes (unless the context was built with encryptRtcp: false) and appends the
   * E||SRTCP index word and tag. `out`: at least packet.length + rtcpOverhead bytes.
   */
  protectRtcp(packet: Uint8Array, out?: Uint8Array): Uint8Array {
    const ssrc = readRtcpSenderSsrc(packet);
    let index = this.sendRtcp.get(ssrc);
    if (index === undefined) {
      if (this.sendRtcp.size >= this.maxSsrcs) throw new InvalidStateError(`srtp: more than ${this.maxSsrcs} sending SSRCs`);
      index = 0;
    }
    if (index > MAX_SRTCP_INDEX) throw new InvalidStateError('srtcp: index exhausted, rekey needed (RFC 3711 3.3.1)');
    const dst = this.output(out, packet.length + this.rtcpOverhead);
    this.sendRtcp.set(ssrc, index + 1);
    const n = this.cipher.protectRtcp(packet, ssrc, index, this.encryptRtcp, dst);
    return dst.subarray(0, n);
  }

  /**
   * Verifies and (when E = 1) decrypts the SRTCP packet `packet` (RFC 3711 3.4); `out` as
   * for unprotectRtp. Never throws on its content.
   */
  unprotectRtcp(packet: Uint8Array, out?: Uint8Array): SrtpUnprotectResult {
    const tag = this.cipher.rtcpTagLength;
    const end = packet.length - tag - SRTCP_INDEX_LENGTH;
    if (end < RTCP_FIXED_HEADER_LENGTH || packet.length > MAX_SRTP_PACKET_LENGTH || (packet[0] as number) >> 6 !== 2) {
      return this.drop('malformed');
    }
    const word = readU32(packet, this.gcm ? packet.length - SRTCP_INDEX_LENGTH : end);
    const encrypted = word >>> 31 === 1;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = readU32(packet, 4);
    const state = this.recvRtcp.get(ssrc);
    if (state !== undefined) {
      const verdict = state.window.check(index);
      if (verdict !== 'new') return this.drop(verdict);
    }
    const dst = out !== undefined && out.length >= end ? out : new Uint8Array(end);
    const n = this.cipher.unprotectRtcp(packet, ssrc, index, encrypted, dst);
    if (n < 0) return this.drop('auth');
    this.touch(this.recvRtcp, state, ssrc, this.rtcpReplayWindow).accept(index);
    return { ok: true, packet: dst.subarray(0, n), ssrc, index };
  }

  private drop(reason: SrtpDropReason): SrtpUnprotectResult {
    this.dropped[reason]++;
    return DROPS[reason];
  }

  private output(out: Uint8Array | undefined, size: number): Uint8Array {
    if (size > MAX_SRTP_PACKET_LENGTH) throw new InvalidArgumentError(`srtp: a ${size}-byte packet exceeds ${MAX_SRTP_PACKET_LENGTH} bytes`);
    if (out === undefined) return new Uint8Array(size);
    if (out.length < size) throw new InvalidArgumentError(`srtp: output buffer of ${out.length} bytes, need ${size}`);
    return out;
  }

  /** The window of `ssrc`, created (evicting the least recently used state when full) if new. */
  private touch(table: Map<number, ReceiveState>, state: ReceiveState | undefined, ssrc: number, windowSize: number): ReplayWindow {
    const now = ++this.useClock;
    if (state !== undefined) {
      state.lastUsed = now;
      return state.window;
    }
    if (table.size >= this.maxSsrcs) {
      let victim: number | undefined;
      let oldest = Infinity;
      for (const [k, s] of table) {
        if (s.lastUsed < oldest) {
          oldest = s.lastUsed;
          victim = k;
        }
      }
      if (victim !== undefined) table.delete(victim);
    }
    const created: ReceiveState = { window: new ReplayWindow(windowSize), lastUsed: now };
    table.set(ssrc, created);
    return created.window;
  }
}
