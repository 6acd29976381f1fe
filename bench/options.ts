// The bench run's options: a zod schema (shared by `tsx bench/main.ts` and `pktbridge bench`), the
// full and --quick presets, and parsing of the comma-separated CLI lists.
import { z } from 'zod';

export const FRAME_SIZES = [64, 128, 256, 512, 1024, 1280, 1518] as const;
export const frameSizeSchema = z.union([z.number().int().min(64).max(1518), z.literal('imix')]);
export type FrameSize = z.infer<typeof frameSizeSchema>;

export const PATH_NAMES = [
  'native-memif',
  'native-vhost',
  'native-bridge-memif',
  'testpmd-memif',
  'testpmd-vhost',
  'ovs-vhost',
  'vpp-memif',
  'kernel-veth',
] as const;
export const pathNameSchema = z.enum(PATH_NAMES);
export type PathName = z.infer<typeof pathNameSchema>;

export const benchOptionsSchema = z
  .object({
    paths: z
      .array(pathNameSchema)
      .min(1)
      .default([...PATH_NAMES]),
    sizes: z
      .array(frameSizeSchema)
      .min(1)
      .default([...FRAME_SIZES, 'imix']),
    /** Final trial duration (seconds); shorter search trials scale down from it. */
    durationS: z.number().positive().max(600).default(10),
    /** Duration of the first search phase's trials. */
    initialDurationS: z.number().positive().max(600).optional(),
    /** Search phases between the first and the final one (MLRsearch's intermediate phases). */
    intermediatePhases: z.number().int().min(0).max(6).default(1),
    /** Final relative width of the NDR/PDR interval: (upper - lower) / upper. */
    precision: z.number().positive().max(0.5).default(0.01),
    pdrLossRatio: z.number().min(0).max(0.5).default(0.005),
    rounds: z.number().int().min(1).max(50).default(3),
    /** Latency trials run at these fractions of the PDR. */
    latencyLoads: z.array(z.number().positive().max(1)).default([0.1, 0.5, 0.9]),
    latencyDurationS: z.number().positive().max(600).optional(),
    /** Highest offered load for DPDK paths, and for the kernel path (aggregate pps). */
    maxRatePps: z.number().positive().default(30e6),
    kernelMaxRatePps: z.number().positive().default(3e6),
    /** The offered load is also capped at this Ethernet line rate for the frame size (20 B preamble + gap). */
    lineRateGbps: z.number().positive().default(100),
    minRatePps: z.number().positive().default(10_000),
    outDir: z.string().min(1).default('bench/out'),
    /** A VPP API socket enables the VPP path (PKTBRIDGE_VPP_SOCKET by default). */
    vppSocket: z.string().optional(),
    /** CPU of the generator's busy lcore and of the DUT's busy lcore. */
    generatorCpu: z.number().int().min(0).default(0),
    dutCpu: z.number().int().min(0).default(1),
    /** A trial during which other processes used more than this many CPUs is repeated... */
    maxForeignCpu: z.number().min(0).default(0.1),
    /** ...at most this many times. */
    disturbedRetries: z.number().int().min(0).max(10).default(2),
    lockTimeoutS: z.number().positive().default(600),
    quick: z.boolean().default(false),
    /** Print the progress table (off in tests that only want the files). */
    progress: z.boolean().default(true),
  })
  .refine((o) => o.generatorCpu !== o.dutCpu, {
    message: 'generatorCpu and dutCpu must differ',
    path: ['dutCpu'],
  });

export type BenchOptionsInput = z.input<typeof benchOptionsSchema>;
export type BenchOptions = z.output<typeof benchOptionsSchema> & {
  initialDurationS: number;
  latencyDurationS: number;
};

/** CI smoke preset: two frame sizes, one round, short trials, coarse precision — well under a minute. */
export const QUICK_PRESET = {
  paths: ['native-memif', 'testpmd-memif'] as PathName[],
  sizes: [64, 1518] as FrameSize[],
  durationS: 0.5,
  initialDurationS: 0.1,
  intermediatePhases: 0,
  precision: 0.05,
  rounds: 1,
  latencyDurationS: 0.2,
  // A smoke run checks the pipeline, not the numbers: disturbed trials are flagged, not repeated.
  disturbedRetries: 0,
} satisfies BenchOptionsInput;

/** Validates options; `quick` fills every field the caller did not set from QUICK_PRESET. */
export function resolveBenchOptions(input: BenchOptionsInput): BenchOptions {
  const merged = input.quick ? { ...QUICK_PRESET, ...stripUndefined(input) } : input;
  const parsed = benchOptionsSchema.parse(merged);
  return {
    ...parsed,
    initialDurationS: Math.min(
      parsed.initialDurationS ?? Math.max(0.1, parsed.durationS / 10),
      parsed.durationS,
    ),
    latencyDurationS: parsed.latencyDurationS ?? Math.min(parsed.durationS, 5),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function parseSizes(text: string): FrameSize[] {
  return text.split(',').map((item) => {
    const trimmed = item.trim().toLowerCase();
    return frameSizeSchema.parse(trimmed === 'imix' ? 'imix' : Number(trimmed));
  });
}

export function parsePaths(text: string): PathName[] {
  return text.split(',').map((item) => pathNameSchema.parse(item.trim()));
}
