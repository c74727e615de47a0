/**
 * @module sctp/chunk-init
 * Initiation (INIT, RFC 9260 section 3.3.2) and Initiation Acknowledgement (INIT ACK,
 * section 3.3.3), which share one layout, with the parameters WebRTC uses: State Cookie
 * (3.3.3.1.1), Forward-TSN-Supported (RFC 3758 3.1), Supported Extensions (RFC 5061
 * 4.2.7), and the chunk types advertised there (RE-CONFIG, RFC 6525 3.1; I-DATA, RFC 8260
 * 2.2). Unknown parameters are kept raw. One parameter of our own, Receive Packet Size
 * (type 0xB7C0, skipped by peers that do not know it, RFC 9260 3.2.1), says how large an
 * SCTP packet this end accepts, so that PMTU probes (RFC 8899) stay within it. Zero
 * Checksum Acceptable (RFC 9653 4, type 0x8001, length 8): the Error Detection Method
 * Identifier (EDMID) under which this end accepts packets whose checksum field is 0.
 *
 *    Zero Checksum Acceptable Chunk Parameter (RFC 9653 4):
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Type = 0x8001        |          Length = 8           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           Error Detection Method Identifier (EDMID)           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 1    |  Chunk Flags  |      Chunk Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Initiate Tag                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Advertised Receiver Window Credit (a_rwnd)           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |  Number of Outbound Streams   |   Number of Inbound Streams   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          Initial TSN                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \              Optional/Variable-Length Parameters              \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import type { RawParam } from './chunk-header.js';
import { beginChunk, endChunk, parseParams, writeParams } from './chunk-header.js';
import { ChunkType, ParamType } from './constants.js';

export interface InitChunk {
  readonly type: 'init' | 'init-ack';
  readonly initiateTag: number;
  readonly aRwnd: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  readonly initialTsn: number;
  readonly params: readonly RawParam[];
}

export function parseInitChunk(type: 'init' | 'init-ack', value: Uint8Array): InitChunk {
  if (value.length < 16) throw new ParseError(`${type}: value of ${value.length} bytes, need 16`);
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return {
    type,
    initiateTag: v.getUint32(0),
    aRwnd: v.getUint32(4),
    outboundStreams: v.getUint16(8),
    inboundStreams: v.getUint16(10),
    initialTsn: v.getUint32(12),
    params: parseParams(value.subarray(16), type),
  };
}

export function writeInitChunk(w: Writer, c: InitChunk): void {
  const at = beginChunk(w, c.type === 'init' ? ChunkType.Init : ChunkType.InitAck, 0);
  w.u32(c.initiateTag).u32(c.aRwnd).u16(c.outboundStreams).u16(c.inboundStreams).u32(c.initialTsn);
  writeParams(w, c.params);
  endChunk(w, at);
}

/** What an INIT or INIT ACK says about optional features. */
export interface InitFeatures {
  /** Forward-TSN-Supported present (RFC 3758 3.1), or FORWARD-TSN listed in Supported Extensions. */
  readonly forwardTsn: boolean;
  /** RE-CONFIG listed in Supported Extensions (RFC 6525 3.1). */
  readonly reconfig: boolean;
  /** I-DATA listed in Supported Extensions (RFC 8260 2.2). */
  readonly iData: boolean;
  /** The State Cookie parameter of an INIT ACK. */
  readonly stateCookie: Uint8Array | undefined;
  /** The largest SCTP packet the sender receives (purertc's Receive Packet Size parameter), or 0. */
  readonly maxPacketBytes: number;
  /**
   * The EDMID of a Zero Checksum Acceptable parameter (RFC 9653 4), or 0 when there is
   * none (0 is reserved, RFC 9653 9.2) or its length is not 8.
   */
  readonly zeroChecksumEdmid: number;
}

export function initFeatures(c: InitChunk): InitFeatures {
  let forwardTsn = false;
  let reconfig = false;
  let iData = false;
  let stateCookie: Uint8Array | undefined;
  let maxPacketBytes = 0;
  let zeroChecksumEdmid = 0;
  const u32 = (v: Uint8Array): number => ((v[0] as number) * 2 ** 24) + (((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number));
  for (const p of c.params) {
    if (p.type === ParamType.ForwardTsnSupported) forwardTsn = true;
    // RFC 9653 5.1: at most one such parameter is sent; the first one counts.
    else if (p.type === ParamType.ZeroChecksumAcceptable) {
      if (p.value.length === 4 && zeroChecksumEdmid === 0) zeroChecksumEdmid = u32(p.value);
    }
    else if (p.type === ParamType.ReceivePacketSize && p.value.length === 4) {
      maxPacketBytes = u32(p.value);
    }
    else if (p.type === ParamType.StateCookie) stateCookie = p.value;
    else if (p.type === ParamType.SupportedExtensions) {
      for (const t of p.value) {
        if (t === ChunkType.ForwardTsn) forwardTsn = true;
        else if (t === ChunkType.ReConfig) reconfig = true;
        else if (t === ChunkType.IData) iData = true;
      }
    }
  }
  return { forwardTsn, reconfig, iData, stateCookie, maxPacketBytes, zeroChecksumEdmid };
}

/** The parameters that announce our features (what we support, not what we use). */
export function featureParams(f: { forwardTsn: boolean; reconfig: boolean; iData: boolean; maxPacketBytes?: number; zeroChecksumEdmid?: number }): RawParam[] {
  const ext: number[] = [];
  if (f.forwardTsn) ext.push(ChunkType.ForwardTsn);
  if (f.reconfig) ext.push(ChunkType.ReConfig);
  if (f.iData) ext.push(ChunkType.IData, ChunkType.IForwardTsn);
  const out: RawParam[] = [];
  if (f.forwardTsn) out.push({ type: ParamType.ForwardTsnSupported, value: new Uint8Array(0) });
  if (ext.length) out.push({ type: ParamType.SupportedExtensions, value: Uint8Array.from(ext) });
  if (f.maxPacketBytes !== undefined && f.maxPacketBytes > 0) {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, f.maxPacketBytes);
    out.push({ type: ParamType.ReceivePacketSize, value: v });
  }
  if (f.zeroChecksumEdmid !== undefined && f.zeroChecksumEdmid > 0) {
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, f.zeroChecksumEdmid);
    out.push({ type: ParamType.ZeroChecksumAcceptable, value: v });
  }
  return out;
}
