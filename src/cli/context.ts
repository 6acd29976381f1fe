// What every client command shares: the API socket from flags or PKTBRIDGE_API_SOCKET, a client,
// and one mapping from failures to messages and exit codes scripts can rely on.
import { existsSync } from 'node:fs';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { InvalidArgumentError, type Command } from 'commander';
import { createApiClient, isServiceError, type ApiClient } from '../api/client.js';
import { defaultConfig } from '../config.js';
import { PktbridgeError } from '../errors.js';

/** Exit codes of the CLI (documented in docs/daemon.md). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  DAEMON_UNAVAILABLE: 3,
  NOT_FOUND: 4,
  ALREADY_EXISTS: 5,
  FAILED_PRECONDITION: 6,
  TIMEOUT: 7,
} as const;

const exitOfStatus: Partial<Record<number, number>> = {
  [GrpcStatus.INVALID_ARGUMENT]: EXIT.USAGE,
  [GrpcStatus.UNAVAILABLE]: EXIT.DAEMON_UNAVAILABLE,
  [GrpcStatus.NOT_FOUND]: EXIT.NOT_FOUND,
  [GrpcStatus.ALREADY_EXISTS]: EXIT.ALREADY_EXISTS,
  [GrpcStatus.FAILED_PRECONDITION]: EXIT.FAILED_PRECONDITION,
  [GrpcStatus.DEADLINE_EXCEEDED]: EXIT.TIMEOUT,
};

const exitOfCode: Partial<Record<PktbridgeError['code'], number>> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  UNAVAILABLE: EXIT.DAEMON_UNAVAILABLE,
  NOT_FOUND: EXIT.NOT_FOUND,
  ALREADY_EXISTS: EXIT.ALREADY_EXISTS,
  FAILED_PRECONDITION: EXIT.FAILED_PRECONDITION,
  TIMEOUT: EXIT.TIMEOUT,
};

/** The API socket: --api-socket, else PKTBRIDGE_API_SOCKET, else the daemon's default. */
export function apiSocketOf(command: Command): string {
  const flag = command.optsWithGlobals<{ apiSocket?: string }>().apiSocket;
  return flag ?? process.env.PKTBRIDGE_API_SOCKET ?? defaultConfig().apiSocket;
}

function notRunning(socket: string): never {
  process.stderr.write(
    `pktbridge: the daemon is not running (nothing listens on ${socket}).\n` +
      `Start it with "pktbridge daemon", or point --api-socket / PKTBRIDGE_API_SOCKET at its socket.\n`,
  );
  process.exit(EXIT.DAEMON_UNAVAILABLE);
}

/** Runs `action` with a client; prints failures as one line on stderr and exits with their code. */
export async function withClient(
  command: Command,
  action: (client: ApiClient) => Promise<void>,
): Promise<void> {
  const socket = apiSocketOf(command);
  if (!existsSync(socket)) notRunning(socket);
  const client = createApiClient(socket);
  try {
    await action(client);
  } catch (err) {
    if (isServiceError(err)) {
      if (err.code === GrpcStatus.UNAVAILABLE) notRunning(socket);
      process.stderr.write(`pktbridge: ${GrpcStatus[err.code] ?? err.code}: ${err.details}\n`);
      process.exit(exitOfStatus[err.code] ?? EXIT.FAILURE);
    }
    if (err instanceof PktbridgeError) {
      process.stderr.write(`pktbridge: ${err.code}: ${err.message}\n`);
      process.exit(exitOfCode[err.code] ?? EXIT.FAILURE);
    }
    throw err;
  } finally {
    client.close();
  }
}

/** A commander argument parser for non-negative integers (a bad value is a usage error, exit 2). */
export function parseUint(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a non-negative integer`);
  return Number(value);
}
