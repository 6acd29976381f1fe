// Command-line parsing and presets of the bench.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../bench/main.js';
import { QUICK_PRESET, resolveBenchOptions } from '../../../bench/options.js';

describe('bench options', () => {
  it('parses path and size lists, durations and the output directory', () => {
    const input = parseBenchArgs([
      '--paths',
      'native-memif,kernel-veth',
      '--sizes',
      '64,IMIX',
      '--duration',
      '5',
      '--out',
      '/tmp/x',
    ]);
    expect(input).toMatchObject({
      paths: ['native-memif', 'kernel-veth'],
      sizes: [64, 'imix'],
      durationS: 5,
      outDir: '/tmp/x',
    });
  });

  it('rejects unknown paths and frame sizes outside 64..1518', () => {
    expect(() => parseBenchArgs(['--paths', 'dpdk-magic'])).toThrow();
    expect(() => parseBenchArgs(['--sizes', '9000'])).toThrow();
  });

  it('fills --quick runs from the preset but keeps what the caller set', () => {
    const options = resolveBenchOptions({ quick: true, paths: ['testpmd-memif'] });
    expect(options.paths).toEqual(['testpmd-memif']);
    expect(options.sizes).toEqual(QUICK_PRESET.sizes);
    expect(options.durationS).toBe(QUICK_PRESET.durationS);
    expect(options.rounds).toBe(1);
  });

  it('derives the first-phase and latency durations from the final duration', () => {
    const options = resolveBenchOptions({ durationS: 10 });
    expect(options.initialDurationS).toBe(1);
    expect(options.latencyDurationS).toBe(5);
    expect(options.rounds).toBe(3);
  });

  it('refuses to put the generator and the DUT on the same CPU', () => {
    expect(() => resolveBenchOptions({ generatorCpu: 1, dutCpu: 1 })).toThrow(/differ/);
  });
});
