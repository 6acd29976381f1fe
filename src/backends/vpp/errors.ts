// Maps vpp-api errors onto the daemon's error codes, keeping VPP's message and details.
import { VppApiError } from '../../../vpp-api/errors.js';
import { PktbridgeError, toPktbridgeError, type ErrorCode } from '../../errors.js';

const CODES: Record<VppApiError['code'], ErrorCode> = {
  CLOSED: 'UNAVAILABLE',
  CONNECT: 'UNAVAILABLE',
  TIMEOUT: 'TIMEOUT',
  CRC_MISMATCH: 'INCOMPATIBLE',
  UNKNOWN_MESSAGE: 'INCOMPATIBLE',
  ENCODE: 'INVALID_ARGUMENT',
  RETVAL: 'FAILED_PRECONDITION',
  DECODE: 'INTERNAL',
  DEFINITION: 'INTERNAL',
};

/** A PktbridgeError for anything a VPP call threw; `what` says which step failed. */
export function vppError(err: unknown, what: string): PktbridgeError {
  if (err instanceof PktbridgeError) return err;
  if (err instanceof VppApiError) {
    return new PktbridgeError(
      CODES[err.code],
      `${what}: ${err.message}`,
      { ...err.details, vppCode: err.code },
      { cause: err },
    );
  }
  return toPktbridgeError(err);
}

/** True when VPP said the object is already gone (so an undo or detach can carry on). */
export function isGone(err: unknown): boolean {
  // -2 INVALID_SW_IF_INDEX, -6 NO_SUCH_ENTRY
  return (
    err instanceof VppApiError &&
    err.code === 'RETVAL' &&
    (err.details?.retval === -2 || err.details?.retval === -6)
  );
}
