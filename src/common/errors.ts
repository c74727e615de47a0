/**
 * @module common/errors
 * One base error with a literal `code` (the undici / h11 pattern). Parsers throw only
 * `ParseError`; protocol violations are `ProtocolError`, told apart as local or remote.
 */

export const ErrorCode = {
  Parse: 'ERR_PURERTC_PARSE',
  Protocol: 'ERR_PURERTC_PROTOCOL',
  InvalidState: 'ERR_PURERTC_INVALID_STATE',
  InvalidArgument: 'ERR_PURERTC_INVALID_ARGUMENT',
  Timeout: 'ERR_PURERTC_TIMEOUT',
  Closed: 'ERR_PURERTC_CLOSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The base of every error purertc throws on purpose. */
export class PureRtcError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PureRtcError';
    this.code = code;
  }
}

/**
 * Bytes or text from the wire that do not decode. `offset` (bytes) or `line` (text
 * formats such as SDP) say where, when known.
 */
export class ParseError extends PureRtcError {
  readonly offset: number | undefined;
  readonly line: number | undefined;
  constructor(message: string, where?: { offset?: number; line?: number; cause?: unknown }) {
    super(ErrorCode.Parse, message, where?.cause === undefined ? undefined : { cause: where.cause });
    this.name = 'ParseError';
    this.offset = where?.offset;
    this.line = where?.line;
  }
}

/** A protocol rule was broken: by us (`local`) or by the peer (`remote`). */
export class ProtocolError extends PureRtcError {
  readonly side: 'local' | 'remote';
  constructor(side: 'local' | 'remote', message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Protocol, message, options);
    this.name = 'ProtocolError';
    this.side = side;
  }
}

/** A call made in a state that does not allow it (W3C InvalidStateError territory). */
export class InvalidStateError extends PureRtcError {
  constructor(message: string) {
    super(ErrorCode.InvalidState, message);
    this.name = 'InvalidStateError';
  }
}

/** A caller passed an option or argument outside its domain. */
export class InvalidArgumentError extends PureRtcError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
    this.name = 'InvalidArgumentError';
  }
}
