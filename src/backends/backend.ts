// The contract every backend (native, vpp, ovs-dpdk, sriov-dpdk) implements, and the step/undo
// runner that makes an attach all-or-nothing.

export type BackendName = 'native' | 'vpp' | 'ovs-dpdk' | 'sriov-dpdk';

/** The host side of a vhost-user port; the pod's app takes the other role. */
export interface VhostUserInterface {
  type: 'vhost-user';
  /** Host-side mode: 'server' = the host creates the socket and the pod's virtio-user connects. */
  mode: 'server' | 'client';
  queues: number;
}

/** The host side of a memif port; the pod's app takes the other role. */
export interface MemifInterface {
  type: 'memif';
  /** Host-side role: 'server' = the host listens and owns the regions' socket. */
  role: 'server' | 'client';
  mode: 'ethernet' | 'ip' | 'punt-inject';
  id: number;
  ringSize: number;
  bufferSize: number;
  queues: number;
  secret?: string;
  /** Abstract socket inside the pod's netns instead of a file in the socket directory. */
  abstract: boolean;
}

/** An SR-IOV VF (or any PCI function) already on a userspace driver. */
export interface PciInterface {
  type: 'pci';
  pciAddress: string;
}

export type InterfaceSpec = VhostUserInterface | MemifInterface | PciInterface;

/** What the attachment is wired to on the host side. */
export type ConnectSpec =
  { kind: 'bridge'; bridge: string } | { kind: 'xconnect'; peer: string } | { kind: 'none' };

export interface SocketOwnership {
  uid?: number;
  gid?: number;
  /** Mode of the per-attachment socket directory, e.g. 0o750. */
  dirMode: number;
}

/** Everything a backend needs to make one attachment. Built and validated by the caller. */
export interface AttachSpec {
  /** Stable attachment id, derived from containerId + ifname; names the backend objects. */
  id: string;
  containerId: string;
  ifname: string;
  netns?: string;
  network: string;
  pod?: { namespace?: string; name?: string; uid?: string };
  iface: InterfaceSpec;
  /** Per-attachment socket directory and socket path (vhost-user, memif). Already length-checked. */
  socketDir?: string;
  socketPath?: string;
  socketOwnership: SocketOwnership;
  mac?: string;
  mtu?: number;
  vlan?: number;
  connect: ConnectSpec;
  /** The backend's own section of the netconf (e.g. vpp.apiSocket, ovs.db), already validated. */
  backendConfig: Record<string, unknown>;
  /** Caller data kept with the record, opaque to backends (e.g. CNI device-info file, IPAM type). */
  meta?: Record<string, unknown>;
}

/** Device Info Spec 1.1.0, described from the pod's side. */
export type DeviceInfo =
  | { type: 'vhost-user'; version: '1.1.0'; 'vhost-user': { mode: 'client' | 'server'; path: string } }
  | {
      type: 'memif';
      version: '1.1.0';
      memif: { role: 'client' | 'server'; mode: 'ethernet' | 'ip' | 'inject-punt'; path: string };
    }
  | { type: 'pci'; version: '1.1.0'; pci: { 'pci-address': string } };

/** One object a backend created, recorded so DEL, reconcile and GC can find it again. */
export interface OwnedObject {
  backend: BackendName;
  /** Backend-specific kind, e.g. 'port', 'memif', 'vhost-user', 'ovs-port', 'vf'. */
  kind: string;
  /** Backend-specific handle: port name, VPP sw_if_index, OVS port UUID, PCI address. */
  ref: string;
  /** Attachment id that owns it, when the backend can tell (tags, external_ids, port names). */
  attachmentId?: string;
}

export interface AttachmentResult {
  socketPath?: string;
  pciId?: string;
  mac?: string;
  mtu?: number;
  deviceInfo: DeviceInfo;
  /** What was created, in creation order. */
  objects: OwnedObject[];
  /** Backend state needed to undo the attachment exactly (e.g. a VF's original settings). */
  restore?: Record<string, unknown>;
}

/** The durable record of one attachment, as written by the state store. */
export interface AttachmentRecord {
  spec: AttachSpec;
  backend: BackendName;
  result: AttachmentResult;
  createdAt: string;
}

export interface BackendStatus {
  ready: boolean;
  message: string;
  details?: Record<string, unknown>;
}

export interface Backend {
  readonly name: BackendName;
  /** Creates the attachment; every step is undone if a later one fails. */
  attach(spec: AttachSpec): Promise<AttachmentResult>;
  /** Removes what the record says was created and restores saved state. Idempotent. */
  detach(record: AttachmentRecord): Promise<void>;
  /** Throws a PktbridgeError when the attachment is not as recorded. */
  check(record: AttachmentRecord): Promise<void>;
  /** Objects this backend owns (for reconcile and GC). */
  list(): Promise<OwnedObject[]>;
  /** Re-creates a recorded attachment after a daemon or peer restart, when objects are gone. */
  restore(record: AttachmentRecord): Promise<void>;
  /** Removes one owned object that no record claims (GC). */
  removeOrphan(object: OwnedObject): Promise<void>;
  status(): Promise<BackendStatus>;
  close(): Promise<void>;
}

/**
 * Collects undo actions as resources are created; on failure runs them in reverse order.
 * Register the undo right after the line that made the resource.
 */
export class Rollback {
  private readonly undos: { what: string; undo: () => Promise<void> | void }[] = [];

  add(what: string, undo: () => Promise<void> | void): void {
    this.undos.push({ what, undo });
  }

  /** Runs every undo in reverse; returns the failures (an undo failing does not stop the others). */
  async run(): Promise<{ what: string; error: unknown }[]> {
    const failures: { what: string; error: unknown }[] = [];
    for (const { what, undo } of this.undos.reverse()) {
      try {
        await undo();
      } catch (error) {
        failures.push({ what, error });
      }
    }
    this.undos.length = 0;
    return failures;
  }
}

/** Runs `steps` with a Rollback; if it throws, the registered undos run and the error is rethrown. */
export async function withRollback<T>(
  steps: (rollback: Rollback) => Promise<T>,
  onUndoFailure?: (failure: { what: string; error: unknown }) => void,
): Promise<T> {
  const rollback = new Rollback();
  try {
    return await steps(rollback);
  } catch (err) {
    for (const failure of await rollback.run()) onUndoFailure?.(failure);
    throw err;
  }
}
