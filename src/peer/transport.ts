/**
 * @module peer/transport
 * Which m= sections carry a transport of their own, per the W3C RTCBundlePolicy
 * (RFC 8829 section 4.1.1: "balanced", "max-compat", "max-bundle"):
 *
 * - In an initial offer (RFC 8829 section 5.2.1), a section "marked as bundle-only" has
 *   port 0, `a=bundle-only` (RFC 8843 section 6) and no ICE/DTLS attributes: with
 *   max-bundle every section but the first, with balanced every section but the first
 *   of its media type, with max-compat none. The first section is never bundle-only, so
 *   that it is the offerer-tagged section (RFC 8843 section 7.2.1).
 * - In an answer (RFC 8829 section 5.3.1), a section is rejected when the policy is
 *   max-bundle and it is neither the first m= section nor in the first section's BUNDLE
 *   group, or the policy is balanced and it is neither the first of its media type nor
 *   in that section's group; when the offerer-tagged section of a group is rejected,
 *   every section of the group is (RFC 8843 section 7.3.3).
 * - Which transport each live section of a description uses (`transportAssignments`):
 *   the tagged section's for a BUNDLE group (RFC 8843 section 7.1), its own otherwise.
 *
 * Pure functions over the sdp model; the peer applies them.
 */
import { attributesOf, isPortZero, mid as sdpMid } from '../sdp/index.js';
import type { MediaDescription, SessionDescription } from '../sdp/index.js';

/** W3C RTCBundlePolicy (RFC 8829 section 4.1.1). */
export type BundlePolicy = 'balanced' | 'max-compat' | 'max-bundle';

/** RFC 8829 section 4.1.1: "the default bundle policy MUST be set to 'balanced'". */
export const DEFAULT_BUNDLE_POLICY: BundlePolicy = 'balanced';

/** The three policies, for checking what a caller passes. */
export const BUNDLE_POLICIES: readonly BundlePolicy[] = ['balanced', 'max-compat', 'max-bundle'];

/** A section as the policy sees it: its mid and media type ('application' for data). */
export interface PolicySection {
  readonly mid: string;
  readonly kind: string;
}

/**
 * The mids marked bundle-only in an initial offer (RFC 8829 section 5.2.1), given the
 * live (not rejected) sections in m= line order.
 */
export function bundleOnlyMids(sections: readonly PolicySection[], policy: BundlePolicy): Set<string> {
  const out = new Set<string>();
  if (policy === 'max-compat') return out;
  const seenKinds = new Set<string>();
  sections.forEach((s, i) => {
    const first = policy === 'max-bundle' ? i === 0 : !seenKinds.has(s.kind);
    seenKinds.add(s.kind);
    if (!first) out.add(s.mid);
  });
  return out;
}

/** True when the offerer rejected the section: port 0 without a=bundle-only (RFC 8843 section 6). */
function offeredRejected(m: MediaDescription): boolean {
  return isPortZero(m) && !m.attributes.some((a) => a.type === 'unknown' && a.name === 'bundle-only');
}

/**
 * The m= line indexes of an offer the answerer must reject for its bundle policy (RFC
 * 8829 section 5.3.1, the max-bundle and balanced conditions). "The first m= section"
 * is read as the first one the offerer did not reject itself.
 */
export function policyRejections(offer: SessionDescription, policy: BundlePolicy): Set<number> {
  const out = new Set<number>();
  if (policy === 'max-compat') return out;
  const groups = attributesOf(offer, 'group').filter((g) => g.semantics === 'BUNDLE').map((g) => g.mids);
  const groupOf = (value: string | undefined): readonly string[] | undefined => (value === undefined ? undefined : groups.find((g) => g.includes(value)));
  /** kind (or '*' for max-bundle) -> mid of the first section of that kind. */
  const firstOf = new Map<string, string | undefined>();
  offer.media.forEach((m, i) => {
    if (offeredRejected(m)) return;
    const key = policy === 'max-bundle' ? '*' : m.kind;
    const value = sdpMid(m);
    if (!firstOf.has(key)) {
      firstOf.set(key, value);
      return;
    }
    const firstMid = firstOf.get(key);
    const g = groupOf(value);
    if (firstMid === undefined || g === undefined || !g.includes(firstMid)) out.add(i);
  });
  return out;
}

