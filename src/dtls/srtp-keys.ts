/**
 * @module dtls/srtp-keys
 * SRTP master keys and salts from a connected DTLS endpoint (RFC 5764 4.2): the exporter
 * with label "EXTRACTOR-dtls_srtp" and no context yields 2 * (key + salt) bytes laid out
 * as client_write_SRTP_master_key | server_write_SRTP_master_key |
 * client_write_SRTP_master_salt | server_write_SRTP_master_salt. Lengths per profile are
 * those of RFC 5764 4.1.2 and RFC 7714 12. The same layout holds in DTLS 1.3, where the
 * exporter is TLS-Exporter (RFC 8446 7.5) with the "dtls13" label prefix.
 */
import { InvalidStateError } from '../common/errors.js';
import { SRTP_KEY_LENGTHS } from './constants.js';
import type { SrtpProfileName } from './constants.js';
import { DTLS_SRTP_EXPORTER_LABEL } from './endpoint.js';
import type { DtlsEndpoint } from './endpoint.js';

export interface SrtpKeyingMaterial {
  readonly profile: SrtpProfileName;
  /** What we protect outgoing SRTP with. */
  readonly localMasterKey: Uint8Array;
  readonly localMasterSalt: Uint8Array;
  /** What the peer protects with (we unprotect incoming SRTP with these). */
  readonly remoteMasterKey: Uint8Array;
  readonly remoteMasterSalt: Uint8Array;
}

export function srtpKeyingMaterial(endpoint: DtlsEndpoint): SrtpKeyingMaterial {
  const profile = endpoint.negotiated?.srtpProfile;
  if (profile === undefined) throw new InvalidStateError('dtls: no SRTP profile negotiated (not connected, or no use_srtp)');
  const { keyLength: k, saltLength: s } = SRTP_KEY_LENGTHS[profile];
  const m = endpoint.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, 2 * (k + s));
  const clientKey = m.slice(0, k);
  const serverKey = m.slice(k, 2 * k);
  const clientSalt = m.slice(2 * k, 2 * k + s);
  const serverSalt = m.slice(2 * k + s, 2 * (k + s));
  return endpoint.role === 'client'
    ? { profile, localMasterKey: clientKey, localMasterSalt: clientSalt, remoteMasterKey: serverKey, remoteMasterSalt: serverSalt }
    : { profile, localMasterKey: serverKey, localMasterSalt: serverSalt, remoteMasterKey: clientKey, remoteMasterSalt: clientSalt };
}
