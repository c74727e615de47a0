/**
 * @module datachannel/dcep
 * The Data Channel Establishment Protocol messages, RFC 8832 section 5:
 * DATA_CHANNEL_OPEN (5.1) and DATA_CHANNEL_ACK (5.2), carried with PPID 50 (8.1), and
 * the channel types of 5.1 / 8.2.2.
 *
 *    DATA_CHANNEL_OPEN:
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |  Message Type |  Channel Type |            Priority           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                    Reliability Parameter                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Label Length          |       Protocol Length         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                             Label                             /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                            Protocol                           /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    DATA_CHANNEL_ACK: one byte, Message Type = 0x02.
 */
import { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError, ParseError } from '../common/errors.js';

/** SCTP Payload Protocol Identifiers for WebRTC (RFC 8831 8, RFC 8832 8.1). */
export const Ppid = {
  Dcep: 50,
  String: 51,
  BinaryPartial: 52,
  Binary: 53,
  StringPartial: 54,
  StringEmpty: 56,
  BinaryEmpty: 57,
} as const;

export const DcepMessageType = {
  Ack: 0x02,
  Open: 0x03,
} as const;

/** Channel types (RFC 8832 5.1): bit 0x80 = unordered; low bits = reliability policy. */
export const ChannelType = {
  Reliable: 0x00,
  ReliableUnordered: 0x80,
  PartialReliableRexmit: 0x01,
  PartialReliableRexmitUnordered: 0x81,
  PartialReliableTimed: 0x02,
  PartialReliableTimedUnordered: 0x82,
} as const;

export interface DcepOpen {
  readonly type: 'open';
  readonly channelType: number;
  readonly priority: number;
  readonly reliabilityParameter: number;
  readonly label: string;
  readonly protocol: string;
}
export interface DcepAck {
  readonly type: 'ack';
}
export type DcepMessage = DcepOpen | DcepAck;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function decodeUtf8(b: Uint8Array, what: string): string {
  try {
    return utf8.decode(b);
  } catch (e) {
    throw new ParseError(`DATA_CHANNEL_OPEN: ${what} is not UTF-8`, { cause: e });
  }
}

export function parseDcep(bytes: Uint8Array): DcepMessage {
  const r = new Reader(bytes);
  const type = r.u8('DCEP message type');
  if (type === DcepMessageType.Ack) return { type: 'ack' };
  if (type !== DcepMessageType.Open) throw new ParseError(`DCEP: unknown message type ${type}`);
  const channelType = r.u8('channel type');
  const priority = r.u16('priority');
  const reliabilityParameter = r.u32('reliability parameter');
  const labelLength = r.u16('label length');
  const protocolLength = r.u16('protocol length');
  const label = decodeUtf8(r.bytesView(labelLength, 'label'), 'label');
  const protocol = decodeUtf8(r.bytesView(protocolLength, 'protocol'), 'protocol');
  return { type: 'open', channelType, priority, reliabilityParameter, label, protocol };
}

export function serializeDcep(m: DcepMessage): Uint8Array {
  if (m.type === 'ack') return Uint8Array.of(DcepMessageType.Ack);
  const label = utf8Encoder.encode(m.label);
  const protocol = utf8Encoder.encode(m.protocol);
  if (label.length > 0xffff || protocol.length > 0xffff) throw new InvalidArgumentError('DATA_CHANNEL_OPEN: label or protocol longer than 65535 bytes');
  return new Writer(12 + label.length + protocol.length)
    .u8(DcepMessageType.Open)
    .u8(m.channelType)
    .u16(m.priority)
    .u32(m.reliabilityParameter)
    .u16(label.length)
    .u16(protocol.length)
    .bytes(label)
    .bytes(protocol)
    .finish();
}
