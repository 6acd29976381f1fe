// The generated bindings are up to date with the bundled definitions, and --check catches staleness.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledDefinitions } from '../../../vpp-api/definitions.js';
import { emitAll, pascal } from '../../../vpp-api/generator/emit.js';
import * as generated from '../../../vpp-api/generated/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const generator = path.join(repoRoot, 'vpp-api/generator/main.ts');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

describe('vpp-api generator', () => {
  it('checked-in generated code equals a fresh generation', () => {
    for (const [name, text] of emitAll(bundledDefinitions())) {
      expect(readFileSync(path.join(repoRoot, 'vpp-api/generated', name), 'utf8'), name).toBe(text);
    }
  });

  it('--check exits non-zero and names the file when the output is stale', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vpp-gen-'));
    try {
      execFileSync(tsx, [generator, '--out', dir], { cwd: repoRoot });
      expect(spawnSync(tsx, [generator, '--check', '--out', dir], { cwd: repoRoot }).status).toBe(0);
      appendFileSync(path.join(dir, 'memif.ts'), '// edited by hand\n');
      const stale = spawnSync(tsx, [generator, '--check', '--out', dir], { cwd: repoRoot, encoding: 'utf8' });
      expect(stale.status).toBe(1);
      expect(stale.stderr).toMatch(/stale: memif\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports typed calls and CRCs per module', () => {
    expect(generated.memif.crcs.memif_create_v2).toBe('0x8c7de5f7');
    expect(typeof generated.memif.memifCreateV2).toBe('function');
    expect(typeof generated.interfaceApi.onSwInterfaceEvent).toBe('function');
    expect(generated.types.MemifRole.MEMIF_ROLE_API_SLAVE).toBe(1);
    expect(pascal('sw_interface_set_l2_bridge')).toBe('SwInterfaceSetL2Bridge');
  });
});
