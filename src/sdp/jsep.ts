/**
 * @module sdp/jsep
 * The offer/answer decisions a JSEP answerer takes per m= section (RFC 8829 section
 * 5.3.1 "Initial Answers"; RFC 3264 section 6.1): the codecs both sides support, with
 * the offer's payload types, RTX paired by `apt` (RFC 4588 section 8.1) and RTCP
 * feedback intersected (RFC 4585 section 4.2); the header extensions both support with
 * the offer's ids and mirrored directions (RFC 8285 section 7); the answer direction (RFC 3264 section 6.1,
 * intersected with the local wish); `a=setup` (RFC 8829 section 5.3.1, RFC 8842
 * section 5.3, RFC 4145 section 4: "active" when the offer says "actpass"); the SCTP
 * parameters and the sendable message size (RFC 8841 sections 5-6, W3C webrtc-pc
 * "update the data max message size"); the BUNDLE groups of the answer (RFC 8843
 * sections 7.3.1-7.3.3); the rid/simulcast lines of an answer (RFC 8853 section
 * 5.3.2, RFC 8851 section 6.2); the m= section a trickled candidate belongs to (RFC 8829
 * section 3.5.2.1); and the semantic checks on a remote description (RFC 8829 sections
 * 5.8.1-5.8.3). Pure functions over the sdp/session model.
 */
import { ProtocolError } from '../common/errors.js';
import { attributesOf, codecs, fingerprints, headerExtensions, iceCredentials, mid, rids, rtxApt, setupRole, simulcast } from './accessors.js';
import type { Codec, FmtpParameter, HeaderExtension, RtcpFeedback } from './accessors.js';
import type { Attribute, AttributeOf, AttributeType, Direction, SetupRole, SimulcastStreams } from './attributes.js';
import { codecsMatch, describeCodec } from './codec-match.js';
import type { MediaDescription, SessionDescription } from './session.js';

/** One codec this endpoint can send and receive, as an application configures it. */
export interface CodecCapability {
  readonly kind: 'audio' | 'video';
  /** Encoding name as in rtpmap: opus, VP8, H264, VP9, AV1, red, ulpfec, ... */
  readonly name: string;
  readonly clockRate: number;
  /** Audio channels; omitted means 1 (Opus is 2). */
  readonly channels?: number;
  /** Our fmtp text for this codec, e.g. `packetization-mode=1;profile-level-id=42e01f`. */
  readonly fmtp?: string;
  /** RTCP feedback we implement for it (`nack`, `nack pli`, `ccm fir`, `transport-cc`, ...). */
  readonly feedback?: readonly RtcpFeedback[];
  /** Whether we use RTX (RFC 4588) for it when the offer pairs an rtx payload type. */
  readonly rtx?: boolean;
}

/**
 * One codec of the answer: the offer's payload type, rtpmap and fmtp text (`fmtp` is ''
 * when none), and as `feedback` the rtcp-fb entries present in the offer and in our
 * capability.
 */
export interface NegotiatedCodec extends Codec {
  /** The offer's rtx payload type whose apt is this codec, when we use RTX for it. */
  readonly rtxPayloadType?: number;
  /** The capability that matched. */
  readonly capability: CodecCapability;
}

function sameFeedback(a: RtcpFeedback, b: RtcpFeedback): boolean {
  return a.type === b.type && (a.parameter ?? '') === (b.parameter ?? '');
}

/** Payload types a RED fmtp (RFC 2198 section 5: `111/111`) refers to. */
function redPayloadTypes(codec: Pick<Codec, 'fmtp'>): number[] | undefined {
  if (codec.fmtp === '') return [];
  if (!/^[0-9]{1,3}(\/[0-9]{1,3})*$/.test(codec.fmtp)) return undefined;
  return codec.fmtp.split('/').map(Number);
}

/**
 * The codecs of the answer to one offered m= section, in offer order (RFC 8829 section
 * 5.3.1: "the same order as those offered ... excluding any currently unsupported
 * formats"). Payload types come from the offer. rtx formats are not listed on their own:
 * each appears as `rtxPayloadType` of the codec it repairs. RED is kept only when every
 * payload type its fmtp names is negotiated too. Empty means: reject the m= section.
 */
