// CNI spec versions: which we speak, which one a call is answered in, and what each allows.
import { CniCode, CniError, invalidConfig } from './errors.js';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version printed in errors when the config's own version cannot be used. */
export const FALLBACK_VERSION: CniVersion = '1.0.0';

function parts(version: string): number[] {
  return version.split('.').map((n) => Number(n));
}

export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function isSupported(version: string): version is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

export function atLeast(version: CniVersion, minimum: CniVersion): boolean {
  return compareVersions(version, minimum) >= 0;
}

/**
 * The version to answer in: `cniVersion` when given (never upgraded), else the highest version
 * listed in `cniVersions` that we also speak.
 */
export function chooseVersion(cniVersion: string | undefined, cniVersions: string[] | undefined): CniVersion {
  if (cniVersion !== undefined && cniVersion !== '') {
    if (!isSupported(cniVersion)) {
      throw new CniError(
        CniCode.INCOMPATIBLE_VERSION,
        `incompatible CNI version: cniVersion "${cniVersion}" is not one of ${SUPPORTED_VERSIONS.join(', ')}`,
        'cniVersion',
      );
    }
    return cniVersion;
  }
  if (cniVersions === undefined) throw invalidConfig('cniVersion', 'missing');
  const common = cniVersions.filter(isSupported).sort(compareVersions);
  const highest = common[common.length - 1];
  if (highest === undefined) {
    throw new CniError(
      CniCode.INCOMPATIBLE_VERSION,
      `incompatible CNI version: none of cniVersions [${cniVersions.join(', ')}] is supported`,
      'cniVersions',
    );
  }
  return highest;
}

/** The oldest version that defines each command (CHECK came in 0.4.0, GC and STATUS in 1.1.0). */
export const MINIMUM_VERSION = {
  ADD: '0.3.0',
  DEL: '0.3.0',
  CHECK: '0.4.0',
  GC: '1.1.0',
  STATUS: '1.1.0',
} as const;

export function requireVersionFor(command: keyof typeof MINIMUM_VERSION, version: CniVersion): void {
  const minimum = MINIMUM_VERSION[command];
  if (!atLeast(version, minimum)) {
    throw new CniError(
      CniCode.INCOMPATIBLE_VERSION,
      `config version ${version} does not allow ${command} (needs ${minimum} or later)`,
      'cniVersion',
    );
  }
}

/** The VERSION command's answer. */
export function versionInfo(asked: string | undefined): Record<string, unknown> {
  return {
    cniVersion:
      asked !== undefined && isSupported(asked) ? asked : SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1],
    supportedVersions: [...SUPPORTED_VERSIONS],
  };
}
