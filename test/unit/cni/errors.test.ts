import { describe, expect, it } from 'vitest';
import { CniError, errorJson, toCniError } from '../../../src/cni/errors.js';
import { invalidArgument, PktbridgeError, type ErrorCode } from '../../../src/errors.js';

describe('error mapping', () => {
  it.each([
    ['INVALID_ARGUMENT', 7],
    ['NOT_FOUND', 100],
    ['ALREADY_EXISTS', 101],
    ['FAILED_PRECONDITION', 102],
    ['UNAVAILABLE', 11],
    ['INCOMPATIBLE', 103],
    ['TIMEOUT', 11],
    ['INTERNAL', 999],
  ] as const)('maps %s to CNI code %i', (code: ErrorCode, cniCode) => {
    expect(toCniError(new PktbridgeError(code, 'x')).code).toBe(cniCode);
  });

  it('maps INVALID_ARGUMENT about a CNI_* variable to code 4', () => {
    const err = toCniError(invalidArgument('CNI_IFNAME', 'too long'));
    expect(err.code).toBe(4);
    expect(err.details).toBe('CNI_IFNAME');
  });

  it('keeps a CniError as is and wraps anything else as 999', () => {
    const original = new CniError(11, 'later');
    expect(toCniError(original)).toBe(original);
    expect(toCniError(new Error('boom'))).toMatchObject({ code: 999, message: 'boom' });
  });

  it('renders the spec error object', () => {
    expect(errorJson(new CniError(7, 'name: missing', 'name'), '0.4.0')).toEqual({
      cniVersion: '0.4.0',
      code: 7,
      msg: 'name: missing',
      details: 'name',
    });
    expect(errorJson(new CniError(11, 'later'), '1.0.0')).not.toHaveProperty('details');
  });
});
