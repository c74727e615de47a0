/**
 * @module media/ogg-opus
 * Ogg Opus files (RFC 7845): the identification header OpusHead (section 5.1: magic,
 * version 1, channel count, pre-skip, input sample rate, output gain, mapping family 0 or 1
 * with its table), the comment header OpusTags (5.2: vendor string and user comments,
 * little-endian lengths), each header on its own page (3), and granule positions counting
 * 48 kHz samples including the pre-skip (4). Pages and CRCs come from ./ogg.ts (RFC 3533).
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { joinBytes } from './frame.js';
import { OggPageWriter, oggPackets, parseOggPages } from './ogg.js';
import { opusPacketDurationSamples } from './opus.js';

const OPUS_HEAD_MAGIC = 'OpusHead';
const OPUS_TAGS_MAGIC = 'OpusTags';
/** RFC 7845 5.1: a pre-skip of 80 ms is the recommended upper end; libopus uses 312 samples (6.5 ms). */
export const OGG_OPUS_DEFAULT_PRE_SKIP = 312;
/** RFC 7845 6: pages of at most ~1 second keep seeking granular; we close a page after this many packets. */
export const OGG_OPUS_PACKETS_PER_PAGE = 50;
/** Bound on user comments read from OpusTags. */
export const OGG_OPUS_MAX_COMMENTS = 1024;

export interface OpusHead {
  readonly version: number;
  readonly channels: number;
  readonly preSkip: number;
  readonly inputSampleRate: number;
  /** Q7.8 dB. */
  readonly outputGain: number;
  readonly mappingFamily: number;
  /** Mapping family != 0: stream count, coupled count, channel mapping. */
  readonly mapping?: { readonly streams: number; readonly coupled: number; readonly table: readonly number[] };
}

export interface OpusTags {
  readonly vendor: string;
  readonly comments: readonly string[];
}

const text = new TextEncoder();
const untext = new TextDecoder('utf-8', { fatal: false });

function hasMagic(b: Uint8Array, magic: string): boolean {
  if (b.length < 8) return false;
  for (let i = 0; i < 8; i++) if (b[i] !== magic.charCodeAt(i)) return false;
  return true;
}

export function serializeOpusHead(h: OpusHead): Uint8Array {
  const extra = h.mappingFamily === 0 ? 0 : 2 + h.channels;
  const out = new Uint8Array(19 + extra);
  const v = new DataView(out.buffer);
  out.set(text.encode(OPUS_HEAD_MAGIC), 0);
  v.setUint8(8, h.version);
  v.setUint8(9, h.channels);
  v.setUint16(10, h.preSkip, true);
  v.setUint32(12, h.inputSampleRate >>> 0, true);
  v.setInt16(16, h.outputGain, true);
  v.setUint8(18, h.mappingFamily);
  if (h.mappingFamily !== 0) {
    const m = h.mapping;
    if (!m || m.table.length !== h.channels) throw new InvalidArgumentError('OpusHead: mapping family != 0 needs a table per channel');
    v.setUint8(19, m.streams);
    v.setUint8(20, m.coupled);
    out.set(m.table, 21);
  }
  return out;
}

/** RFC 7845 5.1; throws ParseError. */
export function parseOpusHead(b: Uint8Array): OpusHead {
  if (!hasMagic(b, OPUS_HEAD_MAGIC)) throw new ParseError('OpusHead: bad magic', { offset: 0 });
  if (b.length < 19) throw new ParseError('OpusHead: truncated', { offset: b.length });
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const version = v.getUint8(8);
  if (version >> 4 !== 0) throw new ParseError(`OpusHead: incompatible version ${version}`, { offset: 8 });
  const channels = v.getUint8(9);
  if (channels === 0) throw new ParseError('OpusHead: zero channels', { offset: 9 });
  const mappingFamily = v.getUint8(18);
  const head = { version, channels, preSkip: v.getUint16(10, true), inputSampleRate: v.getUint32(12, true), outputGain: v.getInt16(16, true), mappingFamily };
  if (mappingFamily === 0) {
    if (channels > 2) throw new ParseError('OpusHead: family 0 allows 1 or 2 channels', { offset: 9 });
    return head;
  }
  if (b.length < 21 + channels) throw new ParseError('OpusHead: truncated channel mapping table', { offset: b.length });
  const streams = v.getUint8(19);
  const coupled = v.getUint8(20);
  if (streams === 0 || coupled > streams) throw new ParseError('OpusHead: bad stream counts', { offset: 19 });
  return { ...head, mapping: { streams, coupled, table: Array.from(b.subarray(21, 21 + channels)) } };
}

export function serializeOpusTags(t: OpusTags): Uint8Array {
  const parts: Uint8Array[] = [text.encode(OPUS_TAGS_MAGIC)];
  const u32 = (n: number) => {
    const x = new Uint8Array(4);
    new DataView(x.buffer).setUint32(0, n, true);
    return x;
  };
  const vendor = text.encode(t.vendor);
  parts.push(u32(vendor.length), vendor, u32(t.comments.length));
  for (const c of t.comments) {
    const e = text.encode(c);
    parts.push(u32(e.length), e);
  }
  return joinBytes(parts);
}

