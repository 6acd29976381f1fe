// Requests in flight, keyed by context: reply matching, dump accumulation until control_ping_reply,
// per-request timeouts; and the window that bounds how many requests are outstanding at once.
import type { MessageValue } from './codec.js';
import { VppApiError } from './errors.js';

export interface Pending {
  request: string;
  replyName: string;
  isDump: boolean;
  items: MessageValue[];
  resolve(items: MessageValue[]): void;
  reject(error: VppApiError): void;
  timer: NodeJS.Timeout;
}

export class PendingRequests {
  private readonly byContext = new Map<number, Pending>();

  get size(): number {
    return this.byContext.size;
  }

  has(context: number): boolean {
    return this.byContext.has(context);
  }

  /** Registers a request; the promise settles with its reply (one item) or its details. */
  add(
    context: number,
    request: string,
    replyName: string,
    isDump: boolean,
    timeoutMs: number,
  ): Promise<MessageValue[]> {
    return new Promise<MessageValue[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        const received = isDump
          ? ` (${this.byContext.get(context)?.items.length ?? 0} details received)`
          : '';
        this.fail(
          context,
          new VppApiError(
            'TIMEOUT',
            `${request}: no ${isDump ? 'control_ping_reply' : replyName} within ${timeoutMs} ms (context ${context})${received}; ` +
              'VPP drops requests with an unknown id or client index without a reply',
            { message: request, context, timeoutMs },
          ),
        );
      }, timeoutMs);
      this.byContext.set(context, { request, replyName, isDump, items: [], resolve, reject, timer });
    });
  }

  /** Hands a decoded reply/detail to its request; false when nobody waits for it. */
  deliver(context: number, name: string, message: MessageValue): boolean {
    const pending = this.byContext.get(context);
    if (!pending) return false;
    if (pending.isDump && name === pending.replyName) {
      pending.items.push(message);
      return true;
    }
    const done = pending.isDump ? name === 'control_ping_reply' : name === pending.replyName;
    if (!done) return false;
    this.byContext.delete(context);
    clearTimeout(pending.timer);
    pending.resolve(pending.isDump ? pending.items : [message]);
    return true;
  }

  fail(context: number, error: VppApiError): void {
    const pending = this.byContext.get(context);
    if (!pending) return;
    this.byContext.delete(context);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  /** Fails every request, naming what each was waiting for (e.g. a dump cut off by a close). */
  rejectAll(reason: VppApiError): void {
    for (const [context, pending] of [...this.byContext]) {
      const partial = pending.isDump ? ` after ${pending.items.length} details` : '';
      this.fail(
        context,
        new VppApiError(
          reason.code,
          `${pending.request}: ${reason.message}${partial}`,
          { message: pending.request, context },
          { cause: reason },
        ),
      );
    }
  }
}

/** A counting semaphore: at most `limit` requests in flight; the rest wait their turn in order. */
export class RequestSlots {
  private inUse = 0;
  // A FIFO with a head index: Array.shift is O(n) and thousands of waiters are normal when pipelining.
  private waiters: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  get outstanding(): number {
    return this.inUse;
  }

  async acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Passes the slot straight to the next waiter, so inUse never exceeds the limit. */
  release(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.head);
        this.head = 0;
      }
      next();
    } else {
      this.inUse--;
    }
  }
}
