import { type ResourceLimits, type Transferable, Worker } from 'node:worker_threads';
import { ExtractionError } from './errors.ts';
import type { JobReply } from './sandbox-worker.ts';

export interface SandboxOptions {
  /** Module the worker threads run; it must call `serveJobs` from sandbox-worker.ts. */
  workerUrl: URL;
  /** Worker threads at most; further jobs queue (the time spent queued is not charged). */
  size: number;
  /** V8 heap caps per thread: an input that needs more ends as `too_large`. */
  resourceLimits: ResourceLimits;
  /** An idle thread is ended after this long, returning its memory. */
  idleMs: number;
  /** A thread is replaced after this many jobs, so a leaking parser cannot grow forever. */
  maxJobsPerWorker: number;
}

interface Task {
  job: unknown;
  transfer: Transferable[];
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  jobs: number;
  task?: Task;
  timer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

/**
 * A small pool of worker threads for parsing hostile files. Each job gets a wall-clock
 * budget; past it the thread is terminated (the only way to stop a synchronous loop in a
 * parser) and replaced on demand. A thread that runs out of heap dies alone: the cell
 * process survives and the job ends as `too_large`. Worker stdout/stderr is discarded so
 * a library's console chatter can never carry document text into our logs.
 */
export class Sandbox {
  private readonly options: SandboxOptions;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: SandboxOptions) {
    this.options = options;
  }

  run<R>(
    job: unknown,
    { timeoutMs, transfer = [] }: { timeoutMs: number; transfer?: Transferable[] },
  ): Promise<R> {
    if (this.closed) return Promise.reject(new Error('sandbox is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, transfer, timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Threads currently alive (for tests and metrics). */
  get threads(): number {
    return this.slots.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('sandbox is closed'));
    await Promise.all([...this.slots].map((slot) => this.retire(slot, new Error('sandbox is closed'))));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((candidate) => !candidate.task);
      if (!slot && this.slots.size < this.options.size) slot = this.spawn();
      if (!slot) return;
      this.assign(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.workerUrl, {
      resourceLimits: this.options.resourceLimits,
      workerData: { quireSandbox: true },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, ready: false, jobs: 0 };
    this.slots.add(slot);
    worker.on('message', (message: JobReply<unknown> | { ready: true }) => this.onMessage(slot, message));
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.fail(slot, new ExtractionError('too_large', 'the file needs more memory than a parse may use'));
      } else if (slot.ready) {
        // Only the parsers run there, and this job's input made one of them throw asynchronously.
        this.fail(slot, new ExtractionError('corrupt', 'the file could not be parsed'));
      } else {
        this.fail(slot, new Error(`sandbox worker failed to start: ${err.message}`));
      }
    });
    worker.on('exit', () => this.fail(slot, new Error('sandbox worker exited unexpectedly')));
    return slot;
  }

  private assign(slot: Slot, task: Task): void {
    clearTimeout(slot.idleTimer);
    slot.task = task;
    slot.jobs++;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      void this.retire(slot, new ExtractionError('timeout', `parsing took longer than ${task.timeoutMs} ms`));
    }, task.timeoutMs);
    slot.worker.postMessage({ id: this.nextId++, job: task.job }, task.transfer);
  }

  private onMessage(slot: Slot, message: JobReply<unknown> | { ready: true }): void {
    if ('ready' in message) {
      slot.ready = true;
      return;
    }
    const task = slot.task;
    if (!task) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (message.ok) task.resolve(message.value);
    else
      task.reject(
        message.code ? new ExtractionError(message.code, message.message) : new Error(message.message),
      );
    if (slot.jobs >= this.options.maxJobsPerWorker) {
      void this.retire(slot);
    } else {
      slot.worker.unref();
      slot.idleTimer = setTimeout(() => void this.retire(slot), this.options.idleMs);
      slot.idleTimer.unref();
    }
    this.pump();
  }

  /** The thread is gone or going: settle its job with `err` and forget it. */
  private fail(slot: Slot, err: Error): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    clearTimeout(slot.idleTimer);
    const task = slot.task;
    slot.task = undefined;
    task?.reject(err);
    if (!this.closed) this.pump();
  }

  private async retire(slot: Slot, err: Error = new Error('sandbox worker retired')): Promise<void> {
    this.fail(slot, err);
    await slot.worker.terminate();
  }
}
