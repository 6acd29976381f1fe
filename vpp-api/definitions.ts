// Loads VPP .api.json files (bundled copy or a running VPP's /usr/share/vpp/api), validates them
// with zod and merges them into one registry of messages, types, unions, enums and aliases.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VppApiError } from './errors.js';

export const DEFAULT_VPP_API_DIR = '/usr/share/vpp/api';

export interface FieldDef {
  type: string;
  name: string;
  /** Fixed element count (string: byte length); 0 = variable length. Absent = scalar. */
  length?: number;
  /** Name of the earlier field holding the element count of a variable array. */
  lengthFrom?: string;
  default?: number | boolean | string;
}

export interface MessageDef {
  name: string;
  crc: string;
  module: string;
  fields: FieldDef[];
  /** The `\brief` line of the message's comment, when it has one. */
  brief?: string;
}

/** `\brief Create or remove named socket file` → `Create or remove named socket file`. */
function briefOf(comment: unknown): string | undefined {
  if (typeof comment !== 'string') return undefined;
  const match = /\\brief\s+([^\n]*)/.exec(comment);
  return match?.[1]?.replace(/\*\/\s*$/, '').trim() || undefined;
}

export interface StructDef {
  name: string;
  fields: FieldDef[];
}

export type IntType = 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64';

export interface EnumDef {
  name: string;
  type: IntType;
  values: [string, number][];
  flags: boolean;
}

export interface AliasDef {
  name: string;
  type: string;
  length?: number;
}

export interface ServiceDef {
  reply: string;
  stream?: boolean;
  events?: string[];
}

export interface ApiModule {
  module: string;
  version: string;
  messages: MessageDef[];
  services: Record<string, ServiceDef>;
}

export interface Definitions {
  modules: ApiModule[];
  messages: Map<string, MessageDef>;
  types: Map<string, StructDef>;
  unions: Map<string, StructDef>;
  enums: Map<string, EnumDef>;
  aliases: Map<string, AliasDef>;
  services: Map<string, ServiceDef>;
}

/** One parsed .api.json file, before merging. */
export interface ParsedApiFile {
  module: string;
  version: string;
  messages: MessageDef[];
  types: Map<string, StructDef>;
  unions: Map<string, StructDef>;
  enums: Map<string, EnumDef>;
  aliases: Map<string, AliasDef>;
  services: Map<string, ServiceDef>;
}

const fieldOptions = z
  .object({ default: z.union([z.number(), z.boolean(), z.string()]).optional() })
  .catchall(z.unknown());
const rawField = z.union([
  z.tuple([z.string(), z.string()]),
  z.tuple([z.string(), z.string(), z.union([z.number().int().nonnegative(), fieldOptions])]),
  z.tuple([z.string(), z.string(), z.number().int().nonnegative(), z.string()]),
]);
const rawMeta = z.object({ crc: z.string().regex(/^0x[0-9a-f]{8}$/) }).catchall(z.unknown());
const rawMessage = z.tuple([z.string()], z.union([rawField, rawMeta]));
const rawStruct = z.tuple([z.string()], z.union([rawField, z.object({}).catchall(z.unknown())]));
const intType = z.enum(['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64']);
const rawEnum = z.tuple(
  [z.string()],
  z.union([z.tuple([z.string(), z.number().int()]), z.object({ enumtype: intType })]),
);
const rawFile = z.object({
  module: z.string(),
  options: z.object({ version: z.string().optional() }).catchall(z.unknown()).optional(),
  messages: z.array(rawMessage),
  types: z.array(rawStruct).default([]),
  unions: z.array(rawStruct).default([]),
  enums: z.array(rawEnum).default([]),
  enumflags: z.array(rawEnum).default([]),
  aliases: z
    .record(z.string(), z.object({ type: z.string(), length: z.number().int().optional() }))
    .default({}),
  services: z
    .record(
      z.string(),
      z.object({ reply: z.string(), stream: z.boolean().optional(), events: z.array(z.string()).optional() }),
    )
    .default({}),
});
type RawField = z.infer<typeof rawField>;

function toField(raw: RawField): FieldDef {
  const [type, name, third, fourth] = raw;
  const field: FieldDef = { type, name };
  if (typeof third === 'number') field.length = third;
  else if (third !== undefined && third.default !== undefined) field.default = third.default;
  if (typeof fourth === 'string') field.lengthFrom = fourth;
  return field;
}

