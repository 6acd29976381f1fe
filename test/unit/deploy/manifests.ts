// Loads every YAML manifest under deploy/ and validates each object against the schema of its kind:
// Kubernetes built-in kinds with kubernetes-models (the API's OpenAPI schemas compiled to validators),
// NetworkAttachmentDefinitions with the Multus CRD's schema and the daemon's own netconf zod schema.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

export interface Manifest {
  /** Path relative to the repository root, e.g. deploy/daemonset.yaml. */
  file: string;
  /** Position of the document in a multi-document file. */
  index: number;
  object: Record<string, unknown>;
}

export function findYamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findYamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/** Parses every document; YAML errors and warnings (duplicate keys, tabs) fail the load. */
export function parseManifests(file: string, text: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(text, { uniqueKeys: true }).forEach((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0)
      throw new Error(`${file} document ${index}: ${problems.map((p) => p.message).join('; ')}`);
    const object: unknown = doc.toJS();
    if (object === null) return; // an empty document, e.g. after a trailing ---
    if (typeof object !== 'object' || Array.isArray(object))
      throw new Error(`${file} document ${index}: not a mapping`);
    manifests.push({ file, index, object: object as Record<string, unknown> });
  });
  return manifests;
}

export function loadManifests(repoRoot: string, dir = 'deploy'): Manifest[] {
  return findYamlFiles(join(repoRoot, dir)).flatMap((path) =>
    parseManifests(relative(repoRoot, path), readFileSync(path, 'utf8')),
  );
}

/** A model's validate() throws an error whose message lists every schema violation. */
interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: never) => ValidatingModel;

const builtInKinds: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'apps/v1/DaemonSet': DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** DNS-1123 subdomain: what the API server requires of most object names. */
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a DNS-1123 subdomain');

/** The Multus NetworkAttachmentDefinition CRD's schema (spec.config is a JSON string). */
export const networkAttachmentDefinitionSchema = z.strictObject({
  apiVersion: z.literal('k8s.cni.cncf.io/v1'),
  kind: z.literal('NetworkAttachmentDefinition'),
  metadata: z.object({
    name: dnsSubdomain,
    namespace: dnsSubdomain.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({ config: z.string().min(2) }),
});

export type NetworkAttachmentDefinition = z.infer<typeof networkAttachmentDefinitionSchema>;

export function kindOf(object: Record<string, unknown>): string {
  return `${String(object.apiVersion)}/${String(object.kind)}`;
}

/** Returns the problems with one object (empty when it is valid for its kind). */
export function schemaProblems(object: Record<string, unknown>): string[] {
  const kind = kindOf(object);
  if (kind === 'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition') {
    const parsed = networkAttachmentDefinitionSchema.safeParse(object);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  const Model = builtInKinds[kind];
  if (Model === undefined) return [`no schema for ${kind}: add its model to test/unit/deploy/manifests.ts`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
