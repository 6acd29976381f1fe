// Loading .api.json: the vendored copy matches the real definitions, and malformed files are refused.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  bundledApiDir,
  bundledDefinitions,
  loadDefinitions,
  parseApiFile,
} from '../../../vpp-api/definitions.js';
import { sharedVppDir } from '../../helpers/vpp-replay.js';

describe('API definitions', () => {
  it('vendors the shared .api.json files unchanged in content', () => {
    const shared = path.join(sharedVppDir(), 'api');
    for (const file of readdirSync(bundledApiDir())) {
      const original = ['core', 'plugins']
        .map((sub) => path.join(shared, sub, file))
        .find((p) => existsSync(p));
      expect(original, file).toBeDefined();
      expect(JSON.parse(readFileSync(path.join(bundledApiDir(), file), 'utf8'))).toEqual(
        JSON.parse(readFileSync(original!, 'utf8')),
      );
    }
  });

  it('loads the bundled modules with their messages, services and versions', () => {
    const defs = bundledDefinitions();
    expect(defs.messages.get('memif_create_v2')?.crc).toBe('0x8c7de5f7');
    expect(defs.services.get('memif_dump')).toEqual({ reply: 'memif_details', stream: true });
    expect(defs.modules.find((m) => m.module === 'interface')?.version).toBe('3.2.5');
    expect(defs.aliases.get('mac_address')).toEqual({ name: 'mac_address', type: 'u8', length: 6 });
    expect(defs.enums.get('address_family')?.type).toBe('u8');
  });

  it('loads a running VPP layout (core/ and plugins/) restricted to some modules', () => {
    const defs = loadDefinitions(path.join(sharedVppDir(), 'api'), ['memclnt', 'memif']);
    expect(defs.modules.map((m) => m.module).sort()).toEqual(['memclnt', 'memif']);
  });

  it('refuses a file whose message lacks a crc, naming the file', () => {
    expect(() =>
      parseApiFile({ module: 'x', messages: [['foo', ['u16', '_vl_msg_id'], {}]] }, 'x.api.json'),
    ).toThrow(/x\.api\.json/);
  });

  it('refuses a field with a malformed shape', () => {
    expect(() =>
      parseApiFile({ module: 'x', messages: [['foo', ['u16'], { crc: '0x00000000' }]] }, 'bad.api.json'),
    ).toThrow(expect.objectContaining({ code: 'DEFINITION' }));
  });

  it('refuses a missing directory', () => {
    expect(() => loadDefinitions('/nonexistent/vpp/api')).toThrow(/does not exist/);
  });
});
