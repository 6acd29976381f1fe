// CNI error values: the spec's codes, and the mapping from the daemon's PktbridgeError codes.
import { PktbridgeError, type ErrorCode } from '../errors.js';

/** Error codes of the CNI spec (1.1.0, "Error" section), plus ours from 100 up. */
export const CniCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  // Plugin-specific codes (the spec reserves 100+ for plugins).
  NOT_FOUND: 100,
  ALREADY_EXISTS: 101,
  FAILED_PRECONDITION: 102,
  INCOMPATIBLE_PEER: 103,
  INTERNAL: 999,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'CniError';
  }
}

export function invalidEnv(variable: string, problem: string): CniError {
  return new CniError(CniCode.INVALID_ENV, `${variable}: ${problem}`, variable);
}

export function invalidConfig(field: string, problem: string): CniError {
  return new CniError(CniCode.INVALID_CONFIG, `${field}: ${problem}`, field);
}

const codeForPktbridge: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: CniCode.INVALID_CONFIG,
  NOT_FOUND: CniCode.NOT_FOUND,
  ALREADY_EXISTS: CniCode.ALREADY_EXISTS,
  FAILED_PRECONDITION: CniCode.FAILED_PRECONDITION,
  UNAVAILABLE: CniCode.TRY_AGAIN_LATER,
  INCOMPATIBLE: CniCode.INCOMPATIBLE_PEER,
  TIMEOUT: CniCode.TRY_AGAIN_LATER,
  INTERNAL: CniCode.INTERNAL,
};

/** Maps anything thrown to a CniError; an INVALID_ARGUMENT about a CNI_* variable becomes code 4. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof PktbridgeError) {
    const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
    const code =
      err.code === 'INVALID_ARGUMENT' && field?.startsWith('CNI_')
        ? CniCode.INVALID_ENV
        : codeForPktbridge[err.code];
    return new CniError(code, err.message, field ?? err.code);
  }
  return new CniError(CniCode.INTERNAL, err instanceof Error ? err.message : String(err));
}

/** The error object printed on stdout (the spec's shape; `details` only when there are some). */
export function errorJson(err: CniError, cniVersion: string): Record<string, unknown> {
  return {
    cniVersion,
    code: err.code,
    msg: err.message,
    ...(err.details === undefined ? {} : { details: err.details }),
  };
}
