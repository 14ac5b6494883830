import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineCpuMs, processesCpuMs } from './stats.ts';

export interface LoadTarget {
  path: string;
  headers?: Record<string, string>;
  /** GET by default. */
  method?: string;
  /** Sent as is, `{{seq}}` replaced by a number unique in the run (names that must not collide). */
  body?: string;
  /** Latencies are also reported per name (an operation of a mix). */
  name?: string;
}

export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Connection i sends GET targets[i % targets.length], over and over… */
  targets: LoadTarget[];
  /** …or, with rotate, walks all of them in turn from its own starting point (a query mix)… */
  rotate?: boolean;
  /** …or connection i walks perConnection[i % length] in turn (its own documents, say). */
  perConnection?: LoadTarget[][];
  /** Count Postgres CPU of this database's backends only (others may share the server). */
  postgresDatabase?: string;
}

export interface WorkerResult {
  seconds: number;
  requests: number;
  rps: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Milliseconds, exact (from every 2xx response), not autocannon's integer-ms histogram. */
  p50: number;
  p99: number;
  max: number;
  /** By target name, from every 2xx response: count and latency percentiles (ms). */
  byName: Record<string, { n: number; p50: number; p99: number; max: number }>;
  /** CPU time the load generator itself used during the measured run. */
  loadCpuMs: number;
}

export interface LoadResult extends WorkerResult {
  /** CPU time of this (the server's) process during the measured run: main thread and libuv pool. */
  serverCpuMs: number;
  /** CPU time of the Postgres server and its backends during the measured run. */
  postgresCpuMs: number;
  /** CPU time of the whole machine during the measured run (server, load generator, Postgres, …). */
  machineBusyMs: number;
  machineTotalMs: number;
}

type WorkerMessage = { type: 'measuring' } | { type: 'result'; result: WorkerResult };

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/**
 * Runs one autocannon job in a child process (its own event loop, free to use the other
 * core), and accounts CPU time over the measured run only (not the warm-up).
 */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    let cpu = process.cpuUsage();
    let machine = machineCpuMs();
    const pgCpu = () => processesCpuMs('postgres', job.postgresDatabase);
    let postgres = pgCpu();
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'measuring') {
        cpu = process.cpuUsage();
        machine = machineCpuMs();
        postgres = pgCpu();
        return;
      }
      const used = process.cpuUsage(cpu);
      const now = machineCpuMs();
      result = {
        ...m.result,
        serverCpuMs: (used.user + used.system) / 1000,
        postgresCpuMs: pgCpu() - postgres,
        machineBusyMs: now.busy - machine.busy,
        machineTotalMs: now.total - machine.total,
      };
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load worker exited with ${code} and no result`)),
    );
    child.send(job);
  });
}
