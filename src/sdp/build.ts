/**
 * @module sdp/build
 * Builders for the descriptions a JSEP endpoint writes (RFC 8829 section 5.2.1 "Initial
 * Offers" and section 5.3.1 "Initial Answers"): the session level (v/o/s/t, group:BUNDLE
 * per RFC 8843 section 7.1, extmap-allow-mixed, msid-semantic), RTP m= sections with
 * c=IN IP4 0.0.0.0 and a=rtcp:9 placeholders (RFC 8840 section 4.1), ICE (RFC 8839
 * section 5), DTLS (RFC 8842 section 5), mid, extmap (RFC 8285), direction, msid
 * (RFC 8830), rtcp-mux/rtcp-rsize, rtpmap/rtcp-fb/fmtp with RTX (RFC 4588 section 8.1),
 * ssrc-group FID and ssrc cname/msid (RFC 5576), and SCTP m= sections (RFC 8841
 * sections 4-6). Attribute order follows Chrome's, so that peers which compare text
 * see what they are used to. The output is the plain sdp/session model.
 */
import type { Attribute, Direction, SetupRole } from './attributes.js';
import type { Fingerprint, HeaderExtension, RtcpFeedback } from './accessors.js';
import type { Candidate } from './candidate.js';
import type { MediaDescription, SessionDescription } from './session.js';

/** The ICE and DTLS attributes of a section that carries a transport. */
export interface TransportAttributes {
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprints: readonly Fingerprint[];
  readonly setup: SetupRole;
  /** Default ['trickle'] (RFC 8829 section 5.2.1). */
  readonly iceOptions?: readonly string[];
  readonly candidates?: readonly Candidate[];
  readonly endOfCandidates?: boolean;
  /**
   * The section is bundled into another one (RFC 8829 sections 5.2.2 and 5.3.2: it "MUST
   * NOT contain any ICE credentials", and its candidates are omitted): only a=fingerprint
   * and a=setup are written.
   */
  readonly bundled?: boolean;
}

/** One payload type to write, with its optional RTX payload type. */
export interface CodecToWrite {
  readonly payloadType: number;
  readonly name: string;
  readonly clockRate: number;
  /** Written only for audio channel counts other than 1 (RFC 8866 section 6.6). */
  readonly channels?: number;
  readonly fmtp?: string;
  readonly feedback?: readonly RtcpFeedback[];
  readonly rtxPayloadType?: number;
}

/** A sending stream: SSRC, CNAME and optional RTX SSRC (RFC 4588, ssrc-group FID). */
export interface StreamToWrite {
  readonly ssrc: number;
  readonly cname: string;
  readonly rtxSsrc?: number;
}

export interface RtpMediaOptions {
  readonly kind: 'audio' | 'video';
  readonly mid: string;
  readonly direction: Direction;
  readonly codecs: readonly CodecToWrite[];
  readonly extensions?: readonly HeaderExtension[];
  /** Absent for a bundled section that is not the tagged one (RFC 8843 section 7.1.3). */
  readonly transport?: TransportAttributes;
  readonly msid?: { readonly streamId: string; readonly trackId: string };
  readonly streams?: readonly StreamToWrite[];
  /** Default 'UDP/TLS/RTP/SAVPF' (RFC 8829 section 5.1.2). */
  readonly protocol?: string;
  /** Default 9 (discard) until a default candidate is chosen (RFC 8840 section 4.1.1). */
  readonly port?: number;
  /** Default true (RFC 8829 section 5.2.1 requires rtcp-mux and offers rtcp-rsize). */
  readonly rtcpRsize?: boolean;
  readonly bundleOnly?: boolean;
  /** Further attributes written after rtcp-rsize (e.g. rid/simulcast). */
  readonly extraAttributes?: readonly Attribute[];
}

export interface DataChannelMediaOptions {
  readonly mid: string;
  readonly transport?: TransportAttributes;
  /** Default 5000. */
  readonly sctpPort?: number;
  /** Default 262144, what Chrome offers (RFC 8841 section 6). */
  readonly maxMessageSize?: number;
  /** Default 'UDP/DTLS/SCTP'. */
  readonly protocol?: string;
  readonly port?: number;
  readonly bundleOnly?: boolean;
}