/**
 * RFC 8843 section 7.3.3 (and RFC 8829 section 5.3.1, last condition): the indexes of
 * every section of a BUNDLE group whose offerer-tagged (first) mid is among `rejected`,
 * added to `rejected`.
 */
export function withTaggedGroupRejections(offer: SessionDescription, rejected: ReadonlySet<number>): Set<number> {
  const out = new Set(rejected);
  const indexOf = new Map<string, number>();
  offer.media.forEach((m, i) => {
    const value = sdpMid(m);
    if (value !== undefined && !indexOf.has(value)) indexOf.set(value, i);
  });
  for (const g of attributesOf(offer, 'group')) {
    if (g.semantics !== 'BUNDLE') continue;
    const tag = g.mids[0];
    const tagIndex = tag === undefined ? undefined : indexOf.get(tag);
    if (tagIndex === undefined || !out.has(tagIndex)) continue;
    for (const m of g.mids) {
      const i = indexOf.get(m);
      if (i !== undefined) out.add(i);
    }
  }
  return out;
}

/**
 * The m= line indexes of a description that share the transport of `transportIndex`:
 * itself and the sections of its BUNDLE group. Sections outside it would need a
 * transport of their own.
 */
export function sharingTransport(session: SessionDescription, transportIndex: number): Set<number> {
  const out = new Set<number>([transportIndex]);
  const m = session.media[transportIndex];
  const value = m === undefined ? undefined : sdpMid(m);
  if (value === undefined) return out;
  const group = attributesOf(session, 'group').find((g) => g.semantics === 'BUNDLE' && g.mids.includes(value));
  if (group === undefined) return out;
  session.media.forEach((x, i) => {
    const v = sdpMid(x);
    if (v !== undefined && group.mids.includes(v)) out.add(i);
  });
  return out;
}

/** One transport of a description, keyed by the mid of the section that owns it (RFC 8843 section 7). */
export interface TransportAssignment {
  /** The mid of the transport's first section: the tagged section of a BUNDLE group, or the section itself. */
  readonly mid: string | undefined;
  /** The m= line indexes carried by this transport, in m= line order (the tagged one need not be first). */
  readonly indexes: readonly number[];
}

/**
 * How the live sections of a description share transports (RFC 8843 section 7.1: every
 * section of a BUNDLE group uses the transport of the group's tagged section, the first
 * mid of the group naming a live section; a section outside every group has its own, RFC
 * 8829 section 4.1.1 for "balanced" and "max-compat" when the remote does not bundle).
 * Rejected sections (port 0 without a=bundle-only) carry none. Ordered by first index.
 */
export function transportAssignments(session: SessionDescription): TransportAssignment[] {
  const live = session.media.map((m) => !offeredRejected(m));
  const indexOf = new Map<string, number>();
  session.media.forEach((m, i) => {
    const value = sdpMid(m);
    if (value !== undefined && live[i] === true && !indexOf.has(value)) indexOf.set(value, i);
  });
  /** m= line index -> index of the section whose transport it uses. */
  const owner = new Map<number, number>();
  for (const g of attributesOf(session, 'group')) {
    if (g.semantics !== 'BUNDLE') continue;
    const members = g.mids.map((value) => indexOf.get(value)).filter((i): i is number => i !== undefined && !owner.has(i));
    const tagged = members[0];
    if (tagged === undefined) continue;
    for (const i of members) owner.set(i, tagged);
  }
  const byOwner = new Map<number, number[]>();
  session.media.forEach((_, i) => {
    if (live[i] !== true) return;
    const o = owner.get(i) ?? i;
    const list = byOwner.get(o);
    if (list) list.push(i);
    else byOwner.set(o, [i]);
  });
  return [...byOwner.entries()]
    .sort((a, b) => (a[1][0] as number) - (b[1][0] as number))
    .map(([o, indexes]) => {
      const m = session.media[o] as MediaDescription;
      return { mid: sdpMid(m), indexes };
    });
}
