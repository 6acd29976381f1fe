// Every frame of every capture decodes to the fields vpp_papi decoded and re-encodes to the same bytes.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Codec } from '../../../vpp-api/codec.js';
import { loadDefinitions } from '../../../vpp-api/definitions.js';
import {
  captureNames,
  framePayload,
  loadCapture,
  sharedVppDir,
  toCapturedForm,
} from '../../helpers/vpp-replay.js';

const codec = new Codec(loadDefinitions(path.join(sharedVppDir(), 'api')), { strictEnums: true });
const nameOf = (msg: string): string => msg.replace(/_[0-9a-f]{8}$/, '');

describe.each(captureNames())('capture %s', (file) => {
  const capture = loadCapture(file);

  it.each(capture.frames.map((f) => [f.seq, f.msg, f] as const))(
    'frame %i (%s) decodes to the captured fields',
    (_seq, msg, frame) => {
      const decoded = codec.message(nameOf(msg)).decode(framePayload(frame));
      expect(toCapturedForm(decoded)).toEqual(frame.decoded);
    },
  );

  it.each(capture.frames.map((f) => [f.seq, f.msg, f] as const))(
    'frame %i (%s) re-encodes byte-exactly',
    (_seq, msg, frame) => {
      const message = codec.message(nameOf(msg));
      expect(message.encode(message.decode(framePayload(frame))).toString('hex')).toBe(
        framePayload(frame).toString('hex'),
      );
    },
  );

  it('has frame headers with the payload length and a zero gc_mark', () => {
    for (const frame of capture.frames) {
      const bytes = Buffer.from(frame.hex, 'hex');
      expect(bytes.readUInt32BE(8)).toBe(bytes.length - 16);
      expect(bytes.readUInt32BE(12)).toBe(0);
    }
  });
});

describe('codec names the message and field of malformed input', () => {
  it('rejects a truncated frame naming the field that runs past the end', () => {
    const frame = loadCapture('memif-lifecycle.json').frames.find((f) => f.msg.startsWith('memif_details'))!;
    const payload = framePayload(frame);
    expect(() => codec.message('memif_details').decode(payload.subarray(0, 30))).toThrow(
      /memif_details\.\w+: frame truncated/,
    );
  });

  it('rejects a variable array whose length field is larger than the frame', () => {
    const frame = loadCapture('l2.json').frames.find((f) => f.msg.startsWith('bridge_domain_details'))!;
    const payload = Buffer.from(framePayload(frame));
    const nSwIfsOffset = payload.length - 2 * 9 - 4; // n_sw_ifs precedes two 9-byte members
    payload.writeUInt32BE(1000, nSwIfsOffset);
    expect(() => codec.message('bridge_domain_details').decode(payload)).toThrow(
      /bridge_domain_details\.sw_if_details: length field 1000 larger than the frame/,
    );
  });

  it('rejects a variable string whose length is larger than the frame', () => {
    const frame = loadCapture('cli.json').frames.find((f) => f.msg.startsWith('cli_inband_reply'))!;
    const payload = Buffer.from(framePayload(frame));
    payload.writeUInt32BE(0xffff, 10);
    expect(() => codec.message('cli_inband_reply').decode(payload)).toThrow(
      /cli_inband_reply\.reply: string length 65535 larger than the frame/,
    );
  });

  it('rejects an unknown enum value in strict mode and accepts it otherwise', () => {
    const frame = loadCapture('memif-lifecycle.json').frames.find((f) => f.msg.startsWith('memif_details'))!;
    const payload = Buffer.from(framePayload(frame));
    payload.writeUInt32BE(7, 2 + 4 + 4 + 6 + 4); // role
    expect(() => codec.message('memif_details').decode(payload)).toThrow(
      /memif_details\.role: 7 is not a value of enum memif_role/,
    );
    const lenient = new Codec(codec.defs);
    expect(lenient.message('memif_details').decode(payload).role).toBe(7);
  });

  it('rejects out-of-range integers and over-long strings when encoding, naming the field', () => {
    const create = codec.message('memif_create_v2');
    expect(() => create.encode({ ring_size: -1 })).toThrow(
      /memif_create_v2\.ring_size: -1 out of range for u32/,
    );
    expect(() => create.encode({ secret: 'x'.repeat(25) })).toThrow(
      /memif_create_v2\.secret: string longer than 24 bytes/,
    );
    expect(() => create.encode({ role: 9 })).toThrow(
      /memif_create_v2\.role: 9 is not a value of enum memif_role/,
    );
  });

  it('fills field defaults from the definition (socket_id ~0, enable true)', () => {
    const add = codec
      .message('memif_socket_filename_add_del_v2')
      .decode(
        codec.message('memif_socket_filename_add_del_v2').encode({ is_add: true, socket_filename: '/x' }),
      );
    expect(add.socket_id).toBe(0xffffffff);
    expect(
      codec
        .message('sw_interface_set_l2_bridge')
        .decode(codec.message('sw_interface_set_l2_bridge').encode({})).enable,
    ).toBe(true);
  });
});
