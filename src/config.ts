// The daemon's configuration: a zod schema, embedded defaults that work on one machine with no setup,
// and the merge of file < environment (PKTBRIDGE_*) < command-line flags.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_BRIDGE, DEFAULT_OVSDB } from './backends/ovs/config.js';
import { resourceSchema } from './deviceplugin/slots.js';
import { PktbridgeError } from './errors.js';

const backendNames = ['native', 'vpp', 'ovs-dpdk', 'sriov-dpdk'] as const;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const configSchema = z.strictObject({
  apiSocket: z.string().min(1),
  cniSocket: z.string().min(1),
  socketRoot: z.string().min(1),
  stateDir: z.string().min(1),
  /** Mode and owner of each per-attachment socket directory. */
  socketDirMode: z.int().min(0).max(0o777),
  socketUid: z.int().min(0).optional(),
  socketGid: z.int().min(0).optional(),
  /** Worker CPUs of the native engine: one busy-polling lcore each. */
  lcores: z.array(z.int().min(0).max(1023)).min(1),
  /** 'auto' = --no-huge (with a warning) when no hugepages are free. */
  noHuge: z.union([z.boolean(), z.literal('auto')]),
  memoryMb: z.int().min(64).max(65536),
  /** mbufs in the engine's shared pool: every port's rings must fit in it (the engine's default 16383). */
  poolMbufs: z.int().min(1023).max(1_048_575).optional(),
  /** Ports the engine can hold: RTE_MAX_ETHPORTS of the DPDK build (Debian's 22.11 is built with 32). */
  maxPorts: z.int().min(1).max(1024),
  filePrefix: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and - only (at most 32)'),
  logLevel: z.enum(logLevels),
  /** A loopback `host:port`, `unix:/path`, or `off`: metrics are never exposed off the node. */
  metrics: z
    .string()
    .regex(
      /^(off|unix:\/.+|(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5})$/,
      'off, unix:/absolute/path or a loopback host:port',
    ),
  /** Backends to start; the native engine is only initialised when `native` is listed. */
  backends: z.array(z.enum(backendNames)).min(1),
  vpp: z.strictObject({ apiSocket: z.string().min(1) }),
  ovs: z.strictObject({ db: z.string().min(1), bridge: z.string().min(1) }),
  sriov: z.strictObject({ sysfsRoot: z.string().min(1) }),
  deviceplugin: z.strictObject({
    enabled: z.boolean(),
    kubeletDir: z.string().min(1),
    /** Socket-slot resources advertised to kubelet, e.g. `{ name: 'pktbridge.io/memif', slots: 32 }`. */
    resources: z.array(resourceSchema),
  }),
  /** Tests only: named points where the daemon stops and waits (to be killed there). */
  testPausePoints: z.array(z.string().min(1)),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export interface LoadedConfig {
  config: Config;
  /** Things the operator should know (e.g. falling back to --no-huge). */
  warnings: string[];
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Defaults: system paths as root, a local `.run/` folder otherwise. */
export function defaultConfig(root = isRoot(), cwd = process.cwd()): Config {
  const run = root ? '/run/pktbridge' : resolve(cwd, '.run');
  return {
    apiSocket: `${run}/api.sock`,
    cniSocket: `${run}/cni.sock`,
    socketRoot: `${run}/sockets`,
    stateDir: root ? '/var/lib/pktbridge' : `${run}/state`,
    socketDirMode: 0o750,
    lcores: [1],
    noHuge: 'auto',
    // The engine reserves 2048 mbufs of the shared pool per port: room for maxPorts ports plus one
    // port's worth in flight, so the default daemon holds as many attachments as the DPDK build
    // allows (32 in Debian's).
    memoryMb: 512,
    poolMbufs: 33 * 2048 - 1,
    maxPorts: 32,
    filePrefix: 'pktbridge',
    logLevel: 'info',
    metrics: root ? '127.0.0.1:9464' : `unix:${run}/metrics.sock`,
    backends: ['native'],
    vpp: { apiSocket: '/run/vpp/api.sock' },
    ovs: { db: DEFAULT_OVSDB, bridge: DEFAULT_BRIDGE },
    sriov: { sysfsRoot: '/sys' },
    deviceplugin: { enabled: false, kubeletDir: '/var/lib/kubelet/device-plugins', resources: [] },
    testPausePoints: [],
  };
}

/** Parses a CPU list such as `1`, `1,3` or `2-3`. */
export function parseCpuList(spec: string): number[] {
  const cpus: number[] = [];
  for (const part of spec.split(',')) {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match)
      throw new PktbridgeError(
        'INVALID_ARGUMENT',
        `lcores: "${spec}" is not a CPU list like 1 or 1,3 or 2-3`,
        { field: 'lcores' },
      );
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first)
      throw new PktbridgeError('INVALID_ARGUMENT', `lcores: range ${part} is reversed`, { field: 'lcores' });
    for (let cpu = first; cpu <= last; cpu++) if (!cpus.includes(cpu)) cpus.push(cpu);
  }
  return cpus;
}

function parseBoolean(name: string, value: string): boolean | 'auto' {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  if (value === 'auto') return 'auto';
  throw new PktbridgeError('INVALID_ARGUMENT', `${name}: "${value}" is not true, false or auto`, {
    field: name,
  });
}

/** Reads `PKTBRIDGE_*` variables into a partial config. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ConfigInput> {
  const out: Record<string, unknown> = {};
  const str: [string, keyof ConfigInput][] = [
    ['PKTBRIDGE_API_SOCKET', 'apiSocket'],
    ['PKTBRIDGE_CNI_SOCKET', 'cniSocket'],
    ['PKTBRIDGE_SOCKET_ROOT', 'socketRoot'],
    ['PKTBRIDGE_STATE_DIR', 'stateDir'],
    ['PKTBRIDGE_FILE_PREFIX', 'filePrefix'],
    ['PKTBRIDGE_LOG_LEVEL', 'logLevel'],
    ['PKTBRIDGE_METRICS', 'metrics'],
  ];
  for (const [variable, key] of str) if (env[variable]) out[key] = env[variable];
  if (env.PKTBRIDGE_LCORES) out.lcores = parseCpuList(env.PKTBRIDGE_LCORES);
  if (env.PKTBRIDGE_NO_HUGE) out.noHuge = parseBoolean('PKTBRIDGE_NO_HUGE', env.PKTBRIDGE_NO_HUGE);
  if (env.PKTBRIDGE_BACKENDS) out.backends = env.PKTBRIDGE_BACKENDS.split(',').map((b) => b.trim());
  return out as Partial<ConfigInput>;
}

function readConfigFile(path: string): Partial<ConfigInput> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PktbridgeError('INVALID_ARGUMENT', `config: cannot read ${path}: ${(err as Error).message}`, {
      field: 'config',
    });
  }
  try {
    return JSON.parse(text) as Partial<ConfigInput>;
  } catch (err) {
    throw new PktbridgeError(
      'INVALID_ARGUMENT',
      `config: ${path} is not valid JSON: ${(err as Error).message}`,
      {
        field: 'config',
      },
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Later layers win; nested sections (vpp, ovs, …) merge key by key. */
function mergeLayers(layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
    }
  }
  return out;
}

