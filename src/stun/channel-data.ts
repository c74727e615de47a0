/**
 * @module stun/channel-data
 * TURN ChannelData framing (RFC 8656 section 12.4). Lives beside the STUN codec
 * because ICE and TURN both demultiplex it from the same socket (RFC 7983).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Channel Number        |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * /                       Application Data                        /
 * /                                                               /
 * |                                                               |
 * |                               +-------------------------------+
 * |                               |
 * +-------------------------------+
 *                  RFC 8656 Figure 5
 * ```
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';

/** Channel numbers a client may bind (RFC 8656 12). */
export const MIN_CHANNEL_NUMBER = 0x4000;
export const MAX_CHANNEL_NUMBER = 0x4fff;
/**
 * RFC 5766 11 allowed 0x4000-0x7FFE; RFC 8656 narrowed it to 0x4FFF so the first byte
 * stays in 64..79 (RFC 7983). A server's listening socket carries only STUN and
 * ChannelData, so it can accept the older range (coturn's clients still use it).
 */
export const LEGACY_MAX_CHANNEL_NUMBER = 0x7ffe;
export const CHANNEL_DATA_HEADER_BYTES = 4;

export interface ChannelData {
  readonly channel: number;
  /** View into the input. */
  readonly data: Uint8Array;
}

export function isValidChannelNumber(channel: number, maxChannel: number = MAX_CHANNEL_NUMBER): boolean {
  return Number.isInteger(channel) && channel >= MIN_CHANNEL_NUMBER && channel <= maxChannel;
}

/**
 * Decodes a ChannelData message. Bytes after `Length` (padding over TCP, RFC 8656
 * 12.5) are allowed and ignored. Throws only ParseError.
 */
export function decodeChannelData(bytes: Uint8Array, maxChannel: number = MAX_CHANNEL_NUMBER): ChannelData {
  if (bytes.length < CHANNEL_DATA_HEADER_BYTES) throw new ParseError(`ChannelData: ${bytes.length} bytes, shorter than the header`);
  const channel = ((bytes[0] as number) << 8) | (bytes[1] as number);
  if (!isValidChannelNumber(channel, maxChannel)) throw new ParseError(`ChannelData: channel 0x${channel.toString(16)} outside 0x4000-0x${maxChannel.toString(16)}`);
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (CHANNEL_DATA_HEADER_BYTES + length > bytes.length) {
    throw new ParseError(`ChannelData: length ${length} but ${bytes.length - CHANNEL_DATA_HEADER_BYTES} bytes follow`);
  }
  return { channel, data: bytes.subarray(CHANNEL_DATA_HEADER_BYTES, CHANNEL_DATA_HEADER_BYTES + length) };
}

/** Encodes a ChannelData message; `pad` rounds up to 4 bytes as over TCP (RFC 8656 12.5). */
export function encodeChannelData(channel: number, data: Uint8Array, pad = false, maxChannel: number = MAX_CHANNEL_NUMBER): Uint8Array {
  if (!isValidChannelNumber(channel, maxChannel)) throw new InvalidArgumentError(`ChannelData: channel 0x${channel.toString(16)} outside 0x4000-0x${maxChannel.toString(16)}`);
  if (data.length > 0xffff) throw new InvalidArgumentError(`ChannelData: ${data.length} bytes of data`);
  const padded = pad ? (data.length + 3) & ~3 : data.length;
  const out = new Uint8Array(CHANNEL_DATA_HEADER_BYTES + padded);
  out[0] = channel >> 8;
  out[1] = channel & 0xff;
  out[2] = data.length >> 8;
  out[3] = data.length & 0xff;
  out.set(data, CHANNEL_DATA_HEADER_BYTES);
  return out;
}
