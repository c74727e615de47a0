/**
 * Turns a capture from chromium-rtp.ts into commented vectors:
 *   npx tsx test/rtp/capture/make-chromium-vectors.ts /tmp/chromium-rtp-capture.json
 * writes vectors/rtp/chromium-156-rtp.json and vectors/rtp/chromium-156-rtcp.json.
 * Comments name each field; the tests check the values against werift and the SDP.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseRtp, parseRtcp } from '../../../src/rtp/index.js';
import { fromHex, toHex } from '../../../src/common/hex.js';

const cap = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/chromium-rtp-capture.json', 'utf8')) as { chromium: string; answer: string; rtp: string[]; rtcp: string[] };
const hx = (b: Uint8Array) => toHex(b, ' ');
const extmap: Record<string, Record<number, string>> = {};
let kind = '';
for (const line of cap.answer.split(/\r?\n/)) {
  const m = /^m=(\w+)/.exec(line);
  if (m) kind = m[1]!;
  const e = /^a=extmap:(\d+) (\S+)/.exec(line);
  if (e) (extmap[kind] ??= {})[Number(e[1])] = e[2]!;
}

function rtpRuns(bytes: Uint8Array): { hex: string; comment: string }[] {
  const p = parseRtp(bytes);
  const runs: { hex: string; comment: string }[] = [];
  const b0 = bytes[0]!;
  runs.push({ hex: hx(bytes.subarray(0, 1)), comment: `V=2, P=${(b0 >> 5) & 1}, X=${(b0 >> 4) & 1}, CC=${b0 & 15}` });
  runs.push({ hex: hx(bytes.subarray(1, 2)), comment: `M=${p.marker ? 1 : 0}, PT=${p.payloadType}` });
  runs.push({ hex: hx(bytes.subarray(2, 4)), comment: `sequence number ${p.sequenceNumber}` });
  runs.push({ hex: hx(bytes.subarray(4, 8)), comment: `timestamp ${p.timestamp}` });
  runs.push({ hex: hx(bytes.subarray(8, 12)), comment: `SSRC ${p.ssrc}` });
  let at = 12 + 4 * p.csrcs.length;
  const ext = p.headerExtension;
  const map = extmap[p.payloadType === 111 ? 'audio' : 'video'] ?? {};
  if (ext !== undefined && ext.type !== 'raw') {
    const words = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    runs.push({ hex: hx(bytes.subarray(at, at + 4)), comment: `header extension: profile 0x${toHex(bytes.subarray(at, at + 2))} (${ext.type} form), ${words} words` });
    const end = at + 4 + words * 4;
    at += 4;
    for (const e of ext.elements) {
      const start = e.data.byteOffset - bytes.byteOffset - (ext.type === 'one-byte' ? 1 : 2);
      if (start > at) runs.push({ hex: hx(bytes.subarray(at, start)), comment: 'padding bytes' });
      runs.push({ hex: hx(bytes.subarray(start, start + (ext.type === 'one-byte' ? 1 : 2))), comment: `element ID=${e.id}, ${e.data.length} data bytes: ${map[e.id] ?? 'not negotiated'}` });
      runs.push({ hex: hx(e.data), comment: `${map[e.id] ?? 'element'} data` });
      at = start + (ext.type === 'one-byte' ? 1 : 2) + e.data.length;
    }
    if (end > at) runs.push({ hex: hx(bytes.subarray(at, end)), comment: 'padding to a 32-bit boundary' });
    at = end;
  }
  if (p.payload.length > 0) runs.push({ hex: hx(p.payload), comment: p.payloadType === 111 ? `Opus packet (TOC 0x${toHex(p.payload.subarray(0, 1))})` : 'VP8 payload descriptor and data' });
  if (p.paddingBytes > 0) runs.push({ hex: hx(bytes.subarray(bytes.length - p.paddingBytes)), comment: `RTP padding: ${p.paddingBytes} octets, the last one counting them` });
  return runs;
}

const NAMES: Record<string, string> = { sr: 'SR (PT=200)', rr: 'RR (PT=201)', sdes: 'SDES (PT=202)', twcc: 'RTPFB FMT=15 transport-cc feedback', nack: 'RTPFB FMT=1 generic NACK', pli: 'PSFB FMT=1 PLI', remb: 'PSFB FMT=15 REMB', fir: 'PSFB FMT=4 FIR' };
function rtcpRuns(bytes: Uint8Array): { hex: string; comment: string }[] {
  const runs: { hex: string; comment: string }[] = [];
  const packets = parseRtcp(bytes);
  let at = 0;
  packets.forEach((p) => {
    const len = (((bytes[at + 2]! << 8) | bytes[at + 3]!) + 1) * 4;
    const b0 = bytes[at]!;
    runs.push({ hex: hx(bytes.subarray(at, at + 4)), comment: `${NAMES[p.type] ?? p.type}: V=2, P=${(b0 >> 5) & 1}, count/FMT=${b0 & 31}, length ${len / 4 - 1} (${len} bytes)` });
    const body = bytes.subarray(at + 4, at + len);
    if (p.type === 'sr') {
      runs.push({ hex: hx(body.subarray(0, 4)), comment: `SSRC of sender ${p.ssrc}` });
      runs.push({ hex: hx(body.subarray(4, 12)), comment: 'NTP timestamp' });
      runs.push({ hex: hx(body.subarray(12, 16)), comment: `RTP timestamp ${p.rtpTimestamp}` });
      runs.push({ hex: hx(body.subarray(16, 24)), comment: `packet count ${p.packetCount}, octet count ${p.octetCount}` });
      p.reports.forEach((r, i) => runs.push({ hex: hx(body.subarray(24 + 24 * i, 48 + 24 * i)), comment: `report block about SSRC ${r.ssrc}` }));
    } else if (p.type === 'rr') {
      runs.push({ hex: hx(body.subarray(0, 4)), comment: `SSRC of packet sender ${p.ssrc}` });
      p.reports.forEach((r, i) => runs.push({ hex: hx(body.subarray(4 + 24 * i, 28 + 24 * i)), comment: `report block: SSRC ${r.ssrc}, fraction lost ${r.fractionLost}, cumulative ${r.cumulativeLost}, highest seq ${r.highestSequence}, jitter ${r.jitter}, LSR, DLSR` }));
    } else if (p.type === 'sdes') {
      runs.push({ hex: hx(body), comment: `chunks: ${p.chunks.map((c) => `SSRC ${c.ssrc} ${c.items.map((i) => `item ${i.type} '${i.text}'`).join(', ')}`).join('; ')}; null octet and padding` });
    } else if (p.type === 'twcc') {
      runs.push({ hex: hx(body.subarray(0, 8)), comment: `SSRC of packet sender ${p.senderSsrc}, of media source ${p.mediaSsrc}` });
      runs.push({ hex: hx(body.subarray(8, 12)), comment: `base sequence number ${p.baseSequenceNumber}, packet status count ${p.statuses.length}` });
      runs.push({ hex: hx(body.subarray(12, 16)), comment: `reference time ${p.referenceTime} x 64 ms, feedback packet count ${p.feedbackPacketCount}` });
      runs.push({ hex: hx(body.subarray(16)), comment: `packet chunks for statuses [${p.statuses.join(',')}], then receive deltas [${p.deltas.join(',')}] x 250 us, then padding` });
    } else {
      runs.push({ hex: hx(body), comment: 'body' });
    }
    at += len;
  });
  return runs;
}

const rtpPick = [0, 2, 6, 8, 57, 87].filter((i) => i < cap.rtp.length);
const rtcpPick = [0, 1, 2, 7, 45].filter((i) => i < cap.rtcp.length);
const header = { chromium: cap.chromium, capturedWith: 'test/rtp/capture/chromium-rtp.ts (werift answered; SRTP removed by werift, bytes as Chrome protected them)', extmap };
writeFileSync(
  'vectors/rtp/chromium-156-rtp.json',
  JSON.stringify({ ...header, source: `RTP from Chromium ${cap.chromium} (fake camera VP8, fake microphone Opus), captured after SRTP decryption`, packets: rtpPick.map((i) => ({ index: i, bytes: rtpRuns(fromHex(cap.rtp[i]!)) })) }, null, 2),
);
writeFileSync(
  'vectors/rtp/chromium-156-rtcp.json',
  JSON.stringify({ ...header, source: `RTCP compound and reduced-size packets from Chromium ${cap.chromium}, captured after SRTCP decryption`, packets: rtcpPick.map((i) => ({ index: i, bytes: rtcpRuns(fromHex(cap.rtcp[i]!)) })) }, null, 2),
);
console.log(`wrote ${rtpPick.length} RTP and ${rtcpPick.length} RTCP vectors`);
