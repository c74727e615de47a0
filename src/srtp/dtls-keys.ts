/**
 * @module srtp/dtls-keys
 * DTLS-SRTP keying (RFC 5764 4.2): the exporter ("EXTRACTOR-dtls_srtp", empty context)
 * yields 2 * (master_key_len + master_salt_len) bytes, laid out as
 *
 *   client_write_SRTP_master_key[key_len]
 *   server_write_SRTP_master_key[key_len]
 *   client_write_SRTP_master_salt[salt_len]
 *   server_write_SRTP_master_salt[salt_len]
 *
 * The client's keys protect what the client sends; the server uses them only to unprotect
 * (and the other way round). Our role picks which half is local.
 */
import { InvalidArgumentError } from '../common/errors.js';
import { SrtpContext } from './context.js';
import type { SrtpContextOptions } from './context.js';
import { srtpProfileParams } from './profile.js';
import type { SrtpProfile } from './profile.js';

/** The RFC 5764 4.2 exporter label. */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export interface SrtpMasterKey {
  readonly masterKey: Uint8Array;
  readonly masterSalt: Uint8Array;
}

export interface SrtpKeyPair {
  /** Protects what we send. */
  readonly local: SrtpMasterKey;
  /** Unprotects what we receive. */
  readonly remote: SrtpMasterKey;
}

/** How many exporter bytes `profile` needs: 2 * (key + salt). */
export function srtpExporterLength(profile: SrtpProfile): number {
  const p = srtpProfileParams(profile);
  return 2 * (p.keyLength + p.saltLength);
}

/** Splits exporter output into our (local) and the peer's (remote) master keys and salts. */
export function srtpKeysFromExporter(profile: SrtpProfile, material: Uint8Array, role: 'client' | 'server'): SrtpKeyPair {
  const { keyLength: k, saltLength: s } = srtpProfileParams(profile);
  if (material.length !== 2 * (k + s)) {
    throw new InvalidArgumentError(`${profile}: keying material must be ${2 * (k + s)} bytes, got ${material.length}`);
  }
  const client: SrtpMasterKey = { masterKey: material.slice(0, k), masterSalt: material.slice(2 * k, 2 * k + s) };
  const server: SrtpMasterKey = { masterKey: material.slice(k, 2 * k), masterSalt: material.slice(2 * k + s, 2 * (k + s)) };
  return role === 'client' ? { local: client, remote: server } : { local: server, remote: client };
}

/** The two contexts of a DTLS-SRTP session: `local` to protect, `remote` to unprotect. */
export function srtpContextsFromExporter(
  profile: SrtpProfile,
  material: Uint8Array,
  role: 'client' | 'server',
  options: SrtpContextOptions = {},
): { readonly local: SrtpContext; readonly remote: SrtpContext } {
  const { local, remote } = srtpKeysFromExporter(profile, material, role);
  return {
    local: new SrtpContext(profile, local.masterKey, local.masterSalt, options),
    remote: new SrtpContext(profile, remote.masterKey, remote.masterSalt, options),
  };
}
