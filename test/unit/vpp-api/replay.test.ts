// Replays every capture through the real client: its requests must equal the captured request bytes
// (context and client_index masked) and the replies it decodes must equal the captured fields.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Codec, type MessageValue } from '../../../vpp-api/codec.js';
import { VppConnection } from '../../../vpp-api/connection.js';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import {
  captureNames,
  framePayload,
  loadCapture,
  ReplayServer,
  sharedVppDir,
  toCapturedForm,
  type Capture,
  type CaptureFrame,
} from '../../helpers/vpp-replay.js';

const definitions = loadDefinitions(path.join(sharedVppDir(), 'api'));
const codec = new Codec(definitions);
const nameOf = (msg: string): string => msg.replace(/_[0-9a-f]{8}$/, '');
const HEADER = new Set(['_vl_msg_id', 'client_index', 'context']);
const withoutContext = ({ context: _context, ...rest }: Record<string, unknown>): Record<string, unknown> =>
  rest;

/** The arguments a caller would pass: the captured request decoded, minus the header fields. */
function argsOf(frame: CaptureFrame): MessageValue {
  const decoded = codec.message(nameOf(frame.msg)).decode(framePayload(frame));
  return Object.fromEntries(Object.entries(decoded).filter(([k]) => !HEADER.has(k)));
}

interface Exchange {
  request: CaptureFrame;
  isDump: boolean;
  replies: MessageValue[];
}

/** Drives the client through the capture's requests in order; returns what it decoded, per request frame. */
async function drive(connection: VppConnection, capture: Capture): Promise<Exchange[]> {
  const c2s = capture.frames.filter((f) => f.dir === 'c2s');
  const out: Exchange[] = [];
  for (let i = 1; i < c2s.length; i++) {
    const frame = c2s[i]!;
    const name = nameOf(frame.msg);
    if (name === 'sockclnt_delete') {
      await connection.close();
      continue;
    }
    if (
      nameOf(c2s[i + 1]?.msg ?? '') === 'control_ping' &&
      c2s[i + 1]!.decoded.context === frame.decoded.context &&
      name !== 'control_ping'
    ) {
      out.push({ request: frame, isDump: true, replies: await connection.dump(name, argsOf(frame)) });
      i++;
      continue;
    }
    out.push({
      request: frame,
      isDump: false,
      replies: [await connection.request(name, argsOf(frame), { checkRetval: false })],
    });
  }
  return out;
}

/** What VPP answered to each request in the capture: the s2c frames with its context, events excluded. */
function capturedReplies(
  capture: Capture,
  request: CaptureFrame,
  isDump: boolean,
): Record<string, unknown>[] {
  return capture.frames
    .filter((f) => f.dir === 's2c' && f.decoded.context === request.decoded.context)
    .filter((f) => !(isDump && nameOf(f.msg) === 'control_ping_reply'))
    .map((f) => withoutContext(f.decoded));
}

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(captureNames())('replay of %s', (file) => {
  const capture = loadCapture(file);
  const clientName = capture.frames[0]!.decoded.name as string;

  it.each([
    ['whole frames', {}],
    ['answers split into 997-byte reads', { chunkSize: 997 }],
    ['one write per frame', { coalesce: false }],
  ])('sends the captured requests and decodes the captured replies (%s)', async (_how, options) => {
    server = await ReplayServer.start(capture, options);
    const events: MessageValue[] = [];
    const connection = await VppConnection.connect({
      socketPath: server.socketPath,
      definitions,
      clientName,
      reconnect: false,
    });
    connection.subscribe('sw_interface_event', (event) => events.push(event));
    expect(connection.clientIndex).toBe(0x80000001);

    const exchanges = await drive(connection, capture);
    await connection.close();

    expect(server.mismatches).toEqual([]);
    expect(server.received.map((r) => r.msg)).toEqual(
      capture.frames.filter((f) => f.dir === 'c2s').map((f) => f.msg),
    );
    for (const { request, isDump, replies } of exchanges) {
      expect(replies.map((r) => withoutContext(toCapturedForm(r) as Record<string, unknown>))).toEqual(
        capturedReplies(capture, request, isDump),
      );
    }
    const capturedEvents = capture.frames
      .filter((f) => nameOf(f.msg) === 'sw_interface_event')
      .map((f) => f.decoded);
    expect(events.map(toCapturedForm)).toEqual(capturedEvents);
  });
});
