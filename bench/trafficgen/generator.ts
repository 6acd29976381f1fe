// The TypeScript side of the C traffic generator: builds it, starts it with the ports of a path under
// test (memif client, virtio-user, af_packet), runs trials over its stdin and validates each JSON
// result line with zod.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { PktbridgeError } from '../../src/errors.js';
import type { FrameSize } from '../options.js';
import { removeDpdkFiles } from '../../test/helpers/dpdk-files.js';
import { startBenchProcess, type BenchProcess } from '../proc.js';

const here = dirname(fileURLToPath(import.meta.url));
export const TRAFFICGEN_BINARY = join(here, 'build', 'trafficgen');

/** How the generator reaches one side of the path under test. */
export type GeneratorPort =
  | { kind: 'memif'; socketPath: string; id?: number }
  | { kind: 'virtio-user'; socketPath: string }
  | { kind: 'af_packet'; iface: string };

/** The generator's side of a DUT that serves memif or vhost-user sockets: one client port each. */
export function socketClientPorts(portType: 'memif' | 'vhost-user', sockets: string[]): GeneratorPort[] {
  return sockets.map((socketPath) =>
    portType === 'memif' ? { kind: 'memif', socketPath } : { kind: 'virtio-user', socketPath },
  );
}

const latencySchema = z.object({
  samples: z.number(),
  min: z.number(),
  avg: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});
export const generatorTrialSchema = z.object({
  type: z.literal('trial'),
  id: z.number().int(),
  frameSize: z.union([z.number().int(), z.literal('imix')]),
  ratePps: z.number(),
  durationS: z.number(),
  elapsedS: z.number(),
  txIntended: z.number().int(),
  txSent: z.number().int(),
  txFailed: z.number().int(),
  txLate: z.number().int(),
  rxPackets: z.number().int(),
  rxBytes: z.number().int(),
  lost: z.number().int(),
  reordered: z.number().int(),
  rxForeign: z.number().int(),
  txPerPort: z.array(z.number().int()),
  rxPerPort: z.array(z.number().int()),
  latencyNs: latencySchema,
});
export type GeneratorTrial = z.infer<typeof generatorTrialSchema>;
const lineSchema = z.discriminatedUnion('type', [
  generatorTrialSchema,
  z.object({ type: z.literal('ready'), ports: z.number(), tscHz: z.number() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);

export async function buildTrafficgen(): Promise<string> {
  try {
    await promisify(execFile)('bash', [join(here, 'build.sh')], { timeout: 120_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new PktbridgeError(
      'FAILED_PRECONDITION',
      `could not build the traffic generator: ${stderr.trim()}`,
    );
  }
  return TRAFFICGEN_BINARY;
}

function vdevArg(port: GeneratorPort, index: number): string {
  switch (port.kind) {
    case 'memif':
      return `net_memif${index},role=client,id=${port.id ?? 0},socket-abstract=no,socket=${port.socketPath}`;
    case 'virtio-user':
      return `net_virtio_user${index},path=${port.socketPath},queues=1`;
    case 'af_packet':
      return `net_af_packet${index},iface=${port.iface},qpairs=1,qdisc_bypass=1`;
  }
}

export interface GeneratorOptions {
  ports: GeneratorPort[];
  cpu: number;
  filePrefix: string;
  /** Runs the generator inside this named network namespace (af_packet endpoints). */
  netns?: string;
  linkTimeoutMs?: number;
  maxLifetimeMs: number;
}

export interface TrialRequest {
  ratePps: number;
  durationS: number;
  frameSize: FrameSize;
  drainMs?: number;
}

export class TrafficGenerator {
  private nextId = 1;

  private constructor(
    private readonly proc: BenchProcess,
    private readonly filePrefix: string,
  ) {}

  /** Starts the generator and resolves once every port has link (the DUT side is connected). */
  static async start(options: GeneratorOptions): Promise<TrafficGenerator> {
    // virtio-user needs single-file segments (which rule out --huge-unlink), memif needs the
    // multi-process channel (which rules out --in-memory): files are removed after exit instead.
    const args = [
      '--no-pci',
      '--single-file-segments',
      `--file-prefix=${options.filePrefix}`,
      `--lcores=0@${options.cpu}`,
      '-m',
      '256',
      '--log-level=lib.eal:error',
      ...options.ports.flatMap((port, i) => ['--vdev', vdevArg(port, i)]),
      '--',
      '--link-timeout-ms',
      String(options.linkTimeoutMs ?? 15_000),
    ];
    const [command, argv] = options.netns
      ? ['ip', ['netns', 'exec', options.netns, TRAFFICGEN_BINARY, ...args]]
      : [TRAFFICGEN_BINARY, args];
    const proc = startBenchProcess('trafficgen', command, argv, { maxLifetimeMs: options.maxLifetimeMs });
    try {
      const line = await proc.nextLine((l) => l.startsWith('{'), (options.linkTimeoutMs ?? 15_000) + 15_000);
      const parsed = lineSchema.parse(JSON.parse(line));
      if (parsed.type !== 'ready')
        throw new PktbridgeError(
          'UNAVAILABLE',
          `trafficgen did not start: ${line}\n${proc.output().slice(-2000)}`,
        );
    } catch (err) {
      await proc.stop(2_000);
      removeDpdkFiles(options.filePrefix);
      throw err;
    }
    return new TrafficGenerator(proc, options.filePrefix);
  }

  async trial(request: TrialRequest): Promise<GeneratorTrial> {
    const id = this.nextId++ & 0xffff;
    const drainMs = request.drainMs ?? 50;
    const rate = Math.max(1, Math.round(request.ratePps));
    this.proc.write(
      `trial id=${id} rate=${rate} duration=${request.durationS} size=${request.frameSize} drain-ms=${drainMs}\n`,
    );
    const timeoutMs = request.durationS * 1_200 + drainMs + 10_000;
    const line = await this.proc.nextLine((l) => l.startsWith('{'), timeoutMs);
    const parsed = lineSchema.parse(JSON.parse(line));
    if (parsed.type !== 'trial' || parsed.id !== id)
      throw new PktbridgeError('INTERNAL', `trafficgen answered trial ${id} with: ${line}`);
    return parsed;
  }

  /** Asks the generator to close its ports and exit; kills it if it does not. */
  async stop(): Promise<void> {
    this.proc.write('quit\n');
    const timer = setTimeout(() => void this.proc.stop(2_000), 5_000);
    await this.proc.exited;
    clearTimeout(timer);
    await this.proc.stop(0);
    removeDpdkFiles(this.filePrefix);
  }
}
