// Encode/decode cost per message through the compiled codec, measured with a warmed-up loop.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Codec } from '../../vpp-api/codec.js';
import { bundledDefinitions } from '../../vpp-api/definitions.js';
import { measure, type Measurement } from './measure.js';

interface Frame {
  msg: string;
  hex: string;
}

/** The captured frames used as inputs: small, typical and large messages. */
const CASES: [file: string, msg: string][] = [
  ['show-version.json', 'control_ping_5'],
  ['memif-lifecycle.json', 'memif_create_v2_8'],
  ['memif-lifecycle.json', 'memif_details_'],
  ['vhost-lifecycle.json', 'sw_interface_details_'],
  ['l2.json', 'bridge_domain_details_'],
  ['connect.json', 'sockclnt_create_reply_'],
];

export function benchCodec(
  sharedDir: string,
): Record<string, { bytes: number; encode: Measurement; decode: Measurement }> {
  const codec = new Codec(bundledDefinitions());
  const out: Record<string, { bytes: number; encode: Measurement; decode: Measurement }> = {};
  for (const [file, prefix] of CASES) {
    const frames = (
      JSON.parse(readFileSync(path.join(sharedDir, 'vpp/captures', file), 'utf8')) as { frames: Frame[] }
    ).frames;
    const frame = frames.find((f) => f.msg.startsWith(prefix))!;
    const name = frame.msg.replace(/_[0-9a-f]{8}$/, '');
    const payload = Buffer.from(frame.hex, 'hex').subarray(16);
    const message = codec.message(name);
    const value = message.decode(payload);
    // Big messages need fewer iterations per round to keep each round near the same wall time.
    const iterations = Math.max(200, Math.floor(2_000_000 / Math.max(payload.length, 20)));
    out[name] = {
      bytes: payload.length,
      encode: measure(() => message.encode(value), iterations),
      decode: measure(() => message.decode(payload), iterations),
    };
  }
  return out;
}
