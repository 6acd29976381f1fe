// The shell scripts embedded in deploy/ manifests (`sh -c` commands) are shellcheck-clean POSIX sh.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifests } from './manifests.js';

interface Container {
  name: string;
  command?: string[];
  args?: string[];
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!hasShellcheck)
  console.log('skipped embedded-script lint: shellcheck is not installed (apt-get install shellcheck)');

/** `[sh, -c, SCRIPT]` or `[sh, -c]` + `[SCRIPT]`: the script text, else undefined. */
function shellScript(container: Container): string | undefined {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  return /(^|\/)(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' ? argv[2] : undefined;
}

const scripts = loadManifests(repoRoot).flatMap((manifest) => {
  const spec = manifest.object.spec as { template?: { spec: PodSpec } } & Partial<PodSpec>;
  const pod = spec?.template?.spec ?? (spec?.containers ? (spec as PodSpec) : undefined);
  if (pod === undefined) return [];
  return [...(pod.initContainers ?? []), ...pod.containers].flatMap((container) => {
    const script = shellScript(container);
    return script === undefined ? [] : [[`${manifest.file} ${container.name}`, script] as const];
  });
});

describe.skipIf(!hasShellcheck)('scripts embedded in deploy/ manifests', () => {
  it('include the init container and both example VNFs', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(3);
  });

  it.each(scripts)('%s is shellcheck-clean sh', (_name, script) => {
    const result = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: script, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
