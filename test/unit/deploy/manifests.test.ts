// deploy/ manifests: parsed, valid for their Kubernetes kinds, NAD configs valid for the daemon's netconf
// schema, and the DaemonSet, RBAC, config and example pods wired to each other as the docs say.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { netconfSchema } from '../../../src/cni/netconf.js';
import { loadConfig, type Config } from '../../../src/config.js';
import {
  kindOf,
  loadManifests,
  parseManifests,
  schemaProblems,
  type Manifest,
  type NetworkAttachmentDefinition,
} from './manifests.js';
import { hasTypedKind, strictFieldProblems } from './strict-fields.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const manifests = loadManifests(repoRoot);
const RESOURCE_NAME = 'k8s.v1.cni.cncf.io/resourceName';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';

// Minimal shapes of the objects the wiring checks read (the schemas above already validated them).
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  securityContext?: { privileged?: boolean };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { exec?: { command: string[] } };
  livenessProbe?: { exec?: { command: string[] } };
  startupProbe?: { exec?: { command: string[] } };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  initContainers?: Container[];
  containers: Container[];
  volumes?: {
    name: string;
    hostPath?: { path: string };
    configMap?: { name: string };
    downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] };
    emptyDir?: { medium?: string };
  }[];
}
interface Metadata {
  name: string;
  namespace?: string;
  annotations?: Record<string, string>;
}

const ofKind = (kind: string): Manifest[] => manifests.filter((m) => kindOf(m.object) === kind);
const single = (kind: string): Manifest => {
  const found = ofKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
};
const meta = (m: Manifest): Metadata => m.object.metadata as Metadata;
const nads = ofKind('k8s.cni.cncf.io/v1/NetworkAttachmentDefinition').map(
  (m) => m.object as unknown as NetworkAttachmentDefinition,
);
const daemonSet = single('apps/v1/DaemonSet');
const daemonPod = (daemonSet.object.spec as { template: { spec: PodSpec } }).template.spec;
const daemonContainer = daemonPod.containers[0] as Container;

function hostPathMounts(spec: PodSpec, container: Container): Map<string, string> {
  const hostPaths = new Map(spec.volumes?.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath?.path]));
  return new Map(
    (container.volumeMounts ?? [])
      .filter((mount) => hostPaths.has(mount.name))
      .map((mount) => [hostPaths.get(mount.name) as string, mount.mountPath]),
  );
}

