/**
 * @module sctp/chunk-reconfig
 * Re-configuration (RE-CONFIG) chunk, RFC 6525 section 3.1, with the parameters of
 * section 4: Outgoing SSN Reset Request (4.1), Incoming SSN Reset Request (4.2) and
 * Re-configuration Response (4.4). Other parameters are kept raw.
 *
 *    RE-CONFIG:
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | Type = 130    |  Chunk Flags  |      Chunk Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                  Re-configuration Parameter                   /
 *    \             Re-configuration Parameter (optional)             /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    Outgoing SSN Reset Request (13):
 *    |     Parameter Type = 13       | Parameter Length = 16 + 2 * N |
 *    |           Re-configuration Request Sequence Number            |
 *    |           Re-configuration Response Sequence Number           |
 *    |                Sender's Last Assigned TSN                     |
 *    |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
 *    Incoming SSN Reset Request (14):
 *    |     Parameter Type = 14       |  Parameter Length = 8 + 2 * N |
 *    |          Re-configuration Request Sequence Number             |
 *    |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
 *    Re-configuration Response (16):
 *    |     Parameter Type = 16       |      Parameter Length         |
 *    |         Re-configuration Response Sequence Number             |
 *    |                            Result                             |
 *    |                   Sender's Next TSN (optional)                |
 *    |                  Receiver's Next TSN (optional)               |
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk, parseParams, writeParam } from './chunk-header.js';
import { ChunkType, ParamType } from './constants.js';

export interface OutgoingResetRequest {
  readonly type: 'outgoing-reset';
  readonly requestSeq: number;
  readonly responseSeq: number;
  readonly lastTsn: number;
  readonly streamIds: readonly number[];
}
export interface IncomingResetRequest {
  readonly type: 'incoming-reset';
  readonly requestSeq: number;
  readonly streamIds: readonly number[];
}
export interface ReconfigResponse {
  readonly type: 'response';
  readonly responseSeq: number;
  readonly result: number;
  readonly senderNextTsn?: number;
  readonly receiverNextTsn?: number;
}
export interface UnknownReconfigParam {
  readonly type: 'unknown';
  readonly paramType: number;
  readonly value: Uint8Array;
}
export type ReconfigParam = OutgoingResetRequest | IncomingResetRequest | ReconfigResponse | UnknownReconfigParam;

export interface ReconfigChunk {
  readonly type: 'reconfig';
  readonly params: readonly ReconfigParam[];
}

function streamList(r: Reader): number[] {
  if (r.remaining % 2 !== 0) throw new ParseError('RE-CONFIG: odd stream list length');
  const out: number[] = [];
  while (r.remaining >= 2) out.push(r.u16());
  return out;
}

export function parseReconfigChunk(value: Uint8Array): ReconfigChunk {
  const params: ReconfigParam[] = [];
  for (const p of parseParams(value, 'RE-CONFIG')) {
    const r = new Reader(p.value);
    if (p.type === ParamType.OutgoingSsnResetRequest) {
      const requestSeq = r.u32('request seq');
      const responseSeq = r.u32('response seq');
      const lastTsn = r.u32('last TSN');
      params.push({ type: 'outgoing-reset', requestSeq, responseSeq, lastTsn, streamIds: streamList(r) });
    } else if (p.type === ParamType.IncomingSsnResetRequest) {
      const requestSeq = r.u32('request seq');
      params.push({ type: 'incoming-reset', requestSeq, streamIds: streamList(r) });
    } else if (p.type === ParamType.ReconfigurationResponse) {
      const responseSeq = r.u32('response seq');
      const result = r.u32('result');
      if (r.remaining >= 8) {
        params.push({ type: 'response', responseSeq, result, senderNextTsn: r.u32(), receiverNextTsn: r.u32() });
      } else {
        params.push({ type: 'response', responseSeq, result });
      }
    } else {
      params.push({ type: 'unknown', paramType: p.type, value: p.value });
    }
  }
  return { type: 'reconfig', params };
}

export function writeReconfigChunk(w: Writer, c: ReconfigChunk): void {
  const at = beginChunk(w, ChunkType.ReConfig, 0);
  c.params.forEach((p, i) => {
    const last = i === c.params.length - 1;
    const v = new Writer(32);
    switch (p.type) {
      case 'outgoing-reset':
        v.u32(p.requestSeq).u32(p.responseSeq).u32(p.lastTsn);
        for (const s of p.streamIds) v.u16(s);
        writeParam(w, ParamType.OutgoingSsnResetRequest, v.written(), last);
        break;
      case 'incoming-reset':
        v.u32(p.requestSeq);
        for (const s of p.streamIds) v.u16(s);
        writeParam(w, ParamType.IncomingSsnResetRequest, v.written(), last);
        break;
      case 'response':
        v.u32(p.responseSeq).u32(p.result);
        if (p.senderNextTsn !== undefined && p.receiverNextTsn !== undefined) v.u32(p.senderNextTsn).u32(p.receiverNextTsn);
        writeParam(w, ParamType.ReconfigurationResponse, v.written(), last);
        break;
      case 'unknown':
        writeParam(w, p.paramType, p.value, last);
        break;
    }
  });
  endChunk(w, at);
}
