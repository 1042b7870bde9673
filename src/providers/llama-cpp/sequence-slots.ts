/**
 * A fixed set of slots (context sequences) handed out first-come first-served. A local model can only decode as many
 * requests at once as its context has sequences; the rest wait in a FIFO queue instead of failing, and a waiter whose
 * signal aborts leaves the queue at once (rejecting with `cancelled`) without ever holding a slot.
 */
import { FrugalError } from "../../core/errors.ts";

export interface SlotLease<T> {
  readonly slot: T;
  /** Returns the slot to the pool (idempotent). */
  release(): void;
}

export interface SequenceSlots<T> {
  acquire(signal?: AbortSignal): Promise<SlotLease<T>>;
  /** Slots handed out right now. */
  readonly busy: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /** Rejects every waiter with `cancelled`; later acquires reject too. Leased slots stay with their holders. */
  close(reason?: string): void;
}

interface Waiter<T> {
  resolve(lease: SlotLease<T>): void;
  reject(error: FrugalError): void;
  detach(): void;
}

function cancelled(message: string): FrugalError {
  return new FrugalError("cancelled", message);
}

export function createSequenceSlots<T>(slots: readonly T[]): SequenceSlots<T> {
  if (slots.length === 0) throw new FrugalError("internal", "a slot pool needs at least one slot");
  const free = [...slots];
  const queue: Array<Waiter<T>> = [];
  let closedReason: string | undefined;

  function lease(slot: T): SlotLease<T> {
    let released = false;
    return {
      slot,
      release() {
        if (released) return;
        released = true;
        const next = queue.shift();
        if (next === undefined) {
          free.push(slot);
          return;
        }
        next.detach();
        next.resolve(lease(slot));
      },
    };
  }

  return {
    get busy() {
      return slots.length - free.length;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (closedReason !== undefined) return Promise.reject(cancelled(closedReason));
      if (signal?.aborted === true) return Promise.reject(cancelled("the request was cancelled while waiting for a model slot"));
      const slot = free.pop();
      if (slot !== undefined) return Promise.resolve(lease(slot));
      return new Promise<SlotLease<T>>((resolve, reject) => {
        const onAbort = (): void => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          reject(cancelled("the request was cancelled while waiting for a model slot"));
        };
        const waiter: Waiter<T> = {
          resolve,
          reject,
          detach: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
      });
    },
    close(reason = "the model pool was closed") {
      closedReason = reason;
      for (const waiter of queue.splice(0)) {
        waiter.detach();
        waiter.reject(cancelled(reason));
      }
    },
  };
}
