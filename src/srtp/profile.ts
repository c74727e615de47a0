/**
 * @module srtp/profile
 * SRTP protection profiles: the parameter sets of RFC 3711 section 8.2 (AES-CM with
 * HMAC-SHA1), RFC 6188 section 4 (AES-256-CM), RFC 7714 sections 12 and 14.2 (AES-GCM),
 * and the DTLS-SRTP profile identifiers of RFC 5764 section 4.1.2 and RFC 7714 14.2.
 */

/** Profile names, as RFC 5764 4.1.2 / RFC 7714 14.2 / RFC 6188 spell them. */
export const SrtpProfile = {
  AesCm128HmacSha1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
  AesCm128HmacSha1_32: 'SRTP_AES128_CM_HMAC_SHA1_32',
  AesCm256HmacSha1_80: 'SRTP_AES256_CM_HMAC_SHA1_80',
  AesCm256HmacSha1_32: 'SRTP_AES256_CM_HMAC_SHA1_32',
  AeadAes128Gcm: 'SRTP_AEAD_AES_128_GCM',
  AeadAes256Gcm: 'SRTP_AEAD_AES_256_GCM',
} as const;
export type SrtpProfile = (typeof SrtpProfile)[keyof typeof SrtpProfile];

/** What a profile needs from the cipher and the key derivation. */
export interface SrtpProfileParams {
  readonly name: SrtpProfile;
  /** 'cm': AES counter mode + HMAC-SHA1 (RFC 3711 4.1.1, 4.2.1); 'gcm': RFC 7714. */
  readonly kind: 'cm' | 'gcm';
  /** Master (and session) encryption key length in bytes. */
  readonly keyLength: number;
  /** Master salt length in bytes (14 for AES-CM, 12 for AES-GCM: RFC 7714 12). */
  readonly saltLength: number;
  /** Session authentication key length for HMAC-SHA1 (RFC 3711 8.2: n_a = 160 bits); 0 for GCM. */
  readonly authKeyLength: number;
  /** Bytes of authentication tag appended to SRTP packets. */
  readonly rtpTagLength: number;
  /** Bytes of authentication tag on SRTCP packets (80 bits even for the _32 profiles, RFC 5764 4.1.2). */
  readonly rtcpTagLength: number;
  /** The DTLS-SRTP protection profile identifier (RFC 5764 4.1.2), when one is assigned. */
  readonly dtlsId: number | undefined;
}

const table: Readonly<Record<SrtpProfile, SrtpProfileParams>> = {
  SRTP_AES128_CM_HMAC_SHA1_80: {
    name: 'SRTP_AES128_CM_HMAC_SHA1_80', kind: 'cm', keyLength: 16, saltLength: 14, authKeyLength: 20,
    rtpTagLength: 10, rtcpTagLength: 10, dtlsId: 0x0001,
  },
  SRTP_AES128_CM_HMAC_SHA1_32: {
    name: 'SRTP_AES128_CM_HMAC_SHA1_32', kind: 'cm', keyLength: 16, saltLength: 14, authKeyLength: 20,
    rtpTagLength: 4, rtcpTagLength: 10, dtlsId: 0x0002,
  },
  // RFC 6188 4.1: SDES crypto suites only, no DTLS-SRTP identifier is registered.
  SRTP_AES256_CM_HMAC_SHA1_80: {
    name: 'SRTP_AES256_CM_HMAC_SHA1_80', kind: 'cm', keyLength: 32, saltLength: 14, authKeyLength: 20,
    rtpTagLength: 10, rtcpTagLength: 10, dtlsId: undefined,
  },
  SRTP_AES256_CM_HMAC_SHA1_32: {
    name: 'SRTP_AES256_CM_HMAC_SHA1_32', kind: 'cm', keyLength: 32, saltLength: 14, authKeyLength: 20,
    rtpTagLength: 4, rtcpTagLength: 10, dtlsId: undefined,
  },
  // RFC 7714 14.2: 16-octet tag, 12-octet salt.
  SRTP_AEAD_AES_128_GCM: {
    name: 'SRTP_AEAD_AES_128_GCM', kind: 'gcm', keyLength: 16, saltLength: 12, authKeyLength: 0,
    rtpTagLength: 16, rtcpTagLength: 16, dtlsId: 0x0007,
  },
  SRTP_AEAD_AES_256_GCM: {
    name: 'SRTP_AEAD_AES_256_GCM', kind: 'gcm', keyLength: 32, saltLength: 12, authKeyLength: 0,
    rtpTagLength: 16, rtcpTagLength: 16, dtlsId: 0x0008,
  },
};

/** The parameters of `profile`. */
export function srtpProfileParams(profile: SrtpProfile): SrtpProfileParams {
  return table[profile];
}

/** The profile with DTLS-SRTP identifier `id` (RFC 5764 4.1.2), or undefined if we do not support it. */
export function srtpProfileFromDtlsId(id: number): SrtpProfile | undefined {
  for (const p of Object.values(table)) if (p.dtlsId === id) return p.name;
  return undefined;
}

/** All supported profiles, strongest first (the order to offer in use_srtp). */
export const SRTP_PROFILES_BY_PREFERENCE: readonly SrtpProfile[] = [
  SrtpProfile.AeadAes256Gcm,
  SrtpProfile.AeadAes128Gcm,
  SrtpProfile.AesCm256HmacSha1_80,
  SrtpProfile.AesCm128HmacSha1_80,
  SrtpProfile.AesCm256HmacSha1_32,
  SrtpProfile.AesCm128HmacSha1_32,
];