/** RFC 7845 5.2; throws ParseError. */
export function parseOpusTags(b: Uint8Array): OpusTags {
  if (!hasMagic(b, OPUS_TAGS_MAGIC)) throw new ParseError('OpusTags: bad magic', { offset: 0 });
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  let at = 8;
  const u32 = () => {
    if (at + 4 > b.length) throw new ParseError('OpusTags: truncated length', { offset: at });
    const n = v.getUint32(at, true);
    at += 4;
    return n;
  };
  const str = () => {
    const n = u32();
    if (at + n > b.length) throw new ParseError('OpusTags: string beyond the packet', { offset: at });
    const s = untext.decode(b.subarray(at, at + n));
    at += n;
    return s;
  };
  const vendor = str();
  const count = u32();
  if (count > OGG_OPUS_MAX_COMMENTS) throw new ParseError('OpusTags: too many comments', { offset: at - 4 });
  const comments: string[] = [];
  for (let i = 0; i < count; i++) comments.push(str());
  return { vendor, comments };
}

export interface OggOpusFile {
  readonly head: OpusHead;
  readonly tags: OpusTags;
  /** Audio packets in order; `granulePosition` is set on the last packet ending on each page. */
  readonly packets: readonly { readonly data: Uint8Array; readonly granulePosition: bigint | undefined }[];
}

/** Read an Ogg Opus file: pages (CRC checked), the first logical stream's headers and audio packets. */
export function readOggOpus(bytes: Uint8Array): OggOpusFile {
  const pages = parseOggPages(bytes);
  const first = pages[0];
  if (first === undefined) throw new ParseError('Ogg Opus: no pages');
  const serial = first.serialNumber;
  const packets = oggPackets(pages.filter((p) => p.serialNumber === serial));
  const headPacket = packets[0];
  const tagsPacket = packets[1];
  if (headPacket === undefined || tagsPacket === undefined) throw new ParseError('Ogg Opus: missing OpusHead or OpusTags');
  return { head: parseOpusHead(headPacket.data), tags: parseOpusTags(tagsPacket.data), packets: packets.slice(2).map(({ data, granulePosition }) => ({ data, granulePosition })) };
}

export interface OggOpusWriterOptions {
  readonly channels?: number;
  readonly preSkip?: number;
  readonly inputSampleRate?: number;
  readonly outputGain?: number;
  readonly vendor?: string;
  readonly comments?: readonly string[];
  /** The logical stream serial number (RFC 3533 4: should be random). */
  readonly serialNumber: number;
}

/**
 * Writes an Ogg Opus file incrementally: `start()` gives the two header pages, `write()`
 * buffers audio packets and returns pages as they fill, `finish()` returns the last page
 * (marked end of stream). Concatenate the outputs for a file.
 */
export class OggOpusWriter {
  readonly head: OpusHead;
  private readonly tags: OpusTags;
  private readonly pages: OggPageWriter;
  private granule: bigint;
  private pending: { data: Uint8Array; granulePosition: bigint }[] = [];
  private started = false;
  private finished = false;

  constructor(opts: OggOpusWriterOptions) {
    const channels = opts.channels ?? 2;
    if (channels < 1 || channels > 2) throw new InvalidArgumentError('OggOpusWriter writes mapping family 0: 1 or 2 channels');
    this.head = { version: 1, channels, preSkip: opts.preSkip ?? OGG_OPUS_DEFAULT_PRE_SKIP, inputSampleRate: opts.inputSampleRate ?? 48_000, outputGain: opts.outputGain ?? 0, mappingFamily: 0 };
    this.tags = { vendor: opts.vendor ?? 'purertc', comments: opts.comments ?? [] };
    this.pages = new OggPageWriter(opts.serialNumber);
    this.granule = BigInt(this.head.preSkip);
  }

  /** The OpusHead page and the OpusTags page (RFC 7845 3: each alone on its page, granule 0). */
  start(): Uint8Array {
    if (this.started) throw new InvalidArgumentError('OggOpusWriter already started');
    this.started = true;
    return joinBytes([...this.pages.writePackets([{ data: serializeOpusHead(this.head), granulePosition: 0n }]), ...this.pages.writePackets([{ data: serializeOpusTags(this.tags), granulePosition: 0n }])]);
  }

  /** Add one Opus packet; returns a full page when one closes (else an empty array). Throws ParseError on a malformed TOC. */
  write(opusPacket: Uint8Array): Uint8Array {
    if (!this.started || this.finished) throw new InvalidArgumentError('OggOpusWriter: write between start() and finish()');
    this.granule += BigInt(opusPacketDurationSamples(opusPacket));
    this.pending.push({ data: new Uint8Array(opusPacket), granulePosition: this.granule }); // copied: held until its page closes
    // one packet always stays behind so that finish() has a page to mark end of stream
    if (this.pending.length <= OGG_OPUS_PACKETS_PER_PAGE) return new Uint8Array(0);
    const out = joinBytes(this.pages.writePackets(this.pending.slice(0, OGG_OPUS_PACKETS_PER_PAGE)));
    this.pending = this.pending.slice(OGG_OPUS_PACKETS_PER_PAGE);
    return out;
  }

  /** The remaining packets on a last page marked end of stream. */
  finish(): Uint8Array {
    if (!this.started || this.finished) throw new InvalidArgumentError('OggOpusWriter: finish() once after start()');
    this.finished = true;
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) {
      // no audio at all: an end-of-stream page with no segments (RFC 3533 6 allows page_segments 0)
      return joinBytes(this.pages.writePackets([], true));
    }
    return joinBytes(this.pages.writePackets(pending, true));
  }
}
