// Names of the VPP return values seen in practice (vnet/api_errno.h), so errors say more than a number.
const NAMES: Record<number, string> = {
  [-1]: 'UNSPECIFIED',
  [-2]: 'INVALID_SW_IF_INDEX',
  [-3]: 'NO_SUCH_FIB',
  [-6]: 'NO_SUCH_ENTRY',
  [-14]: 'SYSCALL_ERROR_4',
  [-54]: 'INSTANCE_IN_USE',
  [-73]: 'INVALID_ARGUMENT',
  [-81]: 'ENTRY_ALREADY_EXISTS',
  [-89]: 'INVALID_VALUE',
  [-120]: 'BD_ALREADY_EXISTS',
  [-121]: 'BD_IN_USE',
  [-122]: 'BD_NOT_MODIFIABLE',
};

/** `-2 (INVALID_SW_IF_INDEX)`, or the bare number when the name is not known here. */
export function describeRetval(retval: number): string {
  const name = NAMES[retval];
  return name ? `${retval} (${name})` : String(retval);
}
