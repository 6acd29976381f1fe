// VPP API socket framing over a unix stream socket: a 16-byte header (u64 q, u32 big-endian payload
// length, u32 gc_mark) before each payload; frames are reassembled across reads and split when coalesced.
import net from 'node:net';
import { once } from 'node:events';
import { VppApiError } from './errors.js';

export const FRAME_HEADER_SIZE = 16;
/** sockclnt_create_reply is ~56 KB with 850 messages; allow far more plugins, refuse absurd lengths. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

export interface TransportHandlers {
  onFrame(payload: Buffer): void;
  /** Called once when the socket is gone; `error` is set when it did not close cleanly. */
  onClose(error?: VppApiError): void;
}

export interface TransportOptions {
  connectTimeoutMs?: number;
  maxFrameSize?: number;
}

/** Builds the 16-byte header of a client frame: q = 0, length, gc_mark = 0. */
export function frameHeader(payloadLength: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUInt32BE(payloadLength, 8);
  return header;
}

/** Splits a byte stream into frame payloads, keeping partial frames until their last byte arrives. */
export class FrameReassembler {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private wanted = FRAME_HEADER_SIZE;

  constructor(
    private readonly onFrame: (payload: Buffer) => void,
    private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
  ) {}

  /** Feeds bytes from one read; throws a DECODE error on a frame longer than the limit. */
  push(chunk: Buffer): void {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.wanted) return;
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let off = 0;
    while (data.length - off >= FRAME_HEADER_SIZE) {
      const length = data.readUInt32BE(off + 8);
      if (length > this.maxFrameSize) {
        throw new VppApiError(
          'DECODE',
          `frame length ${length} exceeds the limit of ${this.maxFrameSize} bytes`,
          { length },
        );
      }
      if (data.length - off < FRAME_HEADER_SIZE + length) break;
      const start = off + FRAME_HEADER_SIZE;
      off = start + length;
      this.onFrame(data.subarray(start, off));
    }
    if (off < data.length) {
      const rest = data.subarray(off);
      this.pending = [rest];
      this.pendingBytes = rest.length;
      this.wanted =
        rest.length >= FRAME_HEADER_SIZE ? FRAME_HEADER_SIZE + rest.readUInt32BE(8) : FRAME_HEADER_SIZE;
    }
  }

  /** Bytes of an incomplete frame still held (non-zero when the peer closed mid-frame). */
  get buffered(): number {
    return this.pendingBytes;
  }
}

export class SocketTransport {
  private drained: Promise<void> | undefined;
  private corked = false;
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    handlers: TransportHandlers,
    maxFrameSize: number,
  ) {
    const reassembler = new FrameReassembler(handlers.onFrame, maxFrameSize);
    let failure: VppApiError | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        reassembler.push(chunk);
      } catch (err) {
        failure =
          err instanceof VppApiError
            ? err
            : new VppApiError('DECODE', String(err), undefined, { cause: err });
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      failure ??= new VppApiError('CLOSED', `API socket error: ${err.message}`, undefined, { cause: err });
    });
    socket.on('close', () => {
      this.closed = true;
      if (!failure && reassembler.buffered > 0) {
        failure = new VppApiError(
          'CLOSED',
          `API socket closed in the middle of a frame (${reassembler.buffered} bytes pending)`,
        );
      }
      handlers.onClose(failure);
    });
  }

  /** Connects to VPP's API socket; rejects with CLOSED when nothing listens, TIMEOUT when it hangs. */
  static async connect(
    socketPath: string,
    handlers: TransportHandlers,
    options: TransportOptions = {},
  ): Promise<SocketTransport> {
    const socket = net.createConnection({ path: socketPath });
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    const timer = setTimeout(
      () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await once(socket, 'connect');
    } catch (err) {
      socket.destroy();
      const code = (err as Error).message.startsWith('no connection') ? 'TIMEOUT' : 'CLOSED';
      throw new VppApiError(
        code,
        `cannot connect to VPP API socket ${socketPath}: ${(err as Error).message}`,
        { socketPath },
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
    return new SocketTransport(socket, handlers, options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one payload as a frame; resolves once the socket can take more (back-pressure: waits for 'drain'). */
  async send(payload: Buffer): Promise<void> {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
    payload.copy(frame, FRAME_HEADER_SIZE);
    await this.sendFrame(frame);
  }

  /** Sends a frame whose first 16 bytes are reserved for the header (MessageCodec.encode(v, 16)). */
  async sendFrame(frame: Buffer): Promise<void> {
    if (this.drained) await this.drained;
    if (this.closed) throw new VppApiError('CLOSED', 'API socket is closed');
    frame.fill(0, 0, FRAME_HEADER_SIZE);
    frame.writeUInt32BE(frame.length - FRAME_HEADER_SIZE, 8);
    // Frames sent in the same tick leave in one writev: corked now, uncorked on the next tick.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    const flowing = this.socket.write(frame);
    if (!flowing && !this.drained) {
      this.drained = new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          this.drained = undefined;
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  /** Ends the socket gracefully; resolves when it is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    const closed = once(this.socket, 'close');
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    await closed;
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
