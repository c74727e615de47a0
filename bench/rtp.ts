/**
 * RTP codec throughput: parse + serialize of a 1200-byte packet carrying three one-byte
 * header extensions (mid, abs-send-time, transport-cc), purertc next to werift's
 * RtpPacket in the same run, as a ratio. Also parse-only, serialize-only and an RTCP
 * compound (SR + SDES + TWCC) round trip.
 *
 *   npx tsx bench/rtp.ts [seconds per case]
 */
import { performance } from 'node:perf_hooks';
import { RtpPacket as WRtpPacket, RtcpPacketConverter } from 'werift';
import {
  parseRtp,
  serializeRtp,
  writeRtp,
  rtpPacketBytes,
  rtpPacket,
  serializeSdesExtension,
  serializeAbsSendTime,
  serializeTransportCc,
  parseRtcp,
  serializeRtcp,
  buildTwcc,
} from '../src/rtp/index.js';

const SECONDS = Number(process.argv[2] ?? 1.5);

const payload = new Uint8Array(1200 - 12 - 4 - 12);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
const packet = rtpPacket({
  payloadType: 96,
  sequenceNumber: 1000,
  timestamp: 90000,
  ssrc: 0x11223344,
  marker: true,
  headerExtension: {
    type: 'one-byte',
    elements: [
      { id: 1, data: serializeSdesExtension('0') },
      { id: 2, data: serializeAbsSendTime(0x123456) },
      { id: 3, data: serializeTransportCc(4242) },
    ],
  },
  payload,
});
const wire = serializeRtp(packet);
if (wire.length !== 1200) throw new Error(`bench packet is ${wire.length} bytes, expected 1200`);
const wireBuf = Buffer.from(wire);

let sink = 0;
function rate(label: string, f: () => void): number {
  for (let i = 0; i < 20000; i++) f();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 1000; i++) f();
    n += 1000;
  }
  const perSec = n / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(52)} ${(perSec / 1e6).toFixed(3).padStart(8)} M/s`);
  return perSec;
}

console.log(`RTP 1200 bytes, 3 one-byte extensions; ${SECONDS}s per case; node ${process.version}`);
const out = new Uint8Array(1500);
const oursRt = rate('purertc parse + serialize (new buffer)', () => {
  const p = parseRtp(wire);
  sink ^= serializeRtp(p)[13] as number;
});
const oursInto = rate('purertc parse + writeRtp into a reused buffer', () => {
  const p = parseRtp(wire);
  sink ^= writeRtp(p, out, 0) + rtpPacketBytes(p);
});
const weriftRt = rate('werift RtpPacket.deSerialize + serialize', () => {
  const p = WRtpPacket.deSerialize(wireBuf);
  sink ^= p.serialize()[13] as number;
});
const oursParse = rate('purertc parse only', () => {
  sink ^= parseRtp(wire).sequenceNumber;
});
const weriftParse = rate('werift deSerialize only', () => {
  sink ^= WRtpPacket.deSerialize(wireBuf).header.sequenceNumber;
});
const wp = WRtpPacket.deSerialize(wireBuf);
const oursSer = rate('purertc serialize only', () => {
  sink ^= serializeRtp(packet)[1] as number;
});
const weriftSer = rate('werift serialize only', () => {
  sink ^= wp.serialize()[1] as number;
});

const twcc = buildTwcc({
  senderSsrc: 1,
  mediaSsrc: 2,
  baseSequenceNumber: 100,
  feedbackPacketCount: 1,
  arrivalsUs: Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? undefined : 1_000_000 + i * 1_000)),
});
const compound = serializeRtcp([
  { type: 'sr', ssrc: 1, ntpTimestamp: 0xeeb147dd353f7cedn, rtpTimestamp: 1, packetCount: 2, octetCount: 3, reports: [] },
  { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'purertc-bench' }] }] },
  twcc,
]);
const compoundBuf = Buffer.from(compound);
const oursRtcp = rate('purertc RTCP SR+SDES+TWCC(100) parse + serialize', () => {
  sink ^= serializeRtcp(parseRtcp(compound)).length;
});
const weriftRtcp = rate('werift RtcpPacketConverter.deSerialize (parse only)', () => {
  sink ^= RtcpPacketConverter.deSerialize(compoundBuf).length;
});

console.log('');
console.log(`ratio purertc/werift, parse + serialize: ${(oursRt / weriftRt).toFixed(2)}x (reused buffer: ${(oursInto / weriftRt).toFixed(2)}x)`);
console.log(`ratio purertc/werift, parse only:        ${(oursParse / weriftParse).toFixed(2)}x`);
console.log(`ratio purertc/werift, serialize only:    ${(oursSer / weriftSer).toFixed(2)}x`);
console.log(`ratio purertc (parse+serialize) / werift (parse only), RTCP compound: ${(oursRtcp / weriftRtcp).toFixed(2)}x`);
if (sink === 0.5) console.log(sink);
