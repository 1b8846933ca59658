/**
 * Part of the redis-workers example (run it with `npx tsx examples/redis-workers/main.ts`): what the
 * producer writes, what the workers save, and the settings main.ts hands to its child processes.
 */

/** An order as the producer makes it; it goes into the stream as `{ job, body: JSON }`. */
export interface Order {
  customer: string;
  amount: number;
  currency: 'EUR' | 'USD';
}

/** One line of a worker's NDJSON file. */
export interface Saved extends Order {
  job: string;
  /** The entry's id in the stream. */
  entry: string;
  vat: number;
  total: number;
  worker: string;
  /** How many times the entry had been delivered (more than 1 after a crash or a failed window). */
  deliveries: number;
}

/** The settings of a child process, passed in its environment by main.ts. */
export interface Settings {
  redisUrl: string;
  stream: string;
  group: string;
}

export function settings(): Settings {
  const { REDIS_URL, JOBS_STREAM, JOBS_GROUP } = process.env;
  if (!REDIS_URL || !JOBS_STREAM || !JOBS_GROUP) throw new Error('start this through examples/redis-workers/main.ts (REDIS_URL, JOBS_STREAM, JOBS_GROUP are missing)');
  return { redisUrl: REDIS_URL, stream: JOBS_STREAM, group: JOBS_GROUP };
}

/** The job id of the k-th order: what the check at the end looks for in the workers' files. */
export const jobId = (k: number): string => `order-${k}`;

/** What a child process tells main.ts. */
export type Report = { type: 'produced'; written: number } | { type: 'done'; name: string; saved: number; windows: number };

/** Sends a report to main.ts (when started by it) and waits until it is written. */
export function tell(report: Report): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return resolve();
    process.send(report, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}
