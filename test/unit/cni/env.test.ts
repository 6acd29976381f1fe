import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../../src/cni/env.js';
import { CniError } from '../../../src/cni/errors.js';

const full = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'abc123',
  CNI_NETNS: '/var/run/netns/x',
  CNI_IFNAME: 'net1',
  CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
  CNI_ARGS: '',
  HOME: '/root',
};

function codeAndMessage(env: Record<string, string | undefined>): [number, string] {
  try {
    parseEnv(env);
  } catch (err) {
    if (err instanceof CniError) return [err.code, err.message];
    throw err;
  }
  throw new Error('parseEnv did not fail');
}

describe('CNI environment', () => {
  it('parses a complete ADD environment and keeps only CNI_* variables', () => {
    const env = parseEnv(full);
    expect(env).toMatchObject({ command: 'ADD', containerId: 'abc123', ifname: 'net1' });
    expect(env.path).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
    expect(env.raw.HOME).toBeUndefined();
  });

  it.each([
    ['ADD', 'CNI_CONTAINERID'],
    ['ADD', 'CNI_NETNS'],
    ['ADD', 'CNI_IFNAME'],
    ['ADD', 'CNI_PATH'],
    ['CHECK', 'CNI_NETNS'],
    ['DEL', 'CNI_CONTAINERID'],
    ['DEL', 'CNI_IFNAME'],
    ['GC', 'CNI_PATH'],
    ['STATUS', 'CNI_PATH'],
  ])('%s without %s fails with code 4 naming the variable', (command, variable) => {
    const [code, message] = codeAndMessage({ ...full, CNI_COMMAND: command, [variable]: undefined });
    expect(code).toBe(4);
    expect(message).toContain(variable);
  });

  it('DEL needs no netns', () => {
    expect(parseEnv({ ...full, CNI_COMMAND: 'DEL', CNI_NETNS: '' }).netns).toBe('');
  });

  it('GC and STATUS need no container or interface', () => {
    expect(parseEnv({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }).command).toBe('GC');
    expect(parseEnv({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }).command).toBe('STATUS');
  });

  it('VERSION needs nothing else', () => {
    expect(parseEnv({ CNI_COMMAND: 'VERSION' }).command).toBe('VERSION');
  });

  it.each([
    [{ CNI_COMMAND: undefined }, 'CNI_COMMAND'],
    [{ CNI_COMMAND: 'FROB' }, 'CNI_COMMAND'],
    [{ CNI_CONTAINERID: 'a'.repeat(200) }, 'CNI_CONTAINERID'],
    [{ CNI_CONTAINERID: '-leading-dash' }, 'CNI_CONTAINERID'],
    [{ CNI_CONTAINERID: 'has/slash' }, 'CNI_CONTAINERID'],
    [{ CNI_IFNAME: 'a-very-long-name' }, 'CNI_IFNAME'],
    [{ CNI_IFNAME: 'eth/0' }, 'CNI_IFNAME'],
    [{ CNI_IFNAME: '..' }, 'CNI_IFNAME'],
    [{ CNI_ARGS: 'BOGUS=1' }, 'CNI_ARGS'],
  ])('rejects %j with code 4 naming %s', (override, variable) => {
    const [code, message] = codeAndMessage({ ...full, ...override });
    expect(code).toBe(4);
    expect(message.startsWith(variable)).toBe(true);
  });

  it('accepts a 15-character interface name (IFNAMSIZ - 1)', () => {
    expect(parseEnv({ ...full, CNI_IFNAME: 'a'.repeat(15) }).ifname).toHaveLength(15);
  });
});
