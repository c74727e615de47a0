/**
 * @module dtls/constants
 * Code points shared by DTLS 1.2 and 1.3: content types and versions (RFC 6347 4.1, RFC
 * 9147 4), handshake types (RFC 6347 4.3.2), cipher suites (RFC 5289 3.2, RFC 7905 2),
 * signature schemes (RFC 8446 4.2.3), extension types (IANA TLS ExtensionType), alerts
 * (RFC 5246 7.2, RFC 8446 6) and SRTP protection profiles (RFC 5764 4.1.2, RFC 7714 14.2).
 */

export const ContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** Wire versions: DTLS 1.0 = 0xfeff, 1.2 = 0xfefd, 1.3 = 0xfefc (RFC 9147 5.3). */
export const DtlsVersion = {
  Dtls10: 0xfeff,
  Dtls12: 0xfefd,
  Dtls13: 0xfefc,
} as const;

export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  NewSessionTicket: 4,
  EncryptedExtensions: 8,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
} as const;
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

export const CipherSuite = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
} as const;
export type CipherSuite = (typeof CipherSuite)[keyof typeof CipherSuite];
export type CipherSuiteName = keyof typeof CipherSuite;

/** What each supported suite means for the record layer and the PRF. */
export interface SuiteParameters {
  readonly id: CipherSuite;
  readonly name: CipherSuiteName;
  readonly aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  readonly keyLength: number;
  /** Implicit IV from the key block: 4 bytes for GCM (RFC 5288 3), 12 for ChaCha (RFC 7905 2). */
  readonly fixedIvLength: number;
  /** Explicit per-record nonce bytes carried on the wire (8 for GCM, 0 for ChaCha). */
  readonly explicitNonceLength: number;
  readonly prfHash: 'sha256' | 'sha384';
}

export const SUITES: readonly SuiteParameters[] = [
  { id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', aead: 'aes-128-gcm', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8, prfHash: 'sha256' },
  { id: 0xc02c, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', aead: 'aes-256-gcm', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8, prfHash: 'sha384' },
  { id: 0xcca9, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0, prfHash: 'sha256' },
];

export function suiteById(id: number): SuiteParameters | undefined {
  return SUITES.find((s) => s.id === id);
}

export const SignatureScheme = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
} as const;

export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  extended_master_secret: 23,
  session_ticket: 35,
  supported_versions: 43,
  cookie: 44,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** TLS 1.2 ClientCertificateType ecdsa_sign (RFC 8422 5.5). */
export const CLIENT_CERTIFICATE_TYPE_ECDSA_SIGN = 64;
/** ECCurveType named_curve (RFC 8422 5.4). */
export const EC_CURVE_TYPE_NAMED_CURVE = 3;

export const AlertLevel = { Warning: 1, Fatal: 2 } as const;

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_required: 116,
} as const;

export function alertName(description: number): string {
  for (const [k, v] of Object.entries(AlertDescription)) if (v === description) return k;
  return `alert_${description}`;
}

/** SRTP protection profiles offered in use_srtp (RFC 5764 4.1.2, RFC 7714 14.2). */
export const SrtpProtectionProfile = {
  SRTP_AES128_CM_HMAC_SHA1_80: 0x0001,
  SRTP_AES128_CM_HMAC_SHA1_32: 0x0002,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
} as const;
export type SrtpProtectionProfile = (typeof SrtpProtectionProfile)[keyof typeof SrtpProtectionProfile];
export type SrtpProfileName = keyof typeof SrtpProtectionProfile;

/** Master key and salt lengths per profile (RFC 5764 4.1.2, RFC 7714 12). */
export const SRTP_KEY_LENGTHS: Record<SrtpProfileName, { keyLength: number; saltLength: number }> = {
  SRTP_AES128_CM_HMAC_SHA1_80: { keyLength: 16, saltLength: 14 },
  SRTP_AES128_CM_HMAC_SHA1_32: { keyLength: 16, saltLength: 14 },
  SRTP_AEAD_AES_128_GCM: { keyLength: 16, saltLength: 12 },
  SRTP_AEAD_AES_256_GCM: { keyLength: 32, saltLength: 12 },
};

export function srtpProfileName(id: number): SrtpProfileName | undefined {
  for (const [k, v] of Object.entries(SrtpProtectionProfile)) if (v === id) return k as SrtpProfileName;
  return undefined;
}
