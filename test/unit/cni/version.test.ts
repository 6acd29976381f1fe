import { describe, expect, it } from 'vitest';
import { CniError } from '../../../src/cni/errors.js';
import { chooseVersion, compareVersions, requireVersionFor, versionInfo } from '../../../src/cni/version.js';

function codeOf(run: () => unknown): number {
  try {
    run();
  } catch (err) {
    if (err instanceof CniError) return err.code;
    throw err;
  }
  return 0;
}

describe('CNI versions', () => {
  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('answers %s in %s (never upgraded)', (version) => {
    expect(chooseVersion(version, ['1.1.0'])).toBe(version);
  });

  it('picks the highest common version of cniVersions', () => {
    expect(chooseVersion(undefined, ['0.4.0', '2.0.0', '1.0.0', '0.3.1'])).toBe('1.0.0');
  });

  it('rejects an unsupported cniVersion with code 1', () => {
    expect(codeOf(() => chooseVersion('0.2.0', undefined))).toBe(1);
    expect(codeOf(() => chooseVersion('9.9.9', undefined))).toBe(1);
  });

  it('rejects cniVersions with nothing in common with code 1', () => {
    expect(codeOf(() => chooseVersion(undefined, ['0.1.0', '2.0.0']))).toBe(1);
  });

  it('rejects a config with no version at all with code 7', () => {
    expect(codeOf(() => chooseVersion(undefined, undefined))).toBe(7);
    expect(codeOf(() => chooseVersion('', undefined))).toBe(7);
  });

  it('compares numerically, not as text', () => {
    expect(compareVersions('0.10.0', '0.9.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });

  it.each([
    ['CHECK', '0.3.1', 1],
    ['CHECK', '0.4.0', 0],
    ['GC', '1.0.0', 1],
    ['GC', '1.1.0', 0],
    ['STATUS', '1.0.0', 1],
    ['STATUS', '1.1.0', 0],
    ['ADD', '0.3.0', 0],
  ] as const)('%s with version %s gives code %i', (command, version, code) => {
    expect(codeOf(() => requireVersionFor(command, version))).toBe(code);
  });

  it('VERSION lists every supported version and echoes a supported asked version', () => {
    expect(versionInfo('0.4.0')).toEqual({
      cniVersion: '0.4.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    expect(versionInfo('5.0.0').cniVersion).toBe('1.1.0');
  });
});
