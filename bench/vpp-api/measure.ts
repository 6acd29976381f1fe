// A small measuring loop: warm-up, then several timed rounds; reports the median and spread per op.
export interface Measurement {
  nsPerOp: number;
  opsPerSec: number;
  /** Fastest and slowest round, ns per op: how noisy the machine was. */
  minNs: number;
  maxNs: number;
  rounds: number;
  iterations: number;
}

// Written on every call so the JIT cannot drop the measured work.
export let sink: unknown;

/** Runs `fn` `iterations` times per round, after one warm-up round, and keeps the median round. */
export function measure(fn: () => unknown, iterations: number, rounds = 7): Measurement {
  for (let i = 0; i < iterations; i++) sink = fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    perOp.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  perOp.sort((a, b) => a - b);
  const median = perOp[Math.floor(rounds / 2)]!;
  return {
    nsPerOp: round(median),
    opsPerSec: Math.round(1e9 / median),
    minNs: round(perOp[0]!),
    maxNs: round(perOp.at(-1)!),
    rounds,
    iterations,
  };
}

/** Async variant: `fn` performs `batch` operations; rounds are timed whole. */
export async function measureAsync(fn: () => Promise<void>, batch: number, rounds = 5): Promise<Measurement> {
  await fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    await fn();
    perOp.push(Number(process.hrtime.bigint() - start) / batch);
  }
  perOp.sort((a, b) => a - b);
  const median = perOp[Math.floor(rounds / 2)]!;
  return {
    nsPerOp: round(median),
    opsPerSec: Math.round(1e9 / median),
    minNs: round(perOp[0]!),
    maxNs: round(perOp.at(-1)!),
    rounds,
    iterations: batch,
  };
}

const round = (n: number): number => Math.round(n * 10) / 10;
