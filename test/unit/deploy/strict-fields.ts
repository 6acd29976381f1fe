// Strict field checking for manifests (like `kubectl apply --validate=strict`): the compiled schemas
// accept unknown fields, so a typo such as `mountpropagation` would pass them. Here each manifest is
// type-checked as an object literal against kubernetes-models' TypeScript interfaces, where every
// unknown field at any depth is an excess-property error.
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** apiVersion/kind → [module, interface] in kubernetes-models. */
const typedKinds: Record<string, [string, string]> = {
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'INamespace'],
  'v1/ServiceAccount': ['kubernetes-models/v1/ServiceAccount', 'IServiceAccount'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Pod': ['kubernetes-models/v1/Pod', 'IPod'],
  'apps/v1/DaemonSet': ['kubernetes-models/apps/v1/DaemonSet', 'IDaemonSet'],
  'rbac.authorization.k8s.io/v1/ClusterRole': [
    'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
    'IClusterRole',
  ],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': [
    'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    'IClusterRoleBinding',
  ],
  'rbac.authorization.k8s.io/v1/Role': ['kubernetes-models/rbac.authorization.k8s.io/v1/Role', 'IRole'],
  'rbac.authorization.k8s.io/v1/RoleBinding': [
    'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
    'IRoleBinding',
  ],
};

export function hasTypedKind(kind: string): boolean {
  return kind in typedKinds;
}

export interface StrictInput {
  label: string;
  kind: string;
  object: unknown;
}

/**
 * Returns `label: message` for every unknown field or wrong type, one type-check for all objects.
 * `anchorFile` is a path inside the repository, so module resolution finds its node_modules.
 */
export function strictFieldProblems(objects: StrictInput[], anchorFile: string): string[] {
  const fileName = join(dirname(anchorFile), '__manifests_as_typescript__.ts');
  const imports: string[] = [];
  const lines: string[] = [];
  const labelOfLine: string[] = [];
  objects.forEach(({ label, kind, object }, index) => {
    const typed = typedKinds[kind];
    if (typed === undefined) throw new Error(`${label}: no TypeScript type for ${kind}`);
    imports.push(`import type { ${typed[1]} as T${index} } from '${typed[0]}';`);
    lines.push(`export const m${index}: T${index} = ${JSON.stringify(object)};`);
    labelOfLine.push(label);
  });
  const text = [...imports, ...lines].join('\n');
  const firstObjectLine = imports.length;

  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, language) : readSource(name, language, ...rest);
  host.fileExists = (name) => name === fileName || exists(name);
  const program = ts.createProgram([fileName], options, host);
  const source = program.getSourceFile(fileName);
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${labelOfLine[line - firstObjectLine] ?? 'imports'}: ${message}`;
  });
}
