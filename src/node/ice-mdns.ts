/**
 * @module node/ice-mdns
 * Resolving the `.local` names of remote ICE candidates (draft-ietf-rtcweb-mdns-ice-
 * candidates 3.2.2) with one-shot multicast DNS queries (RFC 6762 5.1, 5.4 QU bit,
 * 6.7 legacy unicast: a query from a port other than 5353 gets its answer unicast
 * back to that port). The DNS message codec (RFC 1035 4.1, name compression 4.1.4)
 * is the small part we need: one question out; A/AAAA answers in.
 */
import { createSocket, type Socket } from 'node:dgram';
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { formatIp } from '../stun/ip.js';

/** RFC 6762 3: the IPv4 mDNS group and port. */
export const MDNS_IPV4_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;
/** How long one resolution waits (the draft suggests a few seconds at most). */
export const DEFAULT_MDNS_TIMEOUT_MS = 2000;
/** RFC 1035 2.3.4: names are at most 255 octets, labels 63. */
export const MAX_DNS_NAME_BYTES = 255;
/** Bound on compression pointers followed while reading one name. */
export const MAX_DNS_POINTERS = 16;
/** Bound on records read from one response. */
export const MAX_DNS_RECORDS = 64;

export const DnsType = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;
/** RFC 6762 5.4: top bit of the question class asks for a unicast response. */
const QU_BIT = 0x8000;

export interface DnsAnswer {
  readonly name: string;
  readonly type: number;
  readonly ttl: number;
  /** A/AAAA as IP text; other types as undefined. */
  readonly address: string | undefined;
}

/** Serializes a one-question query (RFC 1035 4.1.1, 4.1.2). */
export function encodeMdnsQuery(id: number, name: string, type: number): Uint8Array {
  const w = new Writer(64);
  w.u16(id).u16(0).u16(1).u16(0).u16(0).u16(0);
  writeName(w, name);
  w.u16(type).u16(CLASS_IN | QU_BIT);
  return w.finish();
}

function writeName(w: Writer, name: string): void {
  const labels = name.replace(/\.$/, '').split('.');
  let total = 1;
  for (const l of labels) {
    const b = new TextEncoder().encode(l);
    if (b.length === 0 || b.length > 63) throw new RangeError(`DNS label of ${b.length} bytes`);
    total += b.length + 1;
    if (total > MAX_DNS_NAME_BYTES) throw new RangeError('DNS name too long');
    w.u8(b.length).bytes(b);
  }
  w.u8(0);
}

function readName(data: Uint8Array, r: Reader): string {
  const labels: string[] = [];
  let pointers = 0;
  let total = 0;
  let cursor = r;
  let returnTo: number | undefined;
  for (;;) {
    const len = cursor.u8('label length');
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      const ptr = ((len & 0x3f) << 8) | cursor.u8('pointer');
      if (++pointers > MAX_DNS_POINTERS) throw new ParseError('DNS: too many compression pointers');
      if (ptr >= data.length) throw new ParseError('DNS: pointer out of range');
      if (returnTo === undefined) returnTo = cursor.offset;
      cursor = new Reader(data, ptr);
      continue;
    }
    if (len & 0xc0) throw new ParseError('DNS: reserved label type');
    total += len + 1;
    if (total > MAX_DNS_NAME_BYTES) throw new ParseError('DNS: name too long');
    const bytes = cursor.bytesView(len, 'label');
    labels.push(String.fromCharCode(...bytes));
  }
  r.offset = returnTo ?? cursor.offset;
  return labels.join('.');
}

/** Parses a DNS response (RFC 1035 4.1); throws `ParseError`. Returns the answer and additional records. */
export function decodeMdnsResponse(data: Uint8Array): { id: number; answers: DnsAnswer[] } {
  const r = new Reader(data);
  const id = r.u16('id');
  const flags = r.u16('flags');
  if (!(flags & 0x8000)) throw new ParseError('DNS: not a response');
  const qd = r.u16('qdcount');
  const an = r.u16('ancount');
  const ns = r.u16('nscount');
  const ar = r.u16('arcount');
  if (qd + an + ns + ar > MAX_DNS_RECORDS) throw new ParseError('DNS: too many records');
  for (let i = 0; i < qd; i++) {
    readName(data, r);
    r.skip(4, 'question type/class');
  }
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an + ns + ar; i++) {
    const name = readName(data, r);
    const type = r.u16('type');
    r.u16('class');
    const ttl = r.u32('ttl');
    const len = r.u16('rdlength');
    const rdata = r.bytesView(len, 'rdata');
    let address: string | undefined;
    if (type === DnsType.A) {
      if (len !== 4) throw new ParseError('DNS: A record of wrong length');
      address = formatIp(rdata);
    } else if (type === DnsType.AAAA) {
      if (len !== 16) throw new ParseError('DNS: AAAA record of wrong length');
      address = formatIp(rdata);
    }
    if (i < an || address !== undefined) answers.push({ name, type, ttl, address });
  }
  return { id, answers };
}

export interface MdnsResolverOptions {
  /** Where queries go (default the IPv4 mDNS group on port 5353); tests point it at loopback. */
  readonly target?: { readonly address: string; readonly port: number };
  /** Local address to bind the query socket to (default any). */
  readonly bindAddress?: string;
  readonly timeoutMs?: number;
}

/**
 * Resolves `name.local` to an IP address with a one-shot query for A and AAAA;
 * `undefined` when nothing answers in time.
 */
export async function resolveMdnsName(name: string, options: MdnsResolverOptions = {}): Promise<string | undefined> {
  const target = options.target ?? { address: MDNS_IPV4_GROUP, port: MDNS_PORT };
  const timeoutMs = options.timeoutMs ?? DEFAULT_MDNS_TIMEOUT_MS;
  const wanted = name.toLowerCase().replace(/\.$/, '');
  const socket: Socket = createSocket({ type: target.address.includes(':') ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const id = (Math.random() * 0xffff) | 0;
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.on('message', (msg) => {
        let res: { id: number; answers: DnsAnswer[] };
        try {
          res = decodeMdnsResponse(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
        } catch {
          return;
        }
        const hit = res.answers.find((a) => a.address !== undefined && a.name.toLowerCase() === wanted);
        if (hit?.address !== undefined) {
          clearTimeout(timer);
          resolve(hit.address);
        }
      });
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      for (const type of [DnsType.A, DnsType.AAAA]) socket.send(encodeMdnsQuery(id, wanted, type), target.port, target.address);
    });
  } finally {
    socket.close();
  }
}