function daemonConfig(): Config {
  const configMap = single('v1/ConfigMap');
  const dir = mkdtempSync(join(tmpdir(), 'pktbridge-deploy-config-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, (configMap.object.data as Record<string, string>)['config.json'] ?? '');
    return loadConfig({ file, env: {}, root: true, freeHugepages: () => 512 }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('every manifest under deploy/', () => {
  it('exists in every kind the deployment needs', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const kind of ['v1/Namespace', 'v1/ServiceAccount', 'v1/ConfigMap', 'apps/v1/DaemonSet', 'v1/Pod'])
      expect(ofKind(kind).length, kind).toBeGreaterThan(0);
  });

  it.each(manifests.map((m) => [`${m.file}#${m.index} ${kindOf(m.object)}`, m] as const))(
    '%s matches the schema of its kind',
    (_name, manifest) => {
      expect(schemaProblems(manifest.object)).toEqual([]);
    },
  );

  it('has no unknown fields anywhere (strict validation against the API types)', () => {
    const typed = manifests.filter((m) => hasTypedKind(kindOf(m.object)));
    expect(typed.length).toBe(manifests.length - nads.length);
    const inputs = typed.map((m) => ({
      label: `${m.file}#${m.index}`,
      kind: kindOf(m.object),
      object: m.object,
    }));
    expect(strictFieldProblems(inputs, fileURLToPath(import.meta.url))).toEqual([]);
  });

  it('the strict check names a misspelt field and the manifest it is in', () => {
    const typo = structuredClone(daemonSet.object) as { spec: { template: { spec: PodSpec } } };
    const mounts = (typo.spec.template.spec.containers[0] as Container).volumeMounts ?? [];
    Object.assign(mounts[0] as object, { mountpropagation: 'HostToContainer' });
    const problems = strictFieldProblems(
      [{ label: 'typo.yaml#0', kind: 'apps/v1/DaemonSet', object: typo }],
      fileURLToPath(import.meta.url),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^typo\.yaml#0: .*'"mountpropagation"' does not exist in type 'IVolumeMount'/,
    );
  });

  it('the validator rejects a wrong type, a missing required field and an unknown kind', () => {
    const broken = structuredClone(daemonSet.object) as { spec: { template: { spec: PodSpec } } };
    (broken.spec.template.spec.containers[0] as unknown as { ports: unknown }).ports = [
      { containerPort: 'http' },
    ];
    expect(schemaProblems(broken as unknown as Record<string, unknown>).join()).toMatch(
      /containerPort must be integer/,
    );

    const noSelector = structuredClone(daemonSet.object) as { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    expect(schemaProblems(noSelector as unknown as Record<string, unknown>).join()).toMatch(/selector/);

    expect(schemaProblems({ apiVersion: 'v1', kind: 'Podd' })).toEqual([
      'no schema for v1/Podd: add its model to test/unit/deploy/manifests.ts',
    ]);
  });

  it('the loader rejects duplicate keys', () => {
    expect(() => parseManifests('dup.yaml', 'kind: Pod\nkind: Service\n')).toThrow(/dup.yaml document 0/);
  });
});

describe('NetworkAttachmentDefinitions', () => {
  it.each(nads.map((nad) => [nad.metadata.name, nad] as const))(
    '%s has a config the daemon accepts, named like the NAD',
    (_name, nad) => {
      const config: unknown = JSON.parse(nad.spec.config);
      const parsed = netconfSchema.safeParse(config);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data?.name).toBe(nad.metadata.name);
      expect(parsed.data?.cniVersion).toMatch(/^(0\.3\.0|0\.3\.1|0\.4\.0|1\.0\.0|1\.1\.0)$/);
    },
  );

  it.each(nads.map((nad) => [nad.metadata.name, nad] as const))(
    '%s names a device-plugin resource, so Multus passes deviceID and device-info',
    (_name, nad) => {
      expect(nad.metadata.annotations?.[RESOURCE_NAME]).toMatch(/^[a-z0-9.-]+\/[a-z0-9_.-]+$/);
      const config = netconfSchema.parse(JSON.parse(nad.spec.config));
      expect(config.capabilities).toMatchObject({ deviceID: true, CNIDeviceInfoFile: true });
    },
  );

  it('cover every backend and interface type of the docs', () => {
    const combos = nads.map((nad) => {
      const config = netconfSchema.parse(JSON.parse(nad.spec.config));
      return `${config.backend} ${config.interface.type}`;
    });
    expect(combos.sort()).toEqual(
      ['native vhost-user', 'native memif', 'vpp memif', 'ovs-dpdk vhost-user', 'sriov-dpdk pci'].sort(),
    );
  });

  it('the SR-IOV example uses the SR-IOV device plugin resource and the others pktbridge slots', () => {
    const resources = daemonConfig().deviceplugin.resources;
    for (const nad of nads) {
      const config = netconfSchema.parse(JSON.parse(nad.spec.config));
      const resource = nad.metadata.annotations?.[RESOURCE_NAME];
      if (config.backend === 'sriov-dpdk') {
        expect(resource).not.toMatch(/^pktbridge\.io\//);
      } else {
        // The daemon's device plugin must advertise the slot resource the NAD names.
        expect(resources).toContainEqual(expect.objectContaining({ name: resource }));
      }
    }
  });

  it('a config with a bad field is rejected by the same schema', () => {
    const nad = nads[0] as NetworkAttachmentDefinition;
    const config = JSON.parse(nad.spec.config) as Record<string, unknown>;
    expect(netconfSchema.safeParse({ ...config, interface: { type: 'vhost-user', queues: 0 } }).success).toBe(
      false,
    );
    expect(netconfSchema.safeParse({ ...config, backend: 'dpdk' }).success).toBe(false);
  });
});

describe('the pktbridge DaemonSet', () => {
  it('runs privileged with the host paths the data path needs, at the same paths inside', () => {
    expect(daemonContainer.securityContext?.privileged).toBe(true);
    const mounts = hostPathMounts(daemonPod, daemonContainer);
    for (const path of [
      '/dev/hugepages',
      '/run/pktbridge',
      '/var/lib/pktbridge',
      '/var/lib/kubelet/device-plugins',
      '/var/run/netns',
    ])
      expect(mounts.get(path), path).toBe(path);
  });

  it('mounts every path of its config (sockets, state, device plugins) from the host', () => {
    const config = daemonConfig();
    const mounted = [...hostPathMounts(daemonPod, daemonContainer).values()];
    for (const path of [
      config.apiSocket,
      config.cniSocket,
      config.socketRoot,
      config.stateDir,
      config.deviceplugin.kubeletDir,
    ])
      expect(
        mounted.some((dir) => path === dir || path.startsWith(`${dir}/`)),
        path,
      ).toBe(true);
    // The vhost-cni shim's built-in default daemon socket.
    expect(config.cniSocket).toBe('/run/pktbridge/cni.sock');
  });

  it('reads the config file the ConfigMap provides', () => {
    const configMount = daemonContainer.volumeMounts?.find((m) => m.name === 'config');
    const configVolume = daemonPod.volumes?.find((v) => v.name === 'config');
    expect(configVolume?.configMap?.name).toBe(meta(single('v1/ConfigMap')).name);
    expect(daemonContainer.env).toContainEqual({
      name: 'PKTBRIDGE_CONFIG',
      value: `${configMount?.mountPath}/config.json`,
    });
  });

  it('installs vhost-cni into the host /opt/cni/bin with an init container, atomically', () => {
    const init = daemonPod.initContainers?.[0] as Container;
    const hostTarget = hostPathMounts(daemonPod, init).get('/opt/cni/bin');
    expect(hostTarget).toBeDefined();
    const script = [...(init.command ?? []), ...(init.args ?? [])].join(' ');
    expect(script).toContain(`mv -f ${hostTarget}/.vhost-cni.tmp ${hostTarget}/vhost-cni`);
  });

  it('probes readiness, liveness and startup with pktbridge status --json', () => {
    for (const probe of [
      daemonContainer.readinessProbe,
      daemonContainer.livenessProbe,
      daemonContainer.startupProbe,
    ])
      expect(probe?.exec?.command).toEqual(['pktbridge', 'status', '--json']);
  });

  it('runs as the pktbridge ServiceAccount in an existing namespace that allows privileged pods', () => {
    const account = single('v1/ServiceAccount');
    expect(daemonPod.serviceAccountName).toBe(meta(account).name);
    expect(meta(daemonSet).namespace).toBe(meta(account).namespace);
    const namespace = single('v1/Namespace');
    expect(meta(namespace).name).toBe(meta(daemonSet).namespace);
    expect((namespace.object.metadata as { labels: Record<string, string> }).labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
    });
  });

  it('has the least RBAC: no roles or bindings, and no API token in its pods', () => {
    const rbac = manifests.filter((m) =>
      String(m.object.apiVersion).startsWith('rbac.authorization.k8s.io/'),
    );
    expect(rbac.map((m) => m.file)).toEqual([]);
    expect(single('v1/ServiceAccount').object.automountServiceAccountToken).toBe(false);
    expect(daemonPod.automountServiceAccountToken).toBe(false);
  });

  it('asks for as much hugepage memory as its EAL may use', () => {
    const hugepages = daemonContainer.resources?.limits?.['hugepages-2Mi'];
    expect(hugepages).toMatch(/^\d+Gi$/);
    expect(parseInt(hugepages ?? '0', 10) * 1024).toBeGreaterThanOrEqual(daemonConfig().memoryMb);
  });
});

describe('example VNF pods', () => {
  const pods = ofKind('v1/Pod');

  it.each(pods.map((pod) => [meta(pod).name, pod] as const))(
    '%s attaches to NADs that exist and asks for their device-plugin resources',
    (_name, pod) => {
      const spec = pod.object.spec as PodSpec;
      const container = spec.containers[0] as Container;
      const networks = (meta(pod).annotations?.[NETWORKS] ?? '').split(',').map((n) => n.trim());
      expect(networks.length).toBeGreaterThan(0);
      for (const network of networks) {
        const nad = nads.find((n) => n.metadata.name === network);
        expect(nad, network).toBeDefined();
        const resource = nad?.metadata.annotations?.[RESOURCE_NAME] as string;
        expect(container.resources?.limits?.[resource], resource).toBe('1');
        expect(container.resources?.requests?.[resource], resource).toBe('1');
      }
    },
  );

  it.each(pods.map((pod) => [meta(pod).name, pod] as const))(
    '%s reads network-status from a downward-API file at the path its command uses, with hugepages',
    (_name, pod) => {
      const spec = pod.object.spec as PodSpec;
      const container = spec.containers[0] as Container;
      const downward = spec.volumes?.find((v) => v.downwardAPI);
      const item = downward?.downwardAPI?.items.find((i) => i.fieldRef?.fieldPath === 'metadata.annotations');
      const mount = container.volumeMounts?.find((m) => m.name === downward?.name);
      const script = [...(container.command ?? []), ...(container.args ?? [])].join('\n');
      expect(mount).toBeDefined();
      expect(script).toContain(`${mount?.mountPath}/${item?.path}`);
      expect(script).toContain('pktbridge pod-args --annotations');
      expect(spec.volumes?.find((v) => v.emptyDir?.medium === 'HugePages')).toBeDefined();
      expect(container.resources?.limits?.['hugepages-2Mi']).toBeDefined();
      expect(script).toMatch(/exec dpdk-testpmd .*--stats-period \d+/s);
    },
  );

  it('the vhost-user VNF takes its EAL arguments (socket path) from pod-args', () => {
    const pod = pods.find((p) => meta(p).annotations?.[NETWORKS] === 'native-vhost-user') as Manifest;
    const script = ((pod.object.spec as PodSpec).containers[0] as Container).args?.join('\n') ?? '';
    expect(script).toMatch(/eal_args=\$\(pktbridge pod-args --annotations "\$annotations"\)/);
    expect(script).toMatch(/dpdk-testpmd [^\n]*\$eal_args/);
  });

  it('the SR-IOV VNF opens the VF named by the device plugin environment variable', () => {
    const pod = pods.find((p) => meta(p).annotations?.[NETWORKS] === 'sriov-dpdk') as Manifest;
    const nad = nads.find((n) => n.metadata.name === 'sriov-dpdk') as NetworkAttachmentDefinition;
    // The SR-IOV device plugin's variable: PCIDEVICE_ + the resource name, upper case, . and / as _.
    const variable = `PCIDEVICE_${(nad.metadata.annotations?.[RESOURCE_NAME] ?? '').toUpperCase().replace(/[./-]/g, '_')}`;
    const script = ((pod.object.spec as PodSpec).containers[0] as Container).args?.join('\n') ?? '';
    expect(script).toContain(`vf="\${${variable}:?`);
    expect(script).toMatch(/dpdk-testpmd [^\n]*-a "\$\{vf%%,\*\}"/);
  });
});

describe('the image (deploy/Dockerfile) the manifests run', () => {
  const dockerfile = readFileSync(join(repoRoot, 'deploy/Dockerfile'), 'utf8');

  it('contains the vhost-cni binary at the path the init container copies from', () => {
    const init = daemonPod.initContainers?.[0] as Container;
    const source = /cp (\S+) /.exec([...(init.command ?? [])].join(' '))?.[1];
    expect(source).toBe('/opt/pktbridge/vhost-cni/build/vhost-cni');
    expect(dockerfile).toMatch(new RegExp(`^COPY --from=build ${source} `, 'm'));
  });

  it('puts the pktbridge command the probes and pods run on PATH', () => {
    expect(dockerfile).toMatch(
      /^RUN ln -s \/opt\/pktbridge\/bin\/pktbridge\.js \/usr\/local\/bin\/pktbridge$/m,
    );
    const images = [daemonSet, ...ofKind('v1/Pod')].map(
      (m) =>
        ((m.object.spec as { template?: { spec: PodSpec } }).template?.spec ?? (m.object.spec as PodSpec))
          .containers[0]?.image,
    );
    expect(new Set(images)).toEqual(new Set(['pktbridge/pktbridge:0.1.0']));
    expect(dockerfile).toContain('-t pktbridge/pktbridge:0.1.0');
  });
});
