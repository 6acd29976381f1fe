// The data a bench run produces — every trial, the figures of each search, the per-path summaries and
// ratios — as zod schemas, so the JSON file can be validated and re-rendered later.
import { z } from 'zod';
import { frameSizeSchema, pathNameSchema } from './options.js';

export const latencySummarySchema = z.object({
  samples: z.number(),
  minNs: z.number(),
  avgNs: z.number(),
  p50Ns: z.number(),
  p90Ns: z.number(),
  p99Ns: z.number(),
  maxNs: z.number(),
});

export const trialRecordSchema = z.object({
  path: pathNameSchema,
  round: z.number().int(),
  frameSize: frameSizeSchema,
  purpose: z.enum(['mrr', 'search', 'latency']),
  ratePps: z.number(),
  durationS: z.number(),
  elapsedS: z.number(),
  txIntended: z.number(),
  txSent: z.number(),
  txFailed: z.number(),
  rxPackets: z.number(),
  lost: z.number(),
  lossRatio: z.number(),
  rxRatePps: z.number(),
  reordered: z.number(),
  latency: latencySummarySchema,
  /** CPUs' worth of time other processes (and the hypervisor) took during the trial. */
  foreignCpu: z.number(),
  stealCpu: z.number(),
  /** Above the disturbance threshold: repeated, and not used by the search unless retries ran out. */
  disturbed: z.boolean(),
  startedAt: z.string(),
});
export type TrialRecord = z.infer<typeof trialRecordSchema>;

export const latencyAtLoadSchema = z.object({
  /** Fraction of the PDR the latency trial ran at. */
  load: z.number(),
  ratePps: z.number(),
  p50Ns: z.number(),
  p90Ns: z.number(),
  p99Ns: z.number(),
  lossRatio: z.number(),
});
export type LatencyAtLoad = z.infer<typeof latencyAtLoadSchema>;

/** One search's figures: one path, one frame size, one round. */
export const figureRecordSchema = z.object({
  path: pathNameSchema,
  frameSize: frameSizeSchema,
  round: z.number().int(),
  mrrPps: z.number(),
  ndrPps: z.number(),
  pdrPps: z.number(),
  ndrUpperPps: z.number(),
  pdrUpperPps: z.number(),
  ndrBelowMinimum: z.boolean(),
  pdrBelowMinimum: z.boolean(),
  searchTrials: z.number().int(),
  latency: z.array(latencyAtLoadSchema),
});
export type FigureRecord = z.infer<typeof figureRecordSchema>;

export const spreadSchema = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** (max - min) / median, 0 with one round. */
  relSpread: z.number(),
  n: z.number().int(),
});
export type Spread = z.infer<typeof spreadSchema>;

export const summaryRowSchema = z.object({
  path: pathNameSchema,
  frameSize: frameSizeSchema,
  ndr: spreadSchema,
  pdr: spreadSchema,
  mrr: spreadSchema,
  /** Median over rounds of each latency percentile, per load. */
  latency: z.array(z.object({ load: z.number(), p50Ns: z.number(), p90Ns: z.number(), p99Ns: z.number() })),
});
export type SummaryRow = z.infer<typeof summaryRowSchema>;

export const ratioRowSchema = z.object({
  /** e.g. "pktbridge / testpmd (memif)". */
  label: z.string(),
  numerator: pathNameSchema,
  denominator: pathNameSchema,
  frameSize: frameSizeSchema,
  ndr: z.number().nullable(),
  pdr: z.number().nullable(),
  mrr: z.number().nullable(),
});
export type RatioRow = z.infer<typeof ratioRowSchema>;

export const pathStatusSchema = z.object({
  name: pathNameSchema,
  label: z.string(),
  dataplane: z.string(),
  portType: z.string(),
  status: z.enum(['measured', 'skipped', 'failed']),
  reason: z.string().optional(),
  /** Rounds that failed, with the error. */
  failures: z.array(z.object({ round: z.number().int(), message: z.string() })),
});
export type PathStatus = z.infer<typeof pathStatusSchema>;

export const benchResultSchema = z.object({
  meta: z.object({
    tool: z.literal('pktbridge-bench'),
    version: z.literal(1),
    startedAt: z.string(),
    finishedAt: z.string(),
    /** Time spent waiting for the dataplane lock (part of finishedAt - startedAt). */
    lockWaitS: z.number(),
    host: z.string(),
    kernel: z.string(),
    cpus: z.number(),
    cpuModel: z.string(),
    dpdkVersion: z.string(),
    options: z.record(z.string(), z.unknown()),
  }),
  paths: z.array(pathStatusSchema),
  trials: z.array(trialRecordSchema),
  figures: z.array(figureRecordSchema),
  summary: z.array(summaryRowSchema),
  ratios: z.array(ratioRowSchema),
});
export type BenchResult = z.infer<typeof benchResultSchema>;
