/**
 * The SQLite ledger's writer thread, for `frugal serve`: each group-commit batch is hashed, inserted and committed by a
 * worker thread on its own connection (sqlite-ledger-writer.mjs), so that work and the commit's write() calls leave the
 * event loop that serves requests (measured in bench/gateway.ts). The rows are the same as the caller's own connection
 * writes: both run sqlite-append.ts, and the IMMEDIATE transaction keeps one linear chain across connections.
 *
 * If the thread cannot start or dies, the batches in flight fail (their callers see a ledger write error, as they would
 * for a failed commit) and every later batch is written on the caller's connection: slower, never lost.
 */
import { Worker } from "node:worker_threads";
import { type AppendedRow, type AppendFields, commitPending, settleBatch, type SqliteAppender } from "./sqlite-append.ts";
import type { PendingAppend } from "./ledger-rows.ts";
import type { LedgerRow } from "./ledger-types.ts";

export interface LedgerWriter {
  /** Queues a checked entry; its promise settles once its row is committed. */
  append(pending: PendingAppend): void;
  /** Commits what is queued, waits for it, then stops the thread. */
  close(): Promise<void>;
}

export interface LedgerWriterOptions {
  path: string;
  synchronous: "NORMAL" | "FULL";
  busyTimeoutMs: number;
  /** The thread leaves WAL checkpoints to the db's checkpoint worker. */
  noAutocheckpoint: boolean;
  /** Writes on the caller's connection once the thread is gone. */
  fallback: SqliteAppender;
  /** The thread's script; tests substitute one that dies. */
  script?: URL;
  /**
   * Small batches committed on the caller's connection instead, when the thread is idle: at moderate rates a batch is a
   * row or two, and handing it to the thread (a wake-up each way) cost more CPU and latency than the commit itself
   * (bench/notes/gateway.md, fifth pass). `commit` must not wait for a lock: it returns undefined when the db is busy (a
   * CLI, another replica), and the batch then goes to the thread, which waits off the event loop.
   */
  inline?: { maxRows: number; commit(batch: readonly AppendFields[]): AppendedRow[] | undefined };
}

/** rows: JSON of, per entry, [seq, prevHash, hash] for a row the batch inserted, or the stored row. */
type Reply = { rows: string } | { error: string };
type ChainFields = [number, string, string];

function rowsOf(batch: readonly AppendFields[], reply: string): LedgerRow[] {
  const parsed = JSON.parse(reply) as Array<ChainFields | LedgerRow>;
  return parsed.map((r, i) => (Array.isArray(r) ? { seq: r[0], ...batch[i]!, prevHash: r[1], hash: r[2] } : r));
}

/**
 * Group commit, pipelined: one batch at a time is with the thread; the appends made meanwhile wait and go as the next
 * batch when it answers. Under load the batches grow to cover the round trip (few messages, few commits); an append
 * that finds the thread idle goes on the next turn of the event loop, with those of the same turn, and when that batch
 * is small (`inline`) it is committed right there. The two never overlap: the caller's connection commits only while
 * the thread holds no batch, so they do not wait on each other's lock.
 */
export function startLedgerWriter(options: LedgerWriterOptions): LedgerWriter {
  const { path, synchronous, busyTimeoutMs, noAutocheckpoint, fallback, inline } = options;
  let worker: Worker | undefined = new Worker(options.script ?? new URL("./sqlite-ledger-writer.mjs", import.meta.url), { workerData: { path, synchronous, busyTimeoutMs, noAutocheckpoint } });
  let waiting: PendingAppend[] = [];
  let inFlight: PendingAppend[] | undefined;
  let scheduled = false;
  let closing = false;
  let drained: (() => void) | undefined;

  const send = (): void => {
    scheduled = false;
    if (inFlight !== undefined || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    if (worker === undefined) {
      commitPending(fallback, batch);
      return idle();
    }
    if (inline !== undefined && batch.length <= inline.maxRows && settleBatch(batch, inline.commit)) return idle();
    inFlight = batch;
    worker.ref(); // the caller awaits this commit: the process must not exit under it
    worker.postMessage(JSON.stringify(batch.map((p) => p.fields)));
  };
  const idle = (): void => {
    if (waiting.length > 0) return send();
    // Idle, the thread must not keep a process alive.
    worker?.unref();
    drained?.();
  };
  const gone = (why: Error): void => {
    if (worker === undefined) return;
    worker = undefined;
    const lost = inFlight ?? [];
    inFlight = undefined;
    for (const p of lost) p.reject(why);
    if (!closing) process.emitWarning(`frugal: the ledger writer thread stopped (${why.message}); ledger rows are now written on the main thread`);
    idle();
  };

  worker.on("message", (reply: Reply) => {
    const batch = inFlight ?? [];
    inFlight = undefined;
    if ("error" in reply) {
      const error = new Error(reply.error);
      for (const p of batch) p.reject(error);
    } else {
      const rows = rowsOf(batch.map((p) => p.fields), reply.rows);
      batch.forEach((p, i) => p.resolve(rows[i]!));
    }
    idle();
  });
  worker.on("error", (error) => gone(error));
  worker.on("exit", (code) => gone(new Error(`exited with code ${code}`)));
  worker.unref();

  return {
    append(pending) {
      waiting.push(pending);
      if (inFlight === undefined && !scheduled) {
        scheduled = true;
        setImmediate(send);
      }
    },

    async close() {
      closing = true;
      send();
      if (inFlight !== undefined || waiting.length > 0) await new Promise<void>((resolve) => (drained = resolve));
      const running = worker;
      if (running === undefined) return;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.ref(); // until it has exited: the caller awaits that
      running.postMessage("close");
      await exited;
    },
  };
}
