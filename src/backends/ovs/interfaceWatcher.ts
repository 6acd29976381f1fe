// Keeps the Interface table's ofport / link_state / error in memory through an OVSDB monitor, so an
// attach can wait for ovs-vswitchd's verdict on a new port without polling.
import { PktbridgeError } from '../../errors.js';
import { OPEN_VSWITCH_DB, type OvsdbClient, type TableUpdates } from './ovsdbClient.js';
import { optional, type Row } from './ovsdbDatum.js';

export interface InterfaceState {
  uuid: string;
  name: string;
  /** Assigned by ovs-vswitchd; -1 when it could not open the interface; undefined until it tried. */
  ofport?: number;
  linkState?: string;
  error?: string;
}

function toState(uuid: string, row: Row): InterfaceState {
  return {
    uuid,
    name: String(row['name']),
    ofport: optional<number>(row['ofport']),
    linkState: optional<string>(row['link_state']),
    error: optional<string>(row['error']),
  };
}

export class InterfaceWatcher {
  private readonly byUuid = new Map<string, InterfaceState>();
  private readonly listeners = new Set<() => void>();

  private constructor() {}

  static async start(client: OvsdbClient): Promise<InterfaceWatcher> {
    const watcher = new InterfaceWatcher();
    await client.monitor(
      OPEN_VSWITCH_DB,
      { Interface: { columns: ['name', 'ofport', 'link_state', 'error'] } },
      (updates, initial) => watcher.apply(updates, initial),
    );
    return watcher;
  }

  get(name: string): InterfaceState | undefined {
    for (const state of this.byUuid.values()) if (state.name === name) return state;
    return undefined;
  }

  /**
   * Resolves once ovs-vswitchd has given `name` an ofport with no error; rejects with OVS's own error
   * text if it refused the interface, or TIMEOUT if it did not answer (ovs-vswitchd down or stuck).
   */
  waitUntilReady(name: string, timeoutMs: number): Promise<InterfaceState> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const state = this.get(name);
        if (state?.error !== undefined) {
          finish();
          reject(
            new PktbridgeError(
              'FAILED_PRECONDITION',
              `ovs-vswitchd refused interface ${name}: ${state.error}`,
              {
                ovsError: state.error,
              },
            ),
          );
          return true;
        }
        if (state?.ofport !== undefined && state.ofport > 0) {
          finish();
          resolve(state);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        const state = this.get(name);
        reject(
          new PktbridgeError(
            'TIMEOUT',
            `ovs-vswitchd did not configure interface ${name} within ${timeoutMs} ms` +
              ` (ofport ${state?.ofport ?? 'unassigned'}; is ovs-vswitchd running?)`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void check();
      if (!check()) this.listeners.add(listener);
    });
  }

  private apply(updates: TableUpdates, initial: boolean): void {
    if (initial) this.byUuid.clear();
    for (const [uuid, change] of Object.entries(updates['Interface'] ?? {})) {
      if (change.new) this.byUuid.set(uuid, toState(uuid, change.new));
      else this.byUuid.delete(uuid);
    }
    for (const listener of [...this.listeners]) listener();
  }
}
