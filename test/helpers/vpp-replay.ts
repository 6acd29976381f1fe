// A unix-socket server that plays back a recorded VPP API conversation (shared/vpp/captures):
// it checks each client frame against the captured request bytes (context and client_index masked)
// and answers with the captured VPP frames, their contexts rewritten to the client's.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Codec, type MessageValue } from '../../vpp-api/codec.js';
import { loadDefinitions } from '../../vpp-api/definitions.js';
import type { MessageTableEntry } from '../../vpp-api/message-table.js';

export interface CaptureFrame {
  seq: number;
  dir: 'c2s' | 's2c';
  msg: string;
  hex: string;
  decoded: Record<string, unknown>;
}

export interface Capture {
  vpp_version: string;
  scenario: string;
  description?: string;
  frames: CaptureFrame[];
  notes?: Record<string, unknown>;
}

export interface FrameMismatch {
  seq: number;
  msg: string;
  expected: string;
  actual: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** shared/vpp beside the repo (`<x>/main` + `<x>/shared`), or $PKTBRIDGE_SHARED_DIR/vpp. */
export function sharedVppDir(): string {
  return path.join(process.env.PKTBRIDGE_SHARED_DIR ?? path.resolve(repoRoot, '../shared'), 'vpp');
}

export function captureNames(): string[] {
  return readdirSync(path.join(sharedVppDir(), 'captures'))
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export function loadCapture(file: string): Capture {
  return JSON.parse(readFileSync(path.join(sharedVppDir(), 'captures', file), 'utf8')) as Capture;
}

export function framePayload(frame: CaptureFrame): Buffer {
  return Buffer.from(frame.hex, 'hex').subarray(16);
}

/** name → its field names, read straight from the shared .api.json (independent of vpp-api's loader). */
function fieldNamesByMessage(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.api.json')) {
        const json = JSON.parse(readFileSync(full, 'utf8')) as { messages: unknown[][] };
        for (const [name, ...rest] of json.messages) {
          const fields = rest.filter(Array.isArray).map((f) => (f as string[])[1]!);
          out.set(name as string, fields);
        }
      }
    }
  };
  walk(path.join(sharedVppDir(), 'api'));
  return out;
}

let fieldNames: Map<string, string[]> | undefined;

/** Offsets of client_index and context in a payload: the header is u16 id then u32 fields. */
export function headerOffsets(msg: string): { clientIndex?: number; context?: number } {
  fieldNames ??= fieldNamesByMessage();
  const name = msg.replace(/_[0-9a-f]{8}$/, '');
  const fields = fieldNames.get(name);
  if (!fields) throw new Error(`message ${name} not in shared definitions`);
  const offsetOf = (field: string): number | undefined => {
    const index = fields.indexOf(field);
    // Only the leading header fields (u16 id, then u32s) have offsets computable this simply.
    return index > 0 && index <= 2 ? 2 + 4 * (index - 1) : undefined;
  };
  return { clientIndex: offsetOf('client_index'), context: offsetOf('context') };
}

function masked(payload: Buffer, msg: string): Buffer {
  const copy = Buffer.from(payload);
  const { clientIndex, context } = headerOffsets(msg);
  if (clientIndex !== undefined) copy.fill(0, clientIndex, clientIndex + 4);
  if (context !== undefined) copy.fill(0, context, context + 4);
  return copy;
}

export interface ReplayOptions {
  /** Write each answer in pieces of this many bytes (tests reassembly across reads). */
  chunkSize?: number;
  /** Send every answer of a turn in one write (tests coalesced frames). Default true. */
  coalesce?: boolean;
  /** Stop answering after this many s2c frames and close the socket (tests a close mid-dump). */
  closeAfterServerFrames?: number;
  /** Never answer client frames with these message names (tests timeouts). */
  swallow?: string[];
}

/** Plays `capture` to every client that connects; frames are matched in capture order per client. */
export class ReplayServer {
  readonly mismatches: FrameMismatch[] = [];
  readonly received: { msg: string; payload: Buffer }[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly socketPath: string,
    private readonly dir: string,
    private readonly server: net.Server,
  ) {}

