// One error type for the whole daemon: a machine-readable code, a precise message, optional details.
// CNI codes and gRPC status codes are derived from `code` at the edges (cni/, api/).

export type ErrorCode =
  | 'INVALID_ARGUMENT' // bad input: names the field
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION' // e.g. VF on a kernel driver, OVS not initialised
  | 'UNAVAILABLE' // a peer (daemon, VPP, ovsdb) cannot be reached: try again later
  | 'INCOMPATIBLE' // e.g. VPP message CRC mismatch
  | 'TIMEOUT'
  | 'INTERNAL';

export class PktbridgeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PktbridgeError';
  }
}

export function invalidArgument(field: string, message: string): PktbridgeError {
  return new PktbridgeError('INVALID_ARGUMENT', `${field}: ${message}`, { field });
}

/** Wraps anything thrown into a PktbridgeError, keeping an existing code. */
export function toPktbridgeError(err: unknown): PktbridgeError {
  if (err instanceof PktbridgeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PktbridgeError('INTERNAL', message, undefined, { cause: err });
}
