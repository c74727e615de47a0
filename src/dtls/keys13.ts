/**
 * @module dtls/keys13
 * The (D)TLS 1.3 key schedule (RFC 8446 7.1 Derive-Secret over HKDF, 7.3 traffic keys,
 * 4.4.4 finished_key, 7.5 exporters), with the DTLS 1.3 label prefix "dtls13" and the
 * record-number protection key "sn" (RFC 9147 5.9, 4.2.3). The TLS prefix "tls13 " is
 * accepted too, which is how RFC 8448's traces check this module. For the DTLS 1.3
 * handshake machine that will sit beside dtls/handshake12.
 */
import { hash } from '../crypto/hash.js';
import { hkdfExpandLabel, hkdfExtract } from '../crypto/prf.js';
import type { PrfHash } from '../crypto/prf.js';

export type LabelPrefix = 'tls13 ' | 'dtls13';
export const DTLS13_LABEL_PREFIX: LabelPrefix = 'dtls13';

const HASH_LENGTH: Record<PrfHash, number> = { sha256: 32, sha384: 48 };

/** Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length). */
export function deriveSecret(h: PrfHash, secret: Uint8Array, label: string, transcriptHash: Uint8Array, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): Uint8Array {
  return hkdfExpandLabel(h, secret, label, transcriptHash, HASH_LENGTH[h], prefix);
}

export interface HandshakeSecrets {
  readonly earlySecret: Uint8Array;
  readonly handshakeSecret: Uint8Array;
  readonly clientHandshakeTrafficSecret: Uint8Array;
  readonly serverHandshakeTrafficSecret: Uint8Array;
  /** Kept to continue to the master secret. */
  readonly derivedForMaster: Uint8Array;
}

/**
 * From the (EC)DHE / hybrid shared secret and Transcript-Hash(ClientHello..ServerHello),
 * without PSK (RFC 8446 7.1 diagram).
 */
export function handshakeSecrets(h: PrfHash, sharedSecret: Uint8Array, helloHash: Uint8Array, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): HandshakeSecrets {
  const zeros = new Uint8Array(HASH_LENGTH[h]);
  const emptyHash = hash(h, new Uint8Array(0));
  const earlySecret = hkdfExtract(h, zeros, zeros);
  const derived = deriveSecret(h, earlySecret, 'derived', emptyHash, prefix);
  const handshakeSecret = hkdfExtract(h, derived, sharedSecret);
  return {
    earlySecret,
    handshakeSecret,
    clientHandshakeTrafficSecret: deriveSecret(h, handshakeSecret, 'c hs traffic', helloHash, prefix),
    serverHandshakeTrafficSecret: deriveSecret(h, handshakeSecret, 's hs traffic', helloHash, prefix),
    derivedForMaster: deriveSecret(h, handshakeSecret, 'derived', emptyHash, prefix),
  };
}

export interface ApplicationSecrets {
  readonly masterSecret: Uint8Array;
  readonly clientApplicationTrafficSecret: Uint8Array;
  readonly serverApplicationTrafficSecret: Uint8Array;
  readonly exporterMasterSecret: Uint8Array;
}

/** From the handshake secrets and Transcript-Hash(ClientHello..server Finished). */
export function applicationSecrets(h: PrfHash, hs: HandshakeSecrets, finishedHash: Uint8Array, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): ApplicationSecrets {
  const masterSecret = hkdfExtract(h, hs.derivedForMaster, new Uint8Array(HASH_LENGTH[h]));
  return {
    masterSecret,
    clientApplicationTrafficSecret: deriveSecret(h, masterSecret, 'c ap traffic', finishedHash, prefix),
    serverApplicationTrafficSecret: deriveSecret(h, masterSecret, 's ap traffic', finishedHash, prefix),
    exporterMasterSecret: deriveSecret(h, masterSecret, 'exp master', finishedHash, prefix),
  };
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Record number protection key (RFC 9147 4.2.3); same length as `key`. */
  readonly sn: Uint8Array;
}

/** [sender]_write_key, _iv (RFC 8446 7.3) and sn_key (RFC 9147 4.2.3). */
export function trafficKeys(h: PrfHash, secret: Uint8Array, keyLength: number, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): TrafficKeys {
  return {
    key: hkdfExpandLabel(h, secret, 'key', new Uint8Array(0), keyLength, prefix),
    iv: hkdfExpandLabel(h, secret, 'iv', new Uint8Array(0), 12, prefix),
    sn: hkdfExpandLabel(h, secret, 'sn', new Uint8Array(0), keyLength, prefix),
  };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 4.4.4). */
export function finishedKey(h: PrfHash, baseKey: Uint8Array, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): Uint8Array {
  return hkdfExpandLabel(h, baseKey, 'finished', new Uint8Array(0), HASH_LENGTH[h], prefix);
}

/** TLS-Exporter(label, context, length) (RFC 8446 7.5). */
export function exportKeyingMaterial13(h: PrfHash, exporterMasterSecret: Uint8Array, label: string, context: Uint8Array, length: number, prefix: LabelPrefix = DTLS13_LABEL_PREFIX): Uint8Array {
  const secret = deriveSecret(h, exporterMasterSecret, label, hash(h, new Uint8Array(0)), prefix);
  return hkdfExpandLabel(h, secret, 'exporter', hash(h, context), length, prefix);
}
