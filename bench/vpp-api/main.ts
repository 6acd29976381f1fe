// `tsx bench/vpp-api/main.ts [--out FILE] [--interfaces N] [--outstanding N]`: vpp-api throughput and
// codec cost as JSON (stdout, and FILE when given). Needs shared/vpp beside the repo or
// $PKTBRIDGE_SHARED_DIR for the captured frames it replays.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { benchCodec } from './codec-bench.js';
import { benchRequests } from './requests-bench.js';

const argsSchema = z.object({
  out: z.string().optional(),
  interfaces: z.coerce.number().int().min(1).max(100_000).default(100),
  outstanding: z.coerce.number().int().min(1).max(4096).default(64),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, interfaces: { type: 'string' }, outstanding: { type: 'string' } },
  });
  const args = argsSchema.parse(values);
  const sharedDir =
    process.env.PKTBRIDGE_SHARED_DIR ??
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
  const result = {
    benchmark: 'vpp-api',
    at: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    method:
      'warm-up round, then the median of timed rounds (7 for the codec, 5 for requests); min/max rounds show the spread',
    requests: await benchRequests(args.interfaces, args.outstanding),
    codec: benchCodec(sharedDir),
  };
  const json = JSON.stringify(result, null, 2);
  if (args.out) writeFileSync(args.out, `${json}\n`);
  console.log(json);
}

await main();
