/**
 * Child process that drives HTTP load with autocannon, so the load generator does not
 * share an event loop with the server under test. Receives a LoadJob over IPC, runs a
 * warm-up then the measured run, and replies with a LoadResult.
 */
import autocannon, { type Client } from 'autocannon';
import type { LoadJob, WorkerResult } from './load.ts';
import { summarize } from './stats.ts';

async function runOnce(job: LoadJob, seconds: number, record: number[] | null) {
  let next = 0;
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: seconds,
    timeout: 10,
    setupClient: (client: Client) => {
      const first = next++;
      const request = (t: LoadJob['targets'][number]) => ({
        method: 'GET',
        path: t.path,
        headers: t.headers ?? {},
      });
      client.setRequests(
        job.rotate
          ? job.targets.map((_, k) => request(job.targets[(first * 7 + k) % job.targets.length]!))
          : [request(job.targets[first % job.targets.length]!)],
      );
    },
  });
  if (record) {
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) record.push(ms);
    });
  }
  return instance;
}

process.once('message', async (job: LoadJob) => {
  try {
    if (job.warmupSeconds > 0) await runOnce(job, job.warmupSeconds, null);
    const latencies: number[] = [];
    process.send!({ type: 'measuring' });
    const cpu = process.cpuUsage();
    const r = await runOnce(job, job.seconds, latencies);
    const used = process.cpuUsage(cpu);
    const s = summarize(latencies);
    const result: WorkerResult = {
      seconds: r.duration,
      requests: r.requests.total,
      rps: r.requests.total / r.duration,
      ok2xx: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      loadCpuMs: (used.user + used.system) / 1000,
    };
    process.send!({ type: 'result', result }, () => process.exit(0));
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
});
