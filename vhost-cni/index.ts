// Node fallback of the vhost-cni shim (shim.c): forwards CNI_* env + stdin to the daemon's unix socket
// with the same framed protocol v1 and prints the reply. Imports nothing from src/ by design.
import { connect } from 'node:net';

const DEFAULT_SOCKET = '/run/pktbridge/cni.sock';
const SUPPORTED = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const MAGIC = Buffer.from('PBC1');
const MAX_STDIN = 4 << 20;
const MAX_REPLY = 4 << 20;
const CONNECT_TIMEOUT_MS = 3_000;
/** An ADD delegates to IPAM and creates ports: generous, but bounded (VHOST_CNI_TIMEOUT_MS overrides). */
function callTimeoutMs(): number {
  const override = Number(process.env.VHOST_CNI_TIMEOUT_MS);
  return override >= 100 && override <= 600_000 ? override : 90_000;
}
const STDIN_TIMEOUT_MS = 10_000;

interface Reply {
  exitCode: number;
  stdout: Buffer;
}

class ShimFailure extends Error {
  constructor(
    readonly cniCode: number,
    message: string,
    readonly details: string,
  ) {
    super(message);
  }
}

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(
      () => reject(new ShimFailure(5, 'I/O failure', 'timed out reading stdin')),
      STDIN_TIMEOUT_MS,
    );
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_STDIN) reject(new ShimFailure(5, 'I/O failure', 'stdin is larger than 4 MiB'));
      chunks.push(chunk);
    });
    process.stdin.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    process.stdin.on('error', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The two top-level string keys the shim needs; anything unparsable yields the defaults. */
function scanNetconf(stdin: Buffer): { cniVersion?: string; daemonSocket?: string } {
  try {
    const parsed: unknown = JSON.parse(stdin.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { cniVersion, daemonSocket } = parsed as Record<string, unknown>;
    return {
      cniVersion: typeof cniVersion === 'string' ? cniVersion : undefined,
      daemonSocket: typeof daemonSocket === 'string' ? daemonSocket : undefined,
    };
  } catch {
    return {};
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function encodeRequest(env: NodeJS.ProcessEnv, stdin: Buffer): Buffer {
  const entries = Object.entries(env)
    .filter(([key, value]) => key.startsWith('CNI_') && value !== undefined)
    .map(([key, value]) => Buffer.from(`${key}=${value}`));
  return Buffer.concat([
    MAGIC,
    u32(entries.length),
    ...entries.flatMap((entry) => [u32(entry.length), entry]),
    u32(stdin.length),
    stdin,
  ]);
}

function call(socketPath: string, request: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    const unreachable = (what: string) => (err?: Error) =>
      reject(new ShimFailure(-1, what, `${what} ${socketPath}${err ? `: ${err.message}` : ''}`));
    const connectTimer = setTimeout(
      () => {
        socket.destroy();
        unreachable('cannot connect to')(new Error('timed out'));
      },
      Math.min(CONNECT_TIMEOUT_MS, callTimeoutMs()),
    );
    const callTimer = setTimeout(() => {
      socket.destroy();
      unreachable('no reply from')(new Error('timed out'));
    }, callTimeoutMs());
    const done = (): void => {
      clearTimeout(connectTimer);
      clearTimeout(callTimer);
    };
    socket.on('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      socket.end(request);
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY + 12) socket.destroy(new Error('reply larger than 4 MiB'));
      chunks.push(chunk);
    });
    socket.on('error', (err) => {
      done();
      unreachable(connected ? 'no reply from' : 'cannot connect to')(err);
    });
    socket.on('close', () => {
      done();
      const reply = Buffer.concat(chunks);
      if (reply.length < 12 || !reply.subarray(0, 4).equals(MAGIC)) {
        return unreachable('no reply from')(new Error('connection closed'));
      }
      const length = reply.readUInt32BE(8);
      if (reply.length < 12 + length) return unreachable('truncated reply from')();
      resolve({ exitCode: reply.readUInt32BE(4), stdout: reply.subarray(12, 12 + length) });
    });
  });
}

async function main(): Promise<number> {
  const command = process.env.CNI_COMMAND;
  let cniVersion = '1.0.0';
  const printError = (code: number, msg: string, details: string): number => {
    process.stdout.write(`${JSON.stringify({ cniVersion, code, msg, details })}\n`);
    return 1;
  };
  let stdin: Buffer;
  try {
    stdin = await readStdin();
  } catch (err) {
    const failure = err as ShimFailure;
    return printError(failure.cniCode, failure.message, failure.details);
  }
  const netconf = scanNetconf(stdin);
  if (netconf.cniVersion && SUPPORTED.includes(netconf.cniVersion)) cniVersion = netconf.cniVersion;
  if (!command) return printError(4, 'invalid environment', 'CNI_COMMAND is not set');
  if (command === 'VERSION') {
    process.stdout.write(`${JSON.stringify({ cniVersion, supportedVersions: SUPPORTED })}\n`);
    return 0;
  }
  try {
    const reply = await call(netconf.daemonSocket ?? DEFAULT_SOCKET, encodeRequest(process.env, stdin));
    process.stdout.write(reply.stdout);
    return reply.exitCode > 255 ? 1 : reply.exitCode;
  } catch (err) {
    const details = err instanceof ShimFailure ? err.details : String(err);
    return command === 'STATUS'
      ? printError(50, 'plugin not available: the pktbridge daemon is not reachable', details)
      : printError(11, 'try again later: the pktbridge daemon is not reachable', details);
  }
}

process.exitCode = await main();
