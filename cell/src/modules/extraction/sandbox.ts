import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ExtractionError } from './errors.ts';
import type { JobReply } from './sandbox-child.ts';

export interface SandboxOptions {
  /** Module the child processes run; it must call `serveJobs` from sandbox-child.ts. */
  module: URL;
  /** Child processes at most; further jobs queue (time spent queued is not charged). */
  size: number;
  /** V8 heap of each child (`--max-old-space-size`), MiB. */
  maxHeapMb: number;
  /** Resident memory a busy child may reach (heap plus buffers and native memory), MiB; Linux only. */
  maxRssMb: number;
  /** An idle child is ended after this long, returning its memory. */
  idleMs: number;
  /** A child is replaced after this many jobs, so a leaking parser cannot grow forever. */
  maxJobsPerChild: number;
}

interface Task {
  job: unknown;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  jobs: number;
  task?: Task;
  /** Why we killed it, so its exit is reported as that and not as a crash. */
  killedFor?: Error;
  timer?: NodeJS.Timeout;
  watchdog?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
}

const RSS_POLL_MS = 100;

/**
 * A small pool of child processes that parse hostile files. A process, not a worker thread:
 * V8 can abort the whole process when a worker thread hits its heap limit with some
 * allocation patterns (nodejs/node#47224: one big array, push in a loop — what parsers do),
 * while a child that runs out of heap dies alone. Each job gets a wall-clock budget; past
 * it the child is SIGKILLed (which also stops native code) and replaced on demand. A
 * watchdog polls a busy child's resident memory, which the V8 heap cap does not cover
 * (ArrayBuffers, native allocations). Children get a minimal environment (none of the
 * cell's secrets), no stdin/stdout/stderr (a library's console output never reaches our
 * logs), and no string-to-code compilation.
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

  run<R>(job: unknown, { timeoutMs }: { timeoutMs: number }): Promise<R> {
    if (this.closed) return Promise.reject(new Error('sandbox is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Child processes currently alive (for tests and metrics). */
  get processes(): number {
    return this.slots.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('sandbox is closed'));
    await Promise.all([...this.slots].map((slot) => this.kill(slot, new Error('sandbox is closed'))));
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
    const child = fork(fileURLToPath(this.options.module), [], {
      execArgv: [`--max-old-space-size=${this.options.maxHeapMb}`, '--disallow-code-generation-from-strings'],
      env: { QUIRE_SANDBOX_CHILD: '1', PATH: process.env.PATH ?? '', TZ: 'UTC', LANG: 'C.UTF-8' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    const slot: Slot = { child, ready: false, jobs: 0 };
    this.slots.add(slot);
    child.on('message', (message: JobReply<unknown> | { ready: true }) => this.onMessage(slot, message));
    child.on('error', (err) => this.settle(slot, new Error(`sandbox child failed: ${err.message}`)));
    child.on('exit', (_code, signal) => this.settle(slot, this.exitError(slot, signal)));
    return slot;
  }

  private exitError(slot: Slot, signal: NodeJS.Signals | null): Error {
    if (slot.killedFor) return slot.killedFor;
    if (!slot.ready) return new Error('sandbox child failed to start');
    // V8 aborts the process when the heap cap is reached.
    if (signal === 'SIGABRT')
      return new ExtractionError('too_large', 'the file needs more memory than a parse may use');
    // Only the parsers run there, so a crash while busy came from this job's input;
    // an outside SIGKILL (the OS's OOM killer, an operator) is not the document's fault.
    if (slot.task && signal !== 'SIGKILL')
      return new ExtractionError('corrupt', 'the file crashed its parser');
    return new Error(`sandbox child exited (${signal ?? 'no signal'})`);
  }

  private assign(slot: Slot, task: Task): void {
    clearTimeout(slot.idleTimer);
    slot.task = task;
    slot.jobs++;
    slot.child.ref();
    slot.child.channel?.ref();
    slot.timer = setTimeout(() => {
      void this.kill(slot, new ExtractionError('timeout', `parsing took longer than ${task.timeoutMs} ms`));
    }, task.timeoutMs);
    slot.watchdog = setInterval(() => void this.checkMemory(slot), RSS_POLL_MS);
    slot.child.send({ id: this.nextId++, job: task.job });
  }

  private async checkMemory(slot: Slot): Promise<void> {
    const rssMb = await residentMb(slot.child.pid);
    if (rssMb !== undefined && rssMb > this.options.maxRssMb && slot.task) {
      await this.kill(
        slot,
        new ExtractionError('too_large', 'the file needs more memory than a parse may use'),
      );
    }
  }

  private onMessage(slot: Slot, message: JobReply<unknown> | { ready: true }): void {
    if ('ready' in message) {
      slot.ready = true;
      return;
    }
    const task = slot.task;
    if (!task || slot.killedFor) return;
    this.stopClocks(slot);
    slot.task = undefined;
    if (message.ok) task.resolve(message.value);
    else
      task.reject(
        message.code ? new ExtractionError(message.code, message.message) : new Error(message.message),
      );
    if (slot.jobs >= this.options.maxJobsPerChild) {
      void this.kill(slot, new Error('sandbox child retired'));
    } else {
      slot.child.unref();
      slot.child.channel?.unref();
      slot.idleTimer = setTimeout(
        () => void this.kill(slot, new Error('sandbox child idle')),
        this.options.idleMs,
      );
      slot.idleTimer.unref();
    }
    this.pump();
  }

  private stopClocks(slot: Slot): void {
    clearTimeout(slot.timer);
    clearInterval(slot.watchdog);
  }

  /** The child is gone or going: settle its job with `err`, forget it, start queued work elsewhere. */
  private settle(slot: Slot, err: Error): void {
    if (!this.slots.delete(slot)) return;
    this.stopClocks(slot);
    clearTimeout(slot.idleTimer);
    const task = slot.task;
    slot.task = undefined;
    task?.reject(err);
    if (!this.closed) this.pump();
  }

  private async kill(slot: Slot, reason: Error): Promise<void> {
    slot.killedFor ??= reason;
    const exited = new Promise<void>((resolve) => {
      if (slot.child.exitCode !== null || slot.child.signalCode !== null) resolve();
      else slot.child.once('exit', () => resolve());
    });
    this.settle(slot, reason);
    slot.child.ref(); // an idle child is unref'd: hold the loop until its exit is seen
    slot.child.kill('SIGKILL');
    await exited;
  }
}

/** Resident set size of a process in MiB, from /proc (Linux); undefined where unavailable. */
async function residentMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
