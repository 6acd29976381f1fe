import { describe, expect, it } from 'vitest';
import { parseCniArgs } from '../../../src/cni/args.js';
import { CniError } from '../../../src/cni/errors.js';

describe('CNI_ARGS parsing', () => {
  it('reads the Kubernetes pod keys', () => {
    const args = parseCniArgs(
      'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod-a;K8S_POD_UID=u-1;K8S_POD_INFRA_CONTAINER_ID=abc',
    );
    expect(args).toMatchObject({
      podNamespace: 'ns',
      podName: 'pod-a',
      podUid: 'u-1',
      infraContainerId: 'abc',
    });
  });

  it('accepts repeated keys as Multus sends them, the last value winning', () => {
    const args = parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=a;K8S_POD_NAME=b');
    expect(args.podName).toBe('b');
  });

  it.each(['1', 'true', 'TRUE'])('ignores unknown keys with IgnoreUnknown=%s', (flag) => {
    expect(parseCniArgs(`IgnoreUnknown=${flag};FOO=bar`).all.FOO).toBe('bar');
  });

  it('rejects unknown keys without IgnoreUnknown, with code 4 naming CNI_ARGS', () => {
    const run = (): unknown => parseCniArgs('FOO=bar');
    expect(run).toThrow(CniError);
    expect(run).toThrow(/CNI_ARGS: unknown key "FOO"/);
    try {
      run();
    } catch (err) {
      expect((err as CniError).code).toBe(4);
    }
  });

  it('rejects unknown keys when IgnoreUnknown is false', () => {
    expect(() => parseCniArgs('IgnoreUnknown=0;FOO=bar')).toThrow(/unknown key/);
  });

  it('rejects a pair without "="', () => {
    expect(() => parseCniArgs('K8S_POD_NAME')).toThrow(/not KEY=VALUE/);
  });

  it('accepts empty and absent CNI_ARGS, and empty values', () => {
    expect(parseCniArgs('').all).toEqual({});
    expect(parseCniArgs(undefined).all).toEqual({});
    expect(parseCniArgs('K8S_POD_NAME=;').podName).toBe('');
  });
});