const PLACEHOLDER_CONNECTION = { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' } as const;

function transportAttributes(t: TransportAttributes | undefined): Attribute[] {
  if (t === undefined) return [];
  const out: Attribute[] = t.bundled === true ? [] : (t.candidates ?? []).map((candidate) => ({ type: 'candidate', candidate }));
  if (t.bundled !== true) {
    if (t.endOfCandidates === true) out.push({ type: 'end-of-candidates' });
    out.push({ type: 'ice-ufrag', value: t.ufrag }, { type: 'ice-pwd', value: t.pwd }, { type: 'ice-options', options: t.iceOptions ?? ['trickle'] });
  }
  for (const f of t.fingerprints) out.push({ type: 'fingerprint', algorithm: f.algorithm, value: f.value });
  out.push({ type: 'setup', role: t.setup });
  return out;
}

function feedbackAttribute(format: string, f: RtcpFeedback): Attribute {
  return f.parameter === undefined ? { type: 'rtcp-fb', format, feedbackType: f.type } : { type: 'rtcp-fb', format, feedbackType: f.type, parameter: f.parameter };
}

/** An RTP m= section in Chrome's attribute order. */
export function buildRtpMedia(o: RtpMediaOptions): MediaDescription {
  const formats: string[] = [];
  const codecLines: Attribute[] = [];
  for (const c of o.codecs) {
    formats.push(String(c.payloadType));
    const channels = c.channels !== undefined && c.channels !== 1 ? { encodingParameters: c.channels } : {};
    codecLines.push({ type: 'rtpmap', payloadType: c.payloadType, encodingName: c.name, clockRate: c.clockRate, ...channels });
    for (const f of c.feedback ?? []) codecLines.push(feedbackAttribute(String(c.payloadType), f));
    if (c.fmtp !== undefined && c.fmtp !== '') codecLines.push({ type: 'fmtp', format: String(c.payloadType), parameters: c.fmtp });
    if (c.rtxPayloadType !== undefined) {
      formats.push(String(c.rtxPayloadType));
      codecLines.push(
        { type: 'rtpmap', payloadType: c.rtxPayloadType, encodingName: 'rtx', clockRate: c.clockRate },
        { type: 'fmtp', format: String(c.rtxPayloadType), parameters: `apt=${c.payloadType}` },
      );
    }
  }
  const attributes: Attribute[] = [
    { type: 'rtcp', port: 9, netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    ...transportAttributes(o.transport),
    { type: 'mid', value: o.mid },
  ];
  if (o.bundleOnly === true) attributes.push({ type: 'unknown', name: 'bundle-only' });
  for (const e of o.extensions ?? []) {
    attributes.push({ type: 'extmap', id: e.id, uri: e.uri, ...(e.direction === undefined ? {} : { direction: e.direction }), ...(e.attributes === undefined ? {} : { attributes: e.attributes }) });
  }
  attributes.push({ type: 'direction', direction: o.direction });
  if (o.msid !== undefined) attributes.push({ type: 'msid', streamId: o.msid.streamId, trackId: o.msid.trackId });
  attributes.push({ type: 'rtcp-mux' });
  if (o.rtcpRsize ?? true) attributes.push({ type: 'rtcp-rsize' });
  attributes.push(...(o.extraAttributes ?? []), ...codecLines);
  for (const s of o.streams ?? []) {
    if (s.rtxSsrc !== undefined) attributes.push({ type: 'ssrc-group', semantics: 'FID', ssrcs: [s.ssrc, s.rtxSsrc] });
  }
  for (const s of o.streams ?? []) {
    for (const ssrc of s.rtxSsrc === undefined ? [s.ssrc] : [s.ssrc, s.rtxSsrc]) {
      attributes.push({ type: 'ssrc', ssrc, attribute: 'cname', value: s.cname });
      if (o.msid !== undefined) attributes.push({ type: 'ssrc', ssrc, attribute: 'msid', value: `${o.msid.streamId} ${o.msid.trackId}` });
    }
  }
  return {
    kind: o.kind, port: o.port ?? 9, protocol: o.protocol ?? 'UDP/TLS/RTP/SAVPF', formats: formats.length > 0 ? formats : ['0'],
    connections: [PLACEHOLDER_CONNECTION], bandwidths: [], attributes,
  };
}

/** An m=application section for data channels (RFC 8841), in Chrome's attribute order. */
export function buildDataChannelMedia(o: DataChannelMediaOptions): MediaDescription {
  const attributes: Attribute[] = [...transportAttributes(o.transport), { type: 'mid', value: o.mid }];
  if (o.bundleOnly === true) attributes.push({ type: 'unknown', name: 'bundle-only' });
  attributes.push({ type: 'sctp-port', port: o.sctpPort ?? 5000 }, { type: 'max-message-size', sizeBytes: o.maxMessageSize ?? 262144 });
  return {
    kind: 'application', port: o.port ?? 9, protocol: o.protocol ?? 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'],
    connections: [PLACEHOLDER_CONNECTION], bandwidths: [], attributes,
  };
}

/**
 * The answer to an m= section we reject: port 0, the offer's media type, protocol and
 * first format, and its mid (RFC 3264 section 6, RFC 8829 section 5.3.1, RFC 8843
 * section 7.3.3: no bundle-only).
 */
export function buildRejectedMedia(offered: MediaDescription): MediaDescription {
  const offeredMid = offered.attributes.find((a): a is Extract<Attribute, { type: 'mid' }> => a.type === 'mid');
  return {
    kind: offered.kind, port: 0, protocol: offered.protocol, formats: offered.formats.slice(0, 1),
    connections: [PLACEHOLDER_CONNECTION], bandwidths: [], attributes: offeredMid ? [{ type: 'mid', value: offeredMid.value }] : [],
  };
}

export interface SessionOptions {
  /** Decimal digits; RFC 8829 section 5.2.1: a 64-bit random value below 2^63. */
  readonly sessionId: string;
  /** Incremented for each new description in the session (RFC 8829 section 5.2.2). */
  readonly sessionVersion: number;
  readonly media: readonly MediaDescription[];
  readonly bundleGroups?: readonly (readonly string[])[];
  /** Default true: Chrome writes it and it is harmless (RFC 8285 section 6). */
  readonly extmapAllowMixed?: boolean;
  /** Stream ids for `a=msid-semantic: WMS`; default none. */
  readonly msidStreams?: readonly string[];
  readonly iceLite?: boolean;
}

/** The session level Chrome writes, followed by the given m= sections. */
export function buildSession(o: SessionOptions): SessionDescription {
  const attributes: Attribute[] = [];
  if (o.iceLite === true) attributes.push({ type: 'ice-lite' });
  for (const g of o.bundleGroups ?? []) attributes.push({ type: 'group', semantics: 'BUNDLE', mids: [...g] });
  if (o.extmapAllowMixed ?? true) attributes.push({ type: 'extmap-allow-mixed' });
  attributes.push({ type: 'msid-semantic', semantics: 'WMS', identifiers: [...(o.msidStreams ?? [])] });
  return {
    origin: { username: '-', sessionId: o.sessionId, sessionVersion: String(o.sessionVersion), netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
    sessionName: '-', emails: [], phones: [], bandwidths: [], timing: [{ start: '0', stop: '0', repeats: [] }], attributes, media: [...o.media],
  };
}

/**
 * A copy of the description with `candidate` added to m= section `mediaIndex` after its
 * last candidate, or where Chrome writes the first one (after `a=rtcp`, else first), so
 * that the local description lists gathered candidates (RFC 8829 section 5.2.1 and
 * RFC 8838 section 4.2). Out-of-range indexes leave the description unchanged.
 */
export function addCandidate(session: SessionDescription, mediaIndex: number, candidate: Candidate): SessionDescription {
  return updateMedia(session, mediaIndex, (m) => {
    const attrs = [...m.attributes];
    let at = -1;
    attrs.forEach((a, i) => {
      if (a.type === 'candidate') at = i;
    });
    if (at < 0) at = attrs.findIndex((a) => a.type === 'rtcp');
    attrs.splice(at + 1, 0, { type: 'candidate', candidate });
    return { ...m, attributes: attrs };
  });
}

/**
 * A copy with `a=end-of-candidates` after the candidates of m= section `mediaIndex`
 * (RFC 8838 section 4.1 and RFC 8840 section 8.1); unchanged if it is already there.
 */
export function addEndOfCandidates(session: SessionDescription, mediaIndex: number): SessionDescription {
  return updateMedia(session, mediaIndex, (m) => {
    if (m.attributes.some((a) => a.type === 'end-of-candidates')) return m;
    const attrs = [...m.attributes];
    let at = attrs.findIndex((a) => a.type === 'rtcp');
    attrs.forEach((a, i) => {
      if (a.type === 'candidate') at = i;
    });
    attrs.splice(at + 1, 0, { type: 'end-of-candidates' });
    return { ...m, attributes: attrs };
  });
}

/**
 * A copy with the m= port and c= address of section `mediaIndex` set to a default
 * candidate (RFC 8839 section 4.2.1.2: the m=/c= lines carry the default candidate).
 */
export function setDefaultCandidate(session: SessionDescription, mediaIndex: number, candidate: Pick<Candidate, 'address' | 'port'>): SessionDescription {
  const addrType = candidate.address.includes(':') ? 'IP6' : 'IP4';
  return updateMedia(session, mediaIndex, (m) => ({ ...m, port: candidate.port, connections: [{ netType: 'IN', addrType, address: candidate.address }] }));
}

function updateMedia(session: SessionDescription, mediaIndex: number, fn: (m: MediaDescription) => MediaDescription): SessionDescription {
  if (mediaIndex < 0 || mediaIndex >= session.media.length) return session;
  return { ...session, media: session.media.map((m, i) => (i === mediaIndex ? fn(m) : m)) };
}
