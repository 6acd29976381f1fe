// VPP's live message table (from sockclnt_create_reply) joined with the loaded definitions: ids by
// name, and the connect-time compatibility check that names each message and both CRCs.
import { VppApiError } from './errors.js';
import type { Codec, MessageCodec } from './codec.js';

export interface MessageTableEntry {
  index: number;
  name: string;
}

export interface Incompatibility {
  message: string;
  /** CRC of the loaded definition, e.g. 0x8c7de5f7. */
  expectedCrc: string;
  /** CRC(s) VPP knows this message name under; empty when VPP does not have it at all. */
  vppCrcs: string[];
}

export interface CompatibilityReport {
  compatible: boolean;
  checked: string[];
  incompatible: Incompatibility[];
}

export class MessageTable {
  private readonly idsByNameCrc = new Map<string, number>();
  private readonly crcsByName = new Map<string, string[]>();
  private readonly namesById = new Map<number, string>();
  private readonly idsByName = new Map<string, number>();

  constructor(
    entries: readonly MessageTableEntry[],
    private readonly codec: Codec,
  ) {
    for (const { index, name } of entries) {
      this.idsByNameCrc.set(name, index);
      const match = /^(.*)_([0-9a-f]{8})$/.exec(name);
      if (match)
        this.crcsByName.set(match[1]!, [...(this.crcsByName.get(match[1]!) ?? []), `0x${match[2]!}`]);
    }
    // Only an exact name_crc match makes a message usable: never fall back to the name alone.
    for (const def of codec.defs.messages.values()) {
      const id = this.idsByNameCrc.get(`${def.name}_${def.crc.slice(2)}`);
      if (id === undefined) continue;
      this.idsByName.set(def.name, id);
      this.namesById.set(id, def.name);
    }
  }

  get size(): number {
    return this.idsByNameCrc.size;
  }

  /** The id of a loaded message, or a CRC_MISMATCH / UNKNOWN_MESSAGE error naming it. */
  id(name: string): number {
    const id = this.idsByName.get(name);
    if (id !== undefined) return id;
    throw this.explain(name);
  }

  has(name: string): boolean {
    return this.idsByName.has(name);
  }

  /** The codec of a frame's message id, when the id is in the table and the message is loaded. */
  codecOf(id: number): MessageCodec | undefined {
    const name = this.namesById.get(id);
    return name === undefined ? undefined : this.codec.message(name);
  }

  /** Checks each message (and, for requests, its reply) against the table. */
  check(names: readonly string[]): CompatibilityReport {
    const checked = [...new Set(names.flatMap((name) => [name, ...this.replyOf(name)]))];
    const incompatible: Incompatibility[] = [];
    for (const name of checked) {
      if (this.idsByName.has(name)) continue;
      const def = this.codec.defs.messages.get(name);
      incompatible.push({
        message: name,
        expectedCrc: def?.crc ?? 'unknown',
        vppCrcs: this.crcsByName.get(name) ?? [],
      });
    }
    return { compatible: incompatible.length === 0, checked, incompatible };
  }

  private replyOf(name: string): string[] {
    const service = this.codec.defs.services.get(name);
    return service ? [service.reply] : [];
  }

  private explain(name: string): VppApiError {
    const def = this.codec.defs.messages.get(name);
    if (!def)
      return new VppApiError('UNKNOWN_MESSAGE', `message ${name} is not in the loaded API definitions`, {
        message: name,
      });
    return incompatibilityError([
      { message: name, expectedCrc: def.crc, vppCrcs: this.crcsByName.get(name) ?? [] },
    ]);
  }
}

/** One error for every incompatible message: CRC_MISMATCH when VPP has a name under another CRC. */
export function incompatibilityError(items: Incompatibility[]): VppApiError {
  const describe = (i: Incompatibility): string =>
    i.vppCrcs.length > 0
      ? `${i.message}: CRC mismatch, client has ${i.expectedCrc}, VPP has ${i.vppCrcs.join(', ')}`
      : `${i.message}: not in VPP's message table (client CRC ${i.expectedCrc}; plugin not loaded?)`;
  const code = items.some((i) => i.vppCrcs.length > 0) ? 'CRC_MISMATCH' : 'UNKNOWN_MESSAGE';
  return new VppApiError(code, `VPP API incompatible: ${items.map(describe).join('; ')}`, {
    incompatible: items,
  });
}
