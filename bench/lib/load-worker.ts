/**
 * Child process that drives HTTP load with autocannon, so the load generator does not
 * share an event loop with the server under test. Receives a LoadJob over IPC, runs a
 * warm-up then the measured run, and replies with a LoadResult.
 */
import autocannon, { type Client } from 'autocannon';
import type { LoadJob, WorkerResult } from './load.ts';
import { summarize } from './stats.ts';

type Target = LoadJob['targets'][number];
// Unique across phases (each phase is a new process) and runs.
let seq = Date.now() * 10;

/** The list of requests connection `first` walks, in order. */
function listFor(job: LoadJob, first: number): Target[] {
  if (job.perConnection) return job.perConnection[first % job.perConnection.length]!;
  if (job.rotate) return job.targets.map((_, k) => job.targets[(first * 7 + k) % job.targets.length]!);
  return [job.targets[first % job.targets.length]!];
}

async function runOnce(job: LoadJob, seconds: number, record: Map<string, number[]> | null) {
  let next = 0;
  const lists = new Map<Client, { list: Target[]; at: number }>();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: seconds,
    timeout: 10,
    setupClient: (client: Client) => {
      const list = listFor(job, next++);
      lists.set(client, { list, at: 0 });
      client.setRequests(
        list.map((t) => ({
          method: (t.method ?? 'GET') as 'GET',
          path: t.path,
          headers: t.headers ?? {},
          ...(t.body === undefined
            ? {}
            : {
                setupRequest: (req: { body?: string }) => ({
                  ...req,
                  body: t.body!.replaceAll('{{seq}}', String(++seq)),
                }),
              }),
        })),
      );
    },
  });
  if (record) {
    // No pipelining: each connection's responses come back in the order of its list.
    instance.on('response', (client: Client, status: number, _bytes: number, ms: number) => {
      const walk = lists.get(client);
      const target = walk ? walk.list[walk.at++ % walk.list.length] : undefined;
      if (status < 200 || status >= 300) return;
      record.get('')!.push(ms);
      const name = target?.name;
      if (name) (record.get(name) ?? record.set(name, []).get(name)!).push(ms);
    });
  }
  return instance;
}

process.once('message', async (job: LoadJob) => {
  try {
    if (job.warmupSeconds > 0) await runOnce(job, job.warmupSeconds, null);
    const latencies = new Map<string, number[]>([['', []]]);
    process.send!({ type: 'measuring' });
    const cpu = process.cpuUsage();
    const r = await runOnce(job, job.seconds, latencies);
    const used = process.cpuUsage(cpu);
    const s = summarize(latencies.get('')!);
    const byName = Object.fromEntries(
      [...latencies].filter(([name]) => name !== '').map(([name, ms]) => [name, summarize(ms)]),
    );
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
      byName,
      loadCpuMs: (used.user + used.system) / 1000,
    };
    process.send!({ type: 'result', result }, () => process.exit(0));
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
});
