// Errors raised by the VPP API client: one class, a machine-readable code, the message and field at fault.

export type VppApiErrorCode =
  | 'DEFINITION' // a .api.json file is malformed or references an unknown type
  | 'ENCODE' // a value does not fit its field (names message + field)
  | 'DECODE' // a frame is truncated, a length field is too large, an enum value is unknown
  | 'UNKNOWN_MESSAGE' // not in the loaded definitions, or not in VPP's message table
  | 'CRC_MISMATCH' // VPP knows the message under another CRC
  | 'TIMEOUT' // no reply within the deadline (VPP drops bad requests silently)
  | 'CLOSED' // the socket closed or was never open
  | 'CONNECT' // handshake failed
  | 'RETVAL'; // VPP answered with a negative retval

export class VppApiError extends Error {
  constructor(
    readonly code: VppApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VppApiError';
  }
}