export function negotiateCodecs(offer: MediaDescription, local: readonly CodecCapability[]): NegotiatedCodec[] {
  const offered = codecs(offer);
  const caps = local.filter((c) => c.kind === offer.kind);
  const rtxByApt = new Map<number, Codec>();
  for (const r of offered) {
    const apt = rtxApt(r);
    if (apt !== undefined && !rtxByApt.has(apt)) rtxByApt.set(apt, r);
  }
  const out: NegotiatedCodec[] = [];
  for (const c of offered) {
    if (c.name.toLowerCase() === 'rtx') continue;
    const cap = caps.find((k) => codecsMatch(c, describeCodec(k.name, k.clockRate, k.fmtp ?? '', k.channels)));
    if (cap === undefined) continue;
    const feedback = c.feedback.filter((f) => (cap.feedback ?? []).some((g) => sameFeedback(f, g)));
    const entry: { -readonly [K in keyof NegotiatedCodec]: NegotiatedCodec[K] } = {
      payloadType: c.payloadType, name: c.name, clockRate: c.clockRate, fmtp: c.fmtp, parameters: c.parameters, feedback, capability: cap,
    };
    if (c.channels !== undefined) entry.channels = c.channels;
    if (cap.rtx === true) {
      const rtx = rtxByApt.get(c.payloadType);
      if (rtx !== undefined && rtx.clockRate === c.clockRate) entry.rtxPayloadType = rtx.payloadType;
    }
    out.push(entry);
  }
  const negotiated = new Set(out.map((c) => c.payloadType));
  return out.filter((c) => {
    if (c.name.toLowerCase() !== 'red') return true;
    const pts = redPayloadTypes(c);
    return pts !== undefined && pts.every((pt) => negotiated.has(pt) && pt !== c.payloadType);
  });
}

/** Direction of an extmap in the answer: sendonly and recvonly swap (RFC 8285 section 7). */
function answerExtmapDirection(offered: Direction | undefined): Direction | undefined {
  if (offered === 'sendonly') return 'recvonly';
  if (offered === 'recvonly') return 'sendonly';
  return offered;
}

/**
 * Header extensions of the offer that we also implement, with the offer's ids ("the same
 * identifier MUST be used for the same offered extension in the answer") and the offered
 * direction mirrored (RFC 8285 section 7). Ids in the negotiation range 4096-4351 cannot
 * appear in packets and are left out; the first mapping of a repeated id wins.
 */
export function negotiateHeaderExtensions(offer: MediaDescription, localUris: readonly string[], session?: SessionDescription): HeaderExtension[] {
  const wanted = new Set(localUris);
  const seen = new Set<number>();
  const out: HeaderExtension[] = [];
  for (const e of headerExtensions(offer, session)) {
    if (!wanted.has(e.uri) || seen.has(e.id) || e.id > 255) continue;
    seen.add(e.id);
    const d = answerExtmapDirection(e.direction);
    out.push(d === undefined ? { id: e.id, uri: e.uri } : { id: e.id, uri: e.uri, direction: d });
  }
  return out;
}

const SENDS: ReadonlySet<Direction> = new Set(['sendrecv', 'sendonly']);
const RECEIVES: ReadonlySet<Direction> = new Set(['sendrecv', 'recvonly']);