  static async start(capture: Capture, options: ReplayOptions = {}): Promise<ReplayServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vpp-replay-'));
    const socketPath = path.join(dir, 'api.sock');
    const server = net.createServer((socket) => replay.serve(socket, capture, options));
    const replay: ReplayServer = new ReplayServer(socketPath, dir, server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
    return replay;
  }

  private serve(socket: net.Socket, capture: Capture, options: ReplayOptions): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let cursor = 0;
    let sent = 0;
    let buffered = Buffer.alloc(0);
    const contexts = new Map<number, number>();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 16 && buffered.length >= 16 + buffered.readUInt32BE(8)) {
        const payload = buffered.subarray(16, 16 + buffered.readUInt32BE(8));
        buffered = buffered.subarray(16 + payload.length);
        const expected = capture.frames[cursor];
        if (!expected || expected.dir !== 'c2s') {
          this.mismatches.push({ seq: -1, msg: 'unexpected', expected: '', actual: payload.toString('hex') });
          continue;
        }
        cursor++;
        this.received.push({ msg: expected.msg, payload: Buffer.from(payload) });
        const want = framePayload(expected);
        if (!masked(payload, expected.msg).equals(masked(want, expected.msg))) {
          this.mismatches.push({
            seq: expected.seq,
            msg: expected.msg,
            expected: want.toString('hex'),
            actual: payload.toString('hex'),
          });
        }
        const { context } = headerOffsets(expected.msg);
        if (context !== undefined) contexts.set(want.readUInt32BE(context), payload.readUInt32BE(context));
        if (options.swallow?.includes(expected.msg.replace(/_[0-9a-f]{8}$/, ''))) {
          while (capture.frames[cursor]?.dir === 's2c') cursor++;
          continue;
        }
        const answers: Buffer[] = [];
        while (capture.frames[cursor]?.dir === 's2c') {
          const frame = capture.frames[cursor++]!;
          if (options.closeAfterServerFrames !== undefined && sent >= options.closeAfterServerFrames) break;
          answers.push(rewriteContext(frame, contexts));
          sent++;
        }
        this.write(socket, answers, options);
        const closeNow =
          (options.closeAfterServerFrames !== undefined && sent >= options.closeAfterServerFrames) ||
          (cursor >= capture.frames.length && expected.msg.startsWith('sockclnt_delete'));
        if (closeNow) this.writes = this.writes.then(() => void socket.end());
      }
    });
  }

  private writes = Promise.resolve();

  /** Writes in order; with chunkSize, pauses between pieces so the client sees them in separate reads. */
  private write(socket: net.Socket, frames: Buffer[], options: ReplayOptions): void {
    const pieces = options.coalesce === false ? frames : [Buffer.concat(frames)];
    this.writes = this.writes.then(async () => {
      for (const piece of pieces) {
        if (!options.chunkSize) {
          socket.write(piece);
          continue;
        }
        for (let off = 0; off < piece.length; off += options.chunkSize) {
          socket.write(piece.subarray(off, off + options.chunkSize));
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    });
  }

  /** Drops every client connection (as a VPP restart would). */
  dropClients(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function rewriteContext(frame: CaptureFrame, contexts: Map<number, number>): Buffer {
  const bytes = Buffer.from(frame.hex, 'hex');
  const { context } = headerOffsets(frame.msg);
  if (context !== undefined) {
    const captured = bytes.readUInt32BE(16 + context);
    const mapped = contexts.get(captured);
    if (mapped !== undefined) bytes.writeUInt32BE(mapped, 16 + context);
  }
  return bytes;
}

/** Puts a decoded value in the captures' `decoded` form: bytes as hex, 64-bit integers as numbers. */
export function toCapturedForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toCapturedForm);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCapturedForm(v)]));
  }
  return value;
}

export interface ScriptedRequest {
  name: string;
  fields: MessageValue;
  payload: Buffer;
}

