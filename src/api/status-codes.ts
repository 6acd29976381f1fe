// PktbridgeError codes ↔ gRPC status codes, for the server (errors out) and the CLI (exit codes).
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorCode } from '../errors.js';

export const grpcStatusOf: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  INCOMPATIBLE: GrpcStatus.FAILED_PRECONDITION,
  TIMEOUT: GrpcStatus.DEADLINE_EXCEEDED,
  INTERNAL: GrpcStatus.INTERNAL,
};