/** Free hugepages of every size, or undefined when the kernel exposes none. */
export function freeHugepages(sysfs = '/sys/kernel/mm/hugepages'): number | undefined {
  try {
    let free = 0;
    for (const size of readdirSync(sysfs)) {
      free += Number(readFileSync(`${sysfs}/${size}/free_hugepages`, 'utf8').trim()) || 0;
    }
    return free;
  } catch {
    return undefined;
  }
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<ConfigInput>;
  /** For tests: what the hugepage probe returns. */
  freeHugepages?: () => number | undefined;
  root?: boolean;
}

/** Builds the effective config; throws INVALID_ARGUMENT naming the first bad field. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PKTBRIDGE_CONFIG;
  const merged = mergeLayers([
    defaultConfig(options.root) as unknown as Record<string, unknown>,
    file ? readConfigFile(file) : {},
    configFromEnv(env),
    options.flags ?? {},
  ]);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'config';
    throw new PktbridgeError('INVALID_ARGUMENT', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const config = parsed.data;
  const warnings: string[] = [];
  for (const key of ['apiSocket', 'cniSocket', 'socketRoot', 'stateDir'] as const)
    config[key] = resolve(config[key]);
  if (config.noHuge === 'auto') {
    const free = (options.freeHugepages ?? freeHugepages)();
    config.noHuge = !free;
    if (!free)
      warnings.push('no free hugepages: the native engine runs with --no-huge (slower, for labs only)');
  }
  return { config, warnings };
}
