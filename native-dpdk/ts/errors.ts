// EngineError: every failure of the native engine, with a machine-readable code and the errno
// (DPDK's rte_errno or a system errno) when there is one.
export type EngineErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_INITIALIZED'
  | 'ALREADY_INITIALIZED'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'EAL_INIT_FAILED'
  | 'PROBE_FAILED'
  | 'PORT_SETUP_FAILED'
  | 'SOCKET_FAILED'
  | 'NO_MEMORY'
  | 'STATS_FAILED'
  | 'ADDON_NOT_BUILT'
  | 'INTERNAL';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode | string,
    message: string,
    readonly errno?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}

/** Converts an error thrown by the addon (an Error with `code`/`errno` properties) to an EngineError. */
export function fromNative(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  if (err instanceof Error) {
    const { code, errno } = err as Error & { code?: unknown; errno?: unknown };
    return new EngineError(
      typeof code === 'string' ? code : 'INTERNAL',
      err.message,
      typeof errno === 'number' ? errno : undefined,
      { cause: err },
    );
  }
  return new EngineError('INTERNAL', String(err));
}
