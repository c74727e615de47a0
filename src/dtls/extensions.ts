/**
 * @module dtls/extensions
 * Hello extensions (RFC 5246 7.4.1.4) and the bodies this stack reads or writes:
 * supported_groups and ec_point_formats (RFC 8422 5.1), signature_algorithms (RFC 5246
 * 7.4.1.4.1), use_srtp (RFC 5764 4.1.1), extended_master_secret (RFC 7627 5.1),
 * renegotiation_info (RFC 5746 3.2), supported_versions (RFC 8446 4.2.1). Unknown
 * extensions are kept as raw bytes.
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { ExtensionType } from './constants.js';

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** Extensions read from one hello (IANA lists ~60 types; Chrome sends ~15). */
export const MAX_EXTENSIONS = 64;

export function serializeExtensions(w: Writer, exts: readonly Extension[]): void {
  if (exts.length === 0) return;
  const at = w.length;
  w.u16(0);
  for (const e of exts) w.u16(e.type).u16(e.data.length).bytes(e.data);
  w.setU16(at, w.length - at - 2);
}

/** Reads the optional extensions block at the end of a hello. */
export function parseExtensions(r: Reader): Extension[] {
  if (r.done) return [];
  const len = r.u16('extensions length');
  const block = new Reader(r.bytesView(len, 'extensions'));
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!block.done) {
    const type = block.u16('extension type');
    const data = block.bytesCopy(block.u16('extension length'), 'extension data');
    if (seen.has(type)) throw new ParseError(`extensions: duplicate type ${type}`);
    if (out.length >= MAX_EXTENSIONS) throw new ParseError('extensions: too many');
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function findExtension(exts: readonly Extension[], type: number): Extension | undefined {
  return exts.find((e) => e.type === type);
}

function u16List(values: readonly number[]): Uint8Array {
  const w = new Writer(2 + 2 * values.length).u16(2 * values.length);
  for (const v of values) w.u16(v);
  return w.finish();
}

function readU16List(r: Reader, what: string): number[] {
  const len = r.u16(`${what} length`);
  if (len % 2 !== 0) throw new ParseError(`${what}: odd length`);
  const out: number[] = [];
  const body = new Reader(r.bytesView(len, what));
  while (!body.done) out.push(body.u16(what));
  return out;
}

export function supportedGroupsExtension(groups: readonly number[]): Extension {
  return { type: ExtensionType.supported_groups, data: u16List(groups) };
}
export function parseSupportedGroups(data: Uint8Array): number[] {
  const r = new Reader(data);
  const out = readU16List(r, 'supported_groups');
  if (!r.done) throw new ParseError('supported_groups: trailing bytes');
  return out;
}

export function signatureAlgorithmsExtension(schemes: readonly number[]): Extension {
  return { type: ExtensionType.signature_algorithms, data: u16List(schemes) };
}
export function parseSignatureAlgorithms(data: Uint8Array): number[] {
  const r = new Reader(data);
  const out = readU16List(r, 'signature_algorithms');
  if (!r.done) throw new ParseError('signature_algorithms: trailing bytes');
  return out;
}

/** ec_point_formats with only "uncompressed" (RFC 8422 5.1.2). */
export function ecPointFormatsExtension(): Extension {
  return { type: ExtensionType.ec_point_formats, data: Uint8Array.of(1, 0) };
}

export function extendedMasterSecretExtension(): Extension {
  return { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) };
}

/** renegotiation_info for an initial handshake: an empty renegotiated_connection (RFC 5746 3.4, 3.6). */
export function renegotiationInfoExtension(): Extension {
  return { type: ExtensionType.renegotiation_info, data: Uint8Array.of(0) };
}

export interface UseSrtp {
  readonly profiles: readonly number[];
  readonly mki: Uint8Array;
}

export function useSrtpExtension(v: UseSrtp): Extension {
  const w = new Writer();
  w.bytes(u16List(v.profiles)).u8(v.mki.length).bytes(v.mki);
  return { type: ExtensionType.use_srtp, data: w.finish() };
}

export function parseUseSrtp(data: Uint8Array): UseSrtp {
  const r = new Reader(data);
  const profiles = readU16List(r, 'use_srtp profiles');
  const mki = r.bytesCopy(r.u8('srtp_mki length'), 'srtp_mki');
  if (!r.done) throw new ParseError('use_srtp: trailing bytes');
  return { profiles, mki };
}

/** supported_versions in a ClientHello: a u8-length list of versions (RFC 8446 4.2.1). */
export function parseClientSupportedVersions(data: Uint8Array): number[] {
  const r = new Reader(data);
  const len = r.u8('supported_versions length');
  if (len % 2 !== 0) throw new ParseError('supported_versions: odd length');
  const body = new Reader(r.bytesView(len, 'supported_versions'));
  const out: number[] = [];
  while (!body.done) out.push(body.u16('version'));
  if (!r.done) throw new ParseError('supported_versions: trailing bytes');
  return out;
}