/** How a scripted server answers: encode by message name (ids from the captured table) or raw bytes. */
export interface ScriptedReplies {
  send(name: string, fields: MessageValue): void;
  sendRaw(frame: Buffer): void;
  close(): void;
}

export type Responder = (request: ScriptedRequest, reply: ScriptedReplies) => void;

/** The captured VPP's codec and message table, for servers that build replies rather than replay them. */
export function capturedVpp(idShift = 0): {
  codec: Codec;
  table: MessageTableEntry[];
  ids: Map<string, number>;
  names: Map<number, string>;
} {
  const codec = new Codec(loadDefinitions(path.join(sharedVppDir(), 'api')));
  const table = codec
    .message('sockclnt_create_reply')
    .decode(framePayload(loadCapture('connect.json').frames[1]!)).message_table as MessageTableEntry[];
  const ids = new Map<string, number>();
  const names = new Map<number, string>();
  const shifted = table.map(({ index, name }) => ({
    index: index === 15 || index === 16 ? index : index + idShift,
    name,
  }));
  for (const { index, name } of shifted) {
    const bare = name.replace(/_[0-9a-f]{8}$/, '');
    ids.set(bare, index);
    names.set(index, bare);
  }
  return { codec, table: shifted, ids, names };
}

/**
 * A VPP stand-in on a unix socket: answers sockclnt_create with the captured message table (so
 * ids are the real ones) and hands every later request to `respond`. VPP's junk `q` is imitated.
 */
export class ScriptedVppServer {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private vpp = capturedVpp();
  readonly received: ScriptedRequest[] = [];

  private constructor(
    readonly socketPath: string,
    private readonly dir: string,
    private readonly respond: Responder,
  ) {}

  static async start(respond: Responder): Promise<ScriptedVppServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vpp-scripted-'));
    const scripted = new ScriptedVppServer(path.join(dir, 'api.sock'), dir, respond);
    await scripted.listen();
    return scripted;
  }

  frame(name: string, fields: MessageValue): Buffer {
    const id = this.vpp.ids.get(name);
    if (id === undefined) throw new Error(`${name} not in the captured message table`);
    const payload = this.vpp.codec.message(name).encode({ ...fields, _vl_msg_id: id });
    const header = Buffer.alloc(16);
    header.write('c0a4043001000000', 0, 'hex');
    header.writeUInt32BE(payload.length, 8);
    return Buffer.concat([header, payload]);
  }

  private async listen(): Promise<void> {
    const server = net.createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(this.socketPath, resolve),
    );
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const replies: ScriptedReplies = {
      send: (name, fields) => void (socket.writable && socket.write(this.frame(name, fields))),
      sendRaw: (frame) => void (socket.writable && socket.write(frame)),
      close: () => socket.destroy(),
    };
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 16 && buffered.length >= 16 + buffered.readUInt32BE(8)) {
        const payload = Buffer.from(buffered.subarray(16, 16 + buffered.readUInt32BE(8)));
        buffered = buffered.subarray(16 + payload.length);
        const name = this.vpp.names.get(payload.readUInt16BE(0));
        if (!name) continue; // VPP drops unknown ids silently
        const fields = this.vpp.codec.message(name).decode(payload);
        if (name === 'sockclnt_create') {
          const table = this.vpp.table;
          replies.send('sockclnt_create_reply', {
            client_index: 0,
            context: fields.context,
            response: 0,
            index: 0x80000001,
            message_table: table,
          });
          continue;
        }
        const request = { name, fields, payload };
        this.received.push(request);
        if (name === 'sockclnt_delete') {
          replies.send('sockclnt_delete_reply', { context: fields.context, response: 1 });
          socket.end();
          continue;
        }
        this.respond(request, replies);
      }
    });
  }

  /** Closes every client connection and stops listening, as a stopped VPP would. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    rmSync(this.socketPath, { force: true });
  }

  /** Listens again on the same path (a restarted VPP); `idShift` moves every message id, as other plugins would. */
  async restart(idShift = 0): Promise<void> {
    if (this.server) await this.stop();
    this.vpp = capturedVpp(idShift);
    await this.listen();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
