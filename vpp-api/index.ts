// Public face of vpp-api: the connection, codec and definitions, the generated bindings, and the
// per-feature helpers the VPP backend uses.
export { VppConnection, DEFAULT_API_SOCKET } from './connection.js';
export type {
  ConnectionOptions,
  ConnectionState,
  EventHandler,
  RequestOptions,
  VppLogger,
} from './connection.js';
export { Codec } from './codec.js';
export type { CodecOptions, MessageCodec, MessageValue } from './codec.js';
export { bundledApiDir, bundledDefinitions, loadDefinitions, DEFAULT_VPP_API_DIR } from './definitions.js';
export type { Definitions, MessageDef } from './definitions.js';
export { MessageTable } from './message-table.js';
export type { CompatibilityReport, Incompatibility } from './message-table.js';
export { VppApiError } from './errors.js';
export type { VppApiErrorCode } from './errors.js';
export { describeRetval } from './retval.js';
export * as bindings from './generated/index.js';
export * as memif from './features/memif.js';
export * as vhost from './features/vhost.js';
export * as interfaces from './features/interfaces.js';
export * as l2 from './features/l2.js';
