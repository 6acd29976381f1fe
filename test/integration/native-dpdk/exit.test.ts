// A process that exits while workers forward, without Engine.shutdown(), exits cleanly (no abort
// from joinable threads, no segfault from workers polling torn-down state).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/process.js';
import { uniquePrefix } from '../../helpers/testpmd.js';
import { nativeSkipReason, removeDpdkFiles } from './fixture.js';

const skip = nativeSkipReason();
if (skip) console.warn(`skipping exit test: ${skip}`);

describe.skipIf(skip)('process exit without shutdown', () => {
  it('exits with the code the process asked for while traffic flows', async () => {
    const prefix = uniquePrefix('ex');
    const child = fileURLToPath(new URL('./exit-child.ts', import.meta.url));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const result = await run(process.execPath, ['--import', 'tsx', child, prefix], { timeoutMs: 30_000 });
        expect(result.stdout).toMatch(/forwarded [1-9]\d*/);
        expect(result.code).toBe(0);
      }
    } finally {
      removeDpdkFiles(prefix);
    }
  });
});
