// OVSDB datum notation (RFC 7047 §5.1): encoding sets, maps and UUIDs for requests, and reading
// them back from rows, where a one-element set may arrive as the bare atom.

export type Atom = string | number | boolean | ['uuid', string] | ['named-uuid', string];
export type Datum = Atom | ['set', Atom[]] | ['map', [Atom, Atom][]];
export type Row = Record<string, unknown>;

export const uuid = (value: string): ['uuid', string] => ['uuid', value];
export const namedUuid = (name: string): ['named-uuid', string] => ['named-uuid', name];
export const set = (atoms: Atom[]): ['set', Atom[]] => ['set', atoms];

export function map(entries: Record<string, string>): ['map', [string, string][]] {
  return ['map', Object.entries(entries)];
}

/** The atoms of a set column (a bare atom is a one-element set). */
export function setAtoms(datum: unknown): unknown[] {
  if (Array.isArray(datum) && datum[0] === 'set' && Array.isArray(datum[1])) return datum[1] as unknown[];
  return datum === undefined ? [] : [datum];
}

/** A string-to-string map column as a plain object. */
export function mapEntries(datum: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(datum) && datum[0] === 'map' && Array.isArray(datum[1])) {
    for (const pair of datum[1] as unknown[]) {
      if (Array.isArray(pair) && pair.length === 2) out[String(pair[0])] = String(pair[1]);
    }
  }
  return out;
}

/** The UUID string of a ["uuid", "..."] atom, or undefined. */
export function uuidOf(atom: unknown): string | undefined {
  return Array.isArray(atom) && atom[0] === 'uuid' && typeof atom[1] === 'string' ? atom[1] : undefined;
}

/** An optional scalar column (a set of 0 or 1 atoms) as the atom or undefined. */
export function optional<T>(datum: unknown): T | undefined {
  const atoms = setAtoms(datum);
  return atoms.length === 0 ? undefined : (atoms[0] as T);
}
