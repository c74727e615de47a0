/**
 * @module media/opus
 * RTP payload format for Opus (RFC 7587): one Opus packet per RTP payload (section 4.2),
 * a 48 kHz RTP clock whatever the coded bandwidth (4.1), so the timestamp advances by the
 * packet's duration in 48 kHz samples. The duration comes from the TOC byte and frame
 * count code (RFC 6716 section 3.1, 3.2).
 *
 * ```
 *  TOC:  | config (5) | s | c (2) |     code 3 adds: | v | p | M (6) |
 * ```
 */
import { ParseError } from '../common/errors.js';

/** RFC 7587 4.1: the RTP clock rate of Opus. */
export const OPUS_RTP_CLOCK_HZ = 48_000;
/** RFC 6716 3.2.5: a packet holds at most 120 ms of audio. */
export const OPUS_MAX_PACKET_DURATION_SAMPLES = 5760;

/** RFC 6716 3.1 table 2: frame size in 48 kHz samples for each of the 32 configurations. */
const FRAME_SAMPLES: readonly number[] = [
  480, 960, 1920, 2880, // SILK NB 10/20/40/60 ms
  480, 960, 1920, 2880, // SILK MB
  480, 960, 1920, 2880, // SILK WB
  480, 960, // Hybrid SWB 10/20
  480, 960, // Hybrid FB 10/20
  120, 240, 480, 960, // CELT NB 2.5/5/10/20
  120, 240, 480, 960, // CELT WB
  120, 240, 480, 960, // CELT SWB
  120, 240, 480, 960, // CELT FB
];

export interface OpusToc {
  readonly config: number;
  readonly mode: 'silk' | 'hybrid' | 'celt';
  readonly stereo: boolean;
  /** Frames in the packet (code 0: 1, codes 1 and 2: 2, code 3: M). */
  readonly frameCount: number;
  readonly frameSamples: number;
}

/** Decode the TOC (and the frame count byte of code 3). Throws `ParseError` on packets RFC 6716 3.4 calls malformed at this level. */
export function parseOpusToc(packet: Uint8Array): OpusToc {
  if (packet.length < 1) throw new ParseError('Opus: empty packet (RFC 6716 3.4 R1)', { offset: 0 });
  const toc = packet[0] as number;
  const config = toc >>> 3;
  const code = toc & 3;
  let frameCount = code === 0 ? 1 : code === 3 ? 0 : 2;
  if (code === 3) {
    if (packet.length < 2) throw new ParseError('Opus: code 3 packet without a frame count byte', { offset: 1 });
    frameCount = (packet[1] as number) & 0x3f;
    if (frameCount === 0) throw new ParseError('Opus: code 3 packet with zero frames (RFC 6716 3.4 R5)', { offset: 1 });
  }
  const frameSamples = FRAME_SAMPLES[config] as number;
  if (frameCount * frameSamples > OPUS_MAX_PACKET_DURATION_SAMPLES) {
    throw new ParseError('Opus: packet longer than 120 ms (RFC 6716 3.4 R5)', { offset: 1 });
  }
  return { config, mode: config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt', stereo: (toc & 4) !== 0, frameCount, frameSamples };
}

/** The RTP timestamp increment (48 kHz samples) after this packet (RFC 7587 4.1). */
export function opusPacketDurationSamples(packet: Uint8Array): number {
  const t = parseOpusToc(packet);
  return t.frameCount * t.frameSamples;
}

/**
 * Opus sender side: one payload per packet and the timestamp of each (RFC 7587 4.2). The
 * first timestamp is the caller's (RFC 3550 5.1: random).
 */
export class OpusPacketizer {
  private nextTimestamp: number;
  constructor(firstTimestamp: number) {
    this.nextTimestamp = firstTimestamp >>> 0;
  }
  /** Returns the payload (the Opus packet itself) and the RTP timestamp to send it with. */
  packetize(opusPacket: Uint8Array): { payload: Uint8Array; timestamp: number } {
    const timestamp = this.nextTimestamp;
    this.nextTimestamp = (timestamp + opusPacketDurationSamples(opusPacket)) >>> 0;
    return { payload: opusPacket, timestamp };
  }
}
