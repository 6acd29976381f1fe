// Lints the host-preparation scripts with shellcheck (Debian package `shellcheck`) when it is installed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCRIPTS_DIR } from './fake-host.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!hasShellcheck)
  console.log('skipped shellcheck lint: shellcheck is not installed (apt-get install shellcheck)');

const scripts = [
  ...readdirSync(SCRIPTS_DIR).filter((name) => name.endsWith('.sh')),
  ...readdirSync(join(SCRIPTS_DIR, 'lib')).map((name) => join('lib', name)),
];

describe.skipIf(!hasShellcheck)('hugepage-scripts lint', () => {
  it.each(scripts)('%s is shellcheck-clean', (script) => {
    const result = spawnSync('shellcheck', ['-x', '--severity=style', script], {
      cwd: SCRIPTS_DIR,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