function directionOf(send: boolean, recv: boolean): Direction {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/**
 * RFC 3264 section 6.1 and RFC 8829 section 5.3.1: the answer sends only if the offer
 * receives and we want to send; it receives only if the offer sends and we want to
 * receive. ("offered as sendonly and the local transceiver is set to sendrecv, the
 * result in the answer is a recvonly direction").
 */
export function answerDirection(offered: Direction, local: Direction): Direction {
  return directionOf(RECEIVES.has(offered) && SENDS.has(local), SENDS.has(offered) && RECEIVES.has(local));
}

/** The direction as seen from the other side (sendonly <-> recvonly). */
export function reverseDirection(d: Direction): Direction {
  return directionOf(RECEIVES.has(d), SENDS.has(d));
}

/**
 * The `a=setup` of the answer. actpass -> active (RFC 8829 section 5.3.1 "SHOULD use the
 * active role"); active -> passive; passive -> active; absent -> passive (RFC 4145
 * section 4: the offer's default is active). holdconn is refused for DTLS (RFC 8842
 * section 5.1) with a remote ProtocolError.
 */
export function answerSetup(offered: SetupRole | undefined): 'active' | 'passive' {
  switch (offered) {
    case 'actpass':
    case 'passive':
      return 'active';
    case 'active':
    case undefined:
      return 'passive';
    case 'holdconn':
      throw new ProtocolError('remote', 'a=setup:holdconn must not be used for DTLS (RFC 8842 section 5.1)');
  }
}

/** DTLS role for our side given our negotiated `a=setup` (RFC 4145: active connects). */
export function dtlsRole(localSetup: 'active' | 'passive'): 'client' | 'server' {
  return localSetup === 'active' ? 'client' : 'server';
}

/** RFC 8841 section 6.1: "If the SDP max-message-size attribute is not present, the default value is 64K". */
export const DEFAULT_MAX_MESSAGE_SIZE = 65536;
/** The SCTP port WebRTC uses (RFC 8831 section 6.2, and what every browser offers). */
export const DEFAULT_SCTP_PORT = 5000;

export interface RemoteSctpParameters {
  readonly sctpPort: number;
  /** 0 means "any size" (RFC 8841 section 6.1). */
  readonly maxMessageSize: number;
}

/**
 * The SCTP parameters of a remote m=application section, or undefined when it lacks the
 * mandatory sctp-port (RFC 8841 section 5.1: "the associated m= line MUST be considered
 * invalid") or is not DTLS/SCTP.
 */
export function remoteSctpParameters(media: MediaDescription): RemoteSctpParameters | undefined {
  if (!/^(UDP|TCP)\/DTLS\/SCTP$/.test(media.protocol)) return undefined;
  const port = attributesOf(media, 'sctp-port')[0]?.port;
  if (port === undefined) return undefined;
  return { sctpPort: port, maxMessageSize: attributesOf(media, 'max-message-size')[0]?.sizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE };
}

/**
 * The largest message we may send: min(remote max-message-size, what we can send), with
 * 0 on either side meaning "no limit" and Infinity when both are 0 (W3C webrtc-pc,
 * "update the data max message size").
 */
export function maxSendableMessageSize(remoteMaxMessageSize: number | undefined, localCanSendBytes: number): number {
  const remote = remoteMaxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (remote === 0 && localCanSendBytes === 0) return Number.POSITIVE_INFINITY;
  if (remote === 0) return localCanSendBytes;
  if (localCanSendBytes === 0) return remote;
  return Math.min(remote, localCanSendBytes);
}

/** The BUNDLE groups of an answer and which m= section carries each group's transport. */
export interface BundleAnswer {
  /** Each group with the answerer BUNDLE-tag first, then the other accepted mids in offer order. */
  readonly groups: readonly (readonly string[])[];
  /** Offered mids that end up in no group (their group could not be created). */
  readonly unbundledMids: readonly string[];
}

/**
 * RFC 8843 section 7.3.1: for each offered BUNDLE group, the answerer-tagged m= section
 * is the first mid (in the offer's order) that we accept and whose offered port is not
 * zero; the rejected mids leave the group (section 7.3.3). Without such a mid the group
 * is not created.
 */
export function answerBundleGroups(offer: SessionDescription, acceptedMids: ReadonlySet<string>): BundleAnswer {
  const groups: string[][] = [];
  const unbundledMids: string[] = [];
  const portOf = new Map<string, number>();
  for (const md of offer.media) {
    const value = mid(md);
    if (value !== undefined && !portOf.has(value)) portOf.set(value, md.port);
  }
  for (const g of attributesOf(offer, 'group')) {
    if (g.semantics !== 'BUNDLE') continue;
    const tag = g.mids.find((m) => acceptedMids.has(m) && (portOf.get(m) ?? 0) !== 0);
    if (tag === undefined) {
      unbundledMids.push(...g.mids);
      continue;
    }
    groups.push([tag, ...g.mids.filter((m) => m !== tag && acceptedMids.has(m))]);
  }
  return { groups, unbundledMids };
}

/**
 * The mid whose m= section carries the transport of `mediaMid`: the BUNDLE-tag (first
 * mid) of its group (RFC 8843 section 7.1.3, transport attributes live in the tagged
 * section), or itself when it is not bundled.
 */
export function bundleTransportMid(session: SessionDescription, mediaMid: string): string {
  for (const g of attributesOf(session, 'group')) {
    if (g.semantics === 'BUNDLE' && g.mids.includes(mediaMid)) return g.mids[0] ?? mediaMid;
  }
  return mediaMid;
}

/** One semantic problem in a remote description; `mediaIndex` absent for session level. */
export interface SdpProblem {
  readonly mediaIndex?: number;
  readonly reason: string;
}

export interface VerifyOptions {
  readonly type: 'offer' | 'answer' | 'pranswer';
  /** For an answer: the offer it answers (RFC 8829 section 5.8.3, RFC 3264 section 6). */
  readonly offer?: SessionDescription;
  /** RTCRtpMuxPolicy "require" (the only W3C value): every RTP m= section needs a=rtcp-mux. */
  readonly rtcpMuxRequired?: boolean;
}

/** Attributes of which RFC 8829 sections 5.8.1-5.8.2 allow "a single" line per level. */
const SINGLE_SESSION: readonly AttributeType[] = ['ice-lite', 'ice-ufrag', 'ice-pwd', 'ice-options', 'setup', 'extmap-allow-mixed'];
const SINGLE_MEDIA: readonly AttributeType[] = [
  'ice-ufrag', 'ice-pwd', 'ice-options', 'end-of-candidates', 'setup', 'mid', 'direction', 'rtcp-mux', 'rtcp-mux-only',
  'rtcp-rsize', 'sctp-port', 'max-message-size', 'simulcast',
];
/** RFC 8839 section 5.4: ufrag 4*256ice-char, password 22*256ice-char. */
const UFRAG_RE = /^[A-Za-z0-9+/]{4,256}$/;
const PWD_RE = /^[A-Za-z0-9+/]{22,256}$/;

function isRtp(media: MediaDescription): boolean {
  return /RTP\//.test(media.protocol);
}

/**
 * RFC 8829 section 5.8.3 semantics verification, plus the "single line" rules of
 * sections 5.8.1-5.8.2 and the BUNDLE/mid rules of RFC 8843 section 7.2 and RFC 5888
 * section 9.1. Returns every problem found (empty when the description is usable).
 */
export function verifyDescription(session: SessionDescription, options: VerifyOptions): SdpProblem[] {
  const problems: SdpProblem[] = [];
  for (const t of SINGLE_SESSION) {
    if (attributesOf(session, t).length > 1) problems.push({ reason: `more than one session-level a=${t}` });
  }
  const mids = new Map<string, number>();
  session.media.forEach((m, i) => {
    const value = mid(m);
    if (value === undefined) return;
    if (mids.has(value)) problems.push({ mediaIndex: i, reason: `mid ${JSON.stringify(value)} is used twice (RFC 5888 section 9.1)` });
    else mids.set(value, i);
  });
  const bundles = attributesOf(session, 'group').filter((g) => g.semantics === 'BUNDLE');
  const bundled = new Set<string>();
  const tagOf = new Map<string, string>();
  for (const g of bundles) {
    for (const m of g.mids) {
      if (!tagOf.has(m)) tagOf.set(m, g.mids[0] ?? m);
      if (!mids.has(m)) problems.push({ reason: `BUNDLE group names mid ${JSON.stringify(m)} that no m= section has` });
      if (bundled.has(m)) problems.push({ reason: `mid ${JSON.stringify(m)} is in two BUNDLE groups (RFC 8843 section 5)` });
      bundled.add(m);
    }
  }
  const transportChecked = new Set<number>();
  session.media.forEach((m, i) => {
    for (const t of SINGLE_MEDIA) {
      if (attributesOf(m, t).length > 1) problems.push({ mediaIndex: i, reason: `more than one a=${t}` });
    }
    const bundleOnly = m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only');
    if (m.port === 0 && !bundleOnly) return; // rejected: nothing more to check
    const value = mid(m);
    if (bundles.length > 0 && value === undefined) problems.push({ mediaIndex: i, reason: 'm= section without a=mid in a description that uses BUNDLE' });
    // Transport attributes come from the BUNDLE-tagged section (RFC 8843 section 7.1.3).
    const owner = value === undefined ? i : (mids.get(tagOf.get(value) ?? value) ?? i);
    const ownerMedia = session.media[owner] ?? m;
    if (!(bundleOnly && options.type === 'offer' && owner === i) && !transportChecked.has(owner)) {
      transportChecked.add(owner);
      const ice = iceCredentials(ownerMedia, session);
      if (ice === undefined) problems.push({ mediaIndex: owner, reason: 'no a=ice-ufrag/a=ice-pwd (RFC 8839 section 5.4)' });
      else {
        if (!UFRAG_RE.test(ice.ufrag)) problems.push({ mediaIndex: owner, reason: 'a=ice-ufrag must be 4..256 ice-chars (RFC 8839 section 5.4)' });
        if (!PWD_RE.test(ice.pwd)) problems.push({ mediaIndex: owner, reason: 'a=ice-pwd must be 22..256 ice-chars (RFC 8839 section 5.4)' });
      }
      if (fingerprints(ownerMedia, session).length === 0) problems.push({ mediaIndex: owner, reason: 'no a=fingerprint (RFC 8829 section 5.8.3)' });
      const setup = setupRole(ownerMedia, session);
      if (setup === 'holdconn') problems.push({ mediaIndex: owner, reason: 'a=setup:holdconn is not allowed for DTLS (RFC 8842 section 5.1)' });
      if (options.type !== 'offer' && setup === 'actpass') problems.push({ mediaIndex: owner, reason: 'an answer must say a=setup:active or passive (RFC 8829 section 5.3.1)' });
    }
    if (isRtp(m)) {
      const hasMux = m.attributes.some((a) => a.type === 'rtcp-mux');
      const ownerHasMux = ownerMedia.attributes.some((a) => a.type === 'rtcp-mux');
      if (m.attributes.some((a) => a.type === 'rtcp-mux-only') && !hasMux) problems.push({ mediaIndex: i, reason: 'a=rtcp-mux-only without a=rtcp-mux (RFC 8829 section 5.8.3)' });
      if (options.rtcpMuxRequired === true && !hasMux && !ownerHasMux) problems.push({ mediaIndex: i, reason: 'RTCP mux policy "require" but no a=rtcp-mux' });
      const ids = new Set<number>();
      for (const e of attributesOf(m, 'extmap')) {
        // Repeats are allowed only in the 4096-4351 negotiation range (RFC 8285 section 7).
        if (ids.has(e.id) && e.id <= 255) problems.push({ mediaIndex: i, reason: `extmap id ${e.id} is mapped twice (RFC 8285 section 7)` });
        ids.add(e.id);
      }
      const ridIds = new Set(rids(m).map((r) => r.id));
      for (const dir of simulcast(m) ?? []) {
        for (const alts of dir.streams) {
          for (const id of alts) {
            if (!ridIds.has(id.rid)) problems.push({ mediaIndex: i, reason: `a=simulcast names rid ${JSON.stringify(id.rid)} without an a=rid line (RFC 8829 section 5.8.3)` });
          }
        }
      }
      const formats = new Set(m.formats);
      for (const c of codecs(m)) {
        const apt = rtxApt(c);
        if (c.name.toLowerCase() === 'rtx' && (apt === undefined || !formats.has(String(apt)))) {
          problems.push({ mediaIndex: i, reason: `rtx payload type ${c.payloadType} has no apt naming a format of this m= line (RFC 4588 section 8.6)` });
        }
      }
    } else if (/DTLS\/SCTP$/.test(m.protocol) && attributesOf(m, 'sctp-port').length === 0) {
      problems.push({ mediaIndex: i, reason: 'm=application without a=sctp-port (RFC 8841 section 5.1)' });
    }
  });
  if (options.type !== 'offer' && options.offer !== undefined) {
    const offer = options.offer;
    if (offer.media.length !== session.media.length) {
      problems.push({ reason: `the answer has ${session.media.length} m= sections, the offer ${offer.media.length} (RFC 3264 section 6)` });
    }
    session.media.forEach((m, i) => {
      const o = offer.media[i];
      if (o !== undefined && (o.kind !== m.kind || o.protocol !== m.protocol)) {
        problems.push({ mediaIndex: i, reason: `media type/protocol ${m.kind} ${m.protocol} differ from the offer's ${o.kind} ${o.protocol} (RFC 8829 section 5.8.3)` });
      }
    });
  }
  return problems;
}

/**
 * True when a new description restarts ICE for an m= section: its ice-ufrag or ice-pwd
 * differs from the previous one (RFC 8839 section 4.4.1.1.1, RFC 8829 section 5.2.3.1;
 * an RFC 8445 section 9 restart).
 */
export function isIceRestart(previous: MediaDescription, previousSession: SessionDescription, next: MediaDescription, nextSession: SessionDescription): boolean {
  const a = iceCredentials(previous, previousSession);
  const b = iceCredentials(next, nextSession);
  if (a === undefined || b === undefined) return a !== b;
  return a.ufrag !== b.ufrag || a.pwd !== b.pwd;
}

export interface SimulcastAnswerOptions {
  /** Payload types negotiated for the section; rids restricted to none of them are dropped. */
  readonly payloadTypes?: ReadonlySet<number>;
  /** Most simulcast streams to accept per direction (RFC 8853: may reduce, never add). */
  readonly maxStreams?: number;
}

/**
 * The `a=rid` and `a=simulcast` lines of an answer to an offered m= section (RFC 8853
 * section 5.3.2): send and recv swap, the offer's order and pause marks are kept, the
 * number of streams may be reduced; more than one `a=simulcast` disables simulcast.
 * rids swap direction too (RFC 8851 section 6.2), keep only negotiated payload types,
 * and disappear, with their simulcast entries, when no negotiated type remains.
 * Empty when the offer has no usable simulcast.
 */
export function answerSimulcast(offer: MediaDescription, options: SimulcastAnswerOptions = {}): Attribute[] {
  const lines = attributesOf(offer, 'simulcast');
  if (lines.length !== 1) return [];
  const offeredRids = new Map<string, AttributeOf<'rid'>>();
  for (const r of attributesOf(offer, 'rid')) if (!offeredRids.has(r.id)) offeredRids.set(r.id, r);
  const answeredRids = new Map<string, AttributeOf<'rid'>>();
  for (const [id, r] of offeredRids) {
    let formats = r.formats;
    if (options.payloadTypes !== undefined && formats.length > 0) {
      const allowed = options.payloadTypes;
      formats = formats.filter((f) => /^[0-9]{1,3}$/.test(f) && allowed.has(Number(f)));
      if (formats.length === 0) continue;
    }
    answeredRids.set(id, { type: 'rid', id, direction: r.direction === 'send' ? 'recv' : 'send', formats, restrictions: r.restrictions });
  }
  const directions: SimulcastStreams[] = [];
  for (const d of (lines[0] as AttributeOf<'simulcast'>).directions) {
    const answerDirection = d.direction === 'send' ? 'recv' : 'send';
    const streams = d.streams
      .map((alts) => alts.filter((id) => answeredRids.get(id.rid)?.direction === answerDirection))
      .filter((alts) => alts.length > 0)
      .slice(0, options.maxStreams ?? Number.POSITIVE_INFINITY);
    if (streams.length > 0) directions.push({ direction: answerDirection, streams });
  }
  if (directions.length === 0) return [];
  const used = new Set(directions.flatMap((d) => d.streams.flatMap((alts) => alts.map((id) => id.rid))));
  return [...[...answeredRids.values()].filter((r) => used.has(r.id)), { type: 'simulcast', directions }];
}

/** What RTCIceCandidateInit carries to place a candidate (RFC 8829 section 3.5.2.1). */
export interface CandidateTarget {
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
}

/**
 * Index of the m= section a trickled candidate belongs to: by mid when present ("it MUST
 * be used for identification"), else by the zero-based m= section index; -1 when
 * neither identifies a section (RFC 8829 section 3.5.2.1).
 */
export function mediaIndexForCandidate(session: SessionDescription, target: CandidateTarget): number {
  if (target.sdpMid !== undefined && target.sdpMid !== null) return session.media.findIndex((m) => mid(m) === target.sdpMid);
  const i = target.sdpMLineIndex;
  return i !== undefined && i !== null && Number.isInteger(i) && i >= 0 && i < session.media.length ? i : -1;
}
