// The daemon's attachment service as seen by its callers (CNI commands, gRPC API, device plugin).
// Implemented in src/attachments/ by the daemon; the CNI layer only calls it.
import type { AttachmentRecord, AttachSpec, BackendName, BackendStatus } from '../backends/backend.js';

/** What a caller asks for; the service derives the id and the socket directory and path. */
export interface AttachRequest extends Omit<AttachSpec, 'id' | 'socketDir' | 'socketPath'> {
  backend: BackendName;
  /** Device-plugin slot (Multus `deviceID`) whose directory holds the socket, if any. */
  slot?: string;
  /** A socket directory asked for in the netconf; must lie inside the daemon's socket root. */
  socketDir?: string;
}

export interface AttachmentKey {
  containerId: string;
  ifname: string;
}

export interface AttachmentService {
  /** Fails with ALREADY_EXISTS if the key is attached; writes the record durably before resolving. */
  attach(request: AttachRequest): Promise<AttachmentRecord>;
  /** Idempotent: resolves with the removed record, or undefined when there was none. */
  detach(key: AttachmentKey): Promise<AttachmentRecord | undefined>;
  get(key: AttachmentKey): AttachmentRecord | undefined;
  /** Throws a PktbridgeError (NOT_FOUND, or the backend's finding) when not as recorded. */
  check(key: AttachmentKey): Promise<AttachmentRecord>;
  list(): AttachmentRecord[];
  /** Detaches every record whose key is not in `valid`, restricted to `network` when given. */
  gc(valid: AttachmentKey[], network?: string): Promise<AttachmentRecord[]>;
  status(): Promise<Partial<Record<BackendName, BackendStatus>>>;
}
