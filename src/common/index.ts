/**
 * @module common
 * Bytes, errors, checksums, timers and randomness shared by every layer.
 */
export { Reader, Writer, concatBytes, bytesEqual, constantTimeEqual } from './bytes.js';
export { ErrorCode, PureRtcError, ParseError, ProtocolError, InvalidStateError, InvalidArgumentError } from './errors.js';
export { toHex, fromHex } from './hex.js';
export { crc32, crc32c } from './crc32.js';
export { TimerTable } from './timers.js';
export { secureRandom, seededRandom, randomU32, randomIceString } from './random.js';
export type { RandomSource } from './random.js';