function isRawField(entry: unknown): entry is RawField {
  return Array.isArray(entry);
}

function toEnum(raw: z.infer<typeof rawEnum>, flags: boolean): EnumDef {
  const [name, ...rest] = raw;
  const values: [string, number][] = [];
  let type: IntType = 'u32';
  for (const entry of rest) {
    if (Array.isArray(entry)) values.push([entry[0], entry[1]]);
    else type = entry.enumtype;
  }
  return { name, type, values, flags };
}

/** Parses one .api.json document; `source` names it in errors. */
export function parseApiFile(json: unknown, source: string): ParsedApiFile {
  const parsed = rawFile.safeParse(json);
  if (!parsed.success) {
    throw new VppApiError('DEFINITION', `${source}: not a valid .api.json file: ${parsed.error.message}`, {
      source,
    });
  }
  const raw = parsed.data;
  const messages = raw.messages.map(([name, ...rest]): MessageDef => {
    const meta = rest.find((entry) => !isRawField(entry)) as z.infer<typeof rawMeta> | undefined;
    if (!meta)
      throw new VppApiError('DEFINITION', `${source}: message ${name} has no crc`, { source, message: name });
    const message: MessageDef = {
      name,
      crc: meta.crc,
      module: raw.module,
      fields: rest.filter(isRawField).map(toField),
    };
    const brief = briefOf(meta.comment);
    if (brief) message.brief = brief;
    return message;
  });
  const struct = ([name, ...rest]: z.infer<typeof rawStruct>): StructDef => ({
    name,
    fields: rest.filter(isRawField).map(toField),
  });
  return {
    module: raw.module,
    version: raw.options?.version ?? '0.0.0',
    messages,
    types: new Map(raw.types.map((t) => [t[0], struct(t)])),
    unions: new Map(raw.unions.map((u) => [u[0], struct(u)])),
    enums: new Map([
      ...raw.enums.map((e): [string, EnumDef] => [e[0], toEnum(e, false)]),
      ...raw.enumflags.map((e): [string, EnumDef] => [e[0], toEnum(e, true)]),
    ]),
    aliases: new Map(Object.entries(raw.aliases).map(([name, a]) => [name, { name, ...a }])),
    services: new Map(Object.entries(raw.services)),
  };
}

/** Merges parsed files; each file repeats the types it imports, so the first definition wins. */
export function mergeApiFiles(files: ParsedApiFile[]): Definitions {
  const defs: Definitions = {
    modules: [],
    messages: new Map(),
    types: new Map(),
    unions: new Map(),
    enums: new Map(),
    aliases: new Map(),
    services: new Map(),
  };
  for (const file of files) {
    defs.modules.push({
      module: file.module,
      version: file.version,
      messages: file.messages,
      services: Object.fromEntries(file.services),
    });
    for (const message of file.messages) defs.messages.set(message.name, message);
    for (const [kind, source] of [
      ['types', file.types],
      ['unions', file.unions],
      ['enums', file.enums],
      ['aliases', file.aliases],
      ['services', file.services],
    ] as const) {
      const target = defs[kind] as Map<string, unknown>;
      for (const [name, value] of source as Map<string, unknown>)
        if (!target.has(name)) target.set(name, value);
    }
  }
  return defs;
}

function listApiFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listApiFiles(full));
    else if (entry.endsWith('.api.json')) out.push(full);
  }
  return out;
}

/** Loads every *.api.json under `dir` (recursively), optionally only the named modules. */
export function loadDefinitions(dir: string, modules?: readonly string[]): Definitions {
  if (!existsSync(dir))
    throw new VppApiError('DEFINITION', `API definition directory ${dir} does not exist`, { dir });
  const files = listApiFiles(dir)
    .filter((file) => !modules || modules.includes(path.basename(file, '.api.json')))
    .map((file) => parseApiFile(JSON.parse(readFileSync(file, 'utf8')) as unknown, file));
  if (files.length === 0) throw new VppApiError('DEFINITION', `no .api.json files in ${dir}`, { dir });
  return mergeApiFiles(files);
}

/** The .api.json copy vendored in this package (vpp-api/api), found from source or built output. */
export function bundledApiDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'api'), path.resolve(here, '../../vpp-api/api')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

let bundled: Definitions | undefined;

/** The bundled definitions, loaded once per process. */
export function bundledDefinitions(): Definitions {
  bundled ??= loadDefinitions(bundledApiDir());
  return bundled;
}
