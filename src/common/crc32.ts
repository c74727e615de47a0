/**
 * @module common/crc32
 * CRC-32 (ISO HDLC, reflected polynomial 0xEDB88320) as used by the STUN FINGERPRINT
 * attribute (RFC 8489 section 14.7), and CRC-32c (Castagnoli, reflected 0x82F63B78) as
 * used by SCTP (RFC 9260 appendix A; vectors in RFC 3720 appendix B.4).
 * Slicing-by-4 tables: four lookups per 4 bytes, no allocation per call.
 */

function makeTables(poly: number): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let t = 1; t < 4; t++) {
    const prev = tables[t - 1] as Uint32Array;
    const cur = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number;
      cur[n] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0;
    }
    tables.push(cur);
  }
  return tables;
}

function makeCrc(poly: number): (data: Uint8Array, initial?: number) => number {
  const [t0, t1, t2, t3] = makeTables(poly) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  return (data, initial = 0) => {
    let crc = ~initial >>> 0;
    let i = 0;
    const end4 = data.length - (data.length % 4);
    for (; i < end4; i += 4) {
      crc ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
      crc =
        (t3[crc & 0xff] as number) ^
        (t2[(crc >>> 8) & 0xff] as number) ^
        (t1[(crc >>> 16) & 0xff] as number) ^
        (t0[crc >>> 24] as number);
    }
    for (; i < data.length; i++) crc = (t0[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    return ~crc >>> 0;
  };
}

/** CRC-32 (STUN FINGERPRINT before its XOR with 0x5354554e). Pass a previous result as `initial` to continue. */
export const crc32: (data: Uint8Array, initial?: number) => number = makeCrc(0xedb88320);

/** CRC-32c (SCTP checksum). Pass a previous result as `initial` to continue. */
export const crc32c: (data: Uint8Array, initial?: number) => number = makeCrc(0x82f63b78);
