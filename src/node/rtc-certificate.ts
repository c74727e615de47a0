/**
 * @module node/rtc-certificate
 * W3C webrtc-pc 4.9: RTCCertificate, a self-signed ECDSA P-256 certificate (RFC 8827
 * section 6.5, RFC 8122 section 5 fingerprints) from crypto/x509.
 */
import { secureRandom } from '../common/random.js';
import { certificateFingerprint, generateCertificate } from '../crypto/x509.js';
import type { Certificate } from '../crypto/x509.js';

export interface RTCDtlsFingerprint {
  algorithm?: string;
  value?: string;
}

/** Validity of generated certificates (browsers use about a month). */
export const CERTIFICATE_VALIDITY_MS = 30 * 24 * 3600 * 1000;

export class RTCCertificate {
  readonly expires: number;
  /** The certificate and key; purertc-specific. */
  readonly certificate: Certificate;
  constructor(certificate: Certificate, expires: number) {
    this.certificate = certificate;
    this.expires = expires;
  }
  getFingerprints(): RTCDtlsFingerprint[] {
    const f = certificateFingerprint(this.certificate.der, 'sha-256');
    return [{ algorithm: f.algorithm, value: f.value.toLowerCase() }];
  }
  /** W3C 4.9 generateCertificate: only ECDSA P-256 is offered. */
  static generate(keygenAlgorithm: unknown = { name: 'ECDSA', namedCurve: 'P-256' }): RTCCertificate {
    const name = typeof keygenAlgorithm === 'string' ? keygenAlgorithm : (keygenAlgorithm as { name?: unknown } | null)?.name;
    const curve = typeof keygenAlgorithm === 'object' && keygenAlgorithm !== null ? (keygenAlgorithm as { namedCurve?: unknown }).namedCurve : 'P-256';
    if (typeof name !== 'string' || name.toUpperCase() !== 'ECDSA' || (curve !== undefined && curve !== 'P-256')) {
      throw new DOMException('only ECDSA P-256 certificates are supported', 'NotSupportedError');
    }
    const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
    const cert = generateCertificate({ notBefore, validityMs: CERTIFICATE_VALIDITY_MS + 24 * 3600 * 1000, rng: secureRandom });
    return new RTCCertificate(cert, Date.now() + CERTIFICATE_VALIDITY_MS);
  }
}
