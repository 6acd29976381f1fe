// CNI_ARGS: "K=V;K=V" with the Kubernetes keys Multus and kubelet send; repeated keys are allowed
// (Multus duplicates K8S_*; the last value wins) and unknown keys need IgnoreUnknown=1|true.
import { invalidEnv } from './errors.js';

const KNOWN_KEYS = new Set([
  'IgnoreUnknown',
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_UID',
  'K8S_POD_INFRA_CONTAINER_ID',
  'K8S_POD_NETWORK',
]);

export interface CniArgs {
  podNamespace?: string;
  podName?: string;
  podUid?: string;
  infraContainerId?: string;
  /** Every pair as given, last value per key. */
  all: Record<string, string>;
}

function isTruthy(value: string): boolean {
  return value === '1' || value.toLowerCase() === 'true';
}

export function parseCniArgs(raw: string | undefined): CniArgs {
  const all: Record<string, string> = {};
  for (const pair of (raw ?? '').split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalidEnv('CNI_ARGS', `"${pair}" is not KEY=VALUE`);
    all[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const ignoreUnknown = all.IgnoreUnknown !== undefined && isTruthy(all.IgnoreUnknown);
  if (!ignoreUnknown) {
    const unknown = Object.keys(all).find((key) => !KNOWN_KEYS.has(key));
    if (unknown !== undefined) {
      throw invalidEnv('CNI_ARGS', `unknown key "${unknown}" (set IgnoreUnknown=1 to ignore it)`);
    }
  }
  return {
    podNamespace: all.K8S_POD_NAMESPACE,
    podName: all.K8S_POD_NAME,
    podUid: all.K8S_POD_UID,
    infraContainerId: all.K8S_POD_INFRA_CONTAINER_ID,
    all,
  };
}
