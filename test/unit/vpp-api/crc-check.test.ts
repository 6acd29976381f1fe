// The connect-time compatibility check, following shared/vpp/captures/README.md "Testing CRC-mismatch
// detection": ids resolve by name_crc only, and a changed or missing CRC is an error naming both CRCs.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Codec } from '../../../vpp-api/codec.js';
import { VppConnection } from '../../../vpp-api/connection.js';
import { mergeApiFiles, parseApiFile, type Definitions } from '../../../vpp-api/definitions.js';
import { MessageTable, type MessageTableEntry } from '../../../vpp-api/message-table.js';
import {
  framePayload,
  loadCapture,
  ReplayServer,
  sharedVppDir,
  type Capture,
} from '../../helpers/vpp-replay.js';

type RawMessage = [string, ...unknown[]];

/** The shared definitions, with `edit` applied to each message's raw JSON first. */
function definitionsWith(edit: (message: RawMessage) => void = () => undefined): Definitions {
  const files: ReturnType<typeof parseApiFile>[] = [];
  for (const sub of ['core', 'plugins']) {
    const dir = path.join(sharedVppDir(), 'api', sub);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.api.json'))) {
      const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { messages: RawMessage[] };
      json.messages.forEach(edit);
      files.push(parseApiFile(json, file));
    }
  }
  return mergeApiFiles(files);
}

function setCrc(name: string, crc: string): (message: RawMessage) => void {
  return (message) => {
    if (message[0] !== name) return;
    const meta = message.find((m) => !Array.isArray(m) && typeof m === 'object') as { crc: string };
    meta.crc = crc;
  };
}

const connect = loadCapture('connect.json');
const reference = new Codec(definitionsWith());
const liveTable = reference.message('sockclnt_create_reply').decode(framePayload(connect.frames[1]!))
  .message_table as MessageTableEntry[];

describe('message table from connect.json', () => {
  it('resolves memif_create_v2 to 95 and its reply to 96, by name and CRC', () => {
    const table = new MessageTable(liveTable, reference);
    expect(table.id('memif_create_v2')).toBe(95);
    expect(table.id('memif_create_v2_reply')).toBe(96);
    expect(table.size).toBe(850);
  });

  it('reports a request CRC mismatch naming the message and both CRCs, and keeps the rest usable', () => {
    const table = new MessageTable(
      liveTable,
      new Codec(definitionsWith(setCrc('memif_create_v2', '0x8c7de5f8'))),
    );
    expect(() => table.id('memif_create_v2')).toThrow(
      /memif_create_v2: CRC mismatch, client has 0x8c7de5f8, VPP has 0x8c7de5f7/,
    );
    expect(table.id('memif_delete')).toBe(97);
    expect(table.check(['memif_create_v2', 'memif_delete']).incompatible).toEqual([
      { message: 'memif_create_v2', expectedCrc: '0x8c7de5f8', vppCrcs: ['0x8c7de5f7'] },
    ]);
  });

  it('reports a reply CRC mismatch even though other replies share that CRC', () => {
    const table = new MessageTable(
      liveTable,
      new Codec(definitionsWith(setCrc('memif_create_v2_reply', '0x5383d31e'))),
    );
    const report = table.check(['memif_create_v2']);
    expect(report.incompatible).toEqual([
      { message: 'memif_create_v2_reply', expectedCrc: '0x5383d31e', vppCrcs: ['0x5383d31f'] },
    ]);
    expect(table.id('create_vhost_user_if_v2_reply')).toBe(table.id('create_vhost_user_if_v2') + 1);
  });

  it('reports a message VPP knows only under an older CRC (the deprecated memif_create is id 93)', () => {
    const table = new MessageTable(
      liveTable,
      new Codec(definitionsWith(setCrc('memif_create', '0x12345678'))),
    );
    expect(() => table.id('memif_create')).toThrow(/client has 0x12345678, VPP has 0xb1b25061/);
    expect(new MessageTable(liveTable, reference).id('memif_create')).toBe(93);
  });

  it('reports a message missing from the table as unknown to VPP', () => {
    const table = new MessageTable(
      liveTable.filter((e) => e.name !== 'memif_create_v2_8c7de5f7'),
      reference,
    );
    expect(() => table.id('memif_create_v2')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MESSAGE' }));
    expect(table.id('memif_create_v2_reply')).toBe(96);
  });
});

describe('compatibility check at connect time', () => {
  let server: ReplayServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('refuses to connect when a required message has another CRC, naming it and both CRCs', async () => {
    server = await ReplayServer.start(connect);
    const definitions = definitionsWith(setCrc('memif_create_v2', '0x8c7de5f8'));
    await expect(
      VppConnection.connect({
        socketPath: server.socketPath,
        definitions,
        clientName: 'vppcap',
        requiredMessages: ['memif_create_v2'],
        reconnect: false,
      }),
    ).rejects.toMatchObject({
      code: 'CRC_MISMATCH',
      message: expect.stringMatching(
        /memif_create_v2: CRC mismatch, client has 0x8c7de5f8, VPP has 0x8c7de5f7/,
      ),
    });
  });

  it('refuses to send a mismatched message on an open connection without sending anything', async () => {
    server = await ReplayServer.start(connect);
    const definitions = definitionsWith(setCrc('memif_create_v2', '0x8c7de5f8'));
    const connection = await VppConnection.connect({
      socketPath: server.socketPath,
      definitions,
      clientName: 'vppcap',
      reconnect: false,
    });
    await expect(connection.request('memif_create_v2', {})).rejects.toMatchObject({ code: 'CRC_MISMATCH' });
    expect(connection.compatibility(['memif_create_v2']).compatible).toBe(false);
    await connection.close();
    expect(server.mismatches).toEqual([]);
    expect(server.received.map((r) => r.msg)).toEqual([
      'sockclnt_create_455fb9c4',
      'sockclnt_delete_8ac76db6',
    ]);
  });

  it('refuses to connect when VPP lacks a required message (entry dropped from the table)', async () => {
    const reply = reference.message('sockclnt_create_reply');
    const decoded = reply.decode(framePayload(connect.frames[1]!));
    const table = (decoded.message_table as MessageTableEntry[]).filter(
      (e) => e.name !== 'memif_create_v2_8c7de5f7',
    );
    const payload = reply.encode({ ...decoded, message_table: table, count: undefined });
    const header = Buffer.alloc(16);
    header.writeUInt32BE(payload.length, 8);
    const edited: Capture = {
      ...connect,
      frames: connect.frames.map((f, i) =>
        i === 1 ? { ...f, hex: Buffer.concat([header, payload]).toString('hex') } : f,
      ),
    };
    expect(payload.length).toBe(framePayload(connect.frames[1]!).length - 66);
    server = await ReplayServer.start(edited);
    await expect(
      VppConnection.connect({
        socketPath: server.socketPath,
        definitions: definitionsWith(),
        clientName: 'vppcap',
        requiredMessages: ['memif_create_v2'],
        reconnect: false,
      }),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_MESSAGE',
      message: expect.stringMatching(/memif_create_v2: not in VPP's message table/),
    });
  });
});
