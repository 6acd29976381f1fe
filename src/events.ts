// In-process event bus: engine link events and attachment lifecycle, fanned out to API watchers.
import { EventEmitter } from 'node:events';

export interface DaemonEvent {
  type:
    | 'link-up'
    | 'link-down'
    | 'peer-connected'
    | 'peer-disconnected'
    | 'attached'
    | 'detached'
    | 'restored'
    | 'restore-failed';
  /** Port name for engine events. */
  port?: string;
  attachmentId?: string;
  message?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Each API watcher subscribes once; the default cap of 10 is too low for a busy node.
    this.emitter.setMaxListeners(0);
  }

  publish(event: DaemonEvent): void {
    this.emitter.emit('event', event);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (event: DaemonEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
