/**
 * The status page's generation as the health function runs it, bundled like the function (esbuild, one minified
 * ESM file), in a process of its own: reads a store (a directory, or an S3 endpoint) and renders the page REPEAT
 * times; or, with `naive`, reads every day document of a layout without roll-ups (the baseline).
 *   node worker.mjs <input.json>   -> one JSON line on stdout
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LocalObjectStore } from '../../functions/core/adapters/local/local-object-store.js';
import { createS3Client } from '../../functions/core/adapters/s3/s3-client.js';
import { S3ObjectStore } from '../../functions/core/adapters/s3/s3-object-store.js';
import type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../../functions/core/ports/object-store.js';
import { validateConfig } from '../../functions/kinds/config.js';
import { generateStatusPages } from '../../functions/status-page/generate.js';

export interface StatusWorkerInput {
  readonly store: { readonly dir: string } | { readonly endpoint: string; readonly bucket: string };
  readonly config: unknown;
  readonly now: string;
  readonly repeat: number;
  /** Read every object under this prefix instead (the baseline layout), timing the reads alone. */
  readonly naivePrefix?: string;
}

export interface StatusWorkerResult {
  readonly timesMs: number[];
  /** CPU time of each repeat (user + system): what a loaded machine does not inflate the way it does wall time. */
  readonly cpuMs: number[];
  readonly bytes: number;
  readonly gets: number;
  readonly lists: number;
  readonly problems: number;
  readonly maxRssMb: number;
}

/** Counts the requests a generation makes. */
class Counting {
  gets = 0;
  lists = 0;
  constructor(private readonly inner: ObjectStore) {}
  wrap(): ObjectStore {
    const self = this;
    const inner = this.inner;
    return {
      location: inner.location,
      get(key: string): Promise<StoredObject | undefined> {
        self.gets++;
        return inner.get(key);
      },
      list(prefix: string): Promise<ObjectInfo[]> {
        self.lists++;
        return inner.list(prefix);
      },
      put: (key: string, body: string | Buffer, options?: PutOptions) => inner.put(key, body, options),
      delete: (key: string) => inner.delete(key),
      putStream: (key, body, options) => inner.putStream(key, body, options),
      getStream: (key) => inner.getStream(key),
      head: (key) => inner.head(key),
      previousVersions: inner.previousVersions?.bind(inner),
    };
  }
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as StatusWorkerInput;
const base: ObjectStore =
  'dir' in input.store
    ? new LocalObjectStore(input.store.dir)
    : new S3ObjectStore(input.store.bucket, createS3Client(input.store.endpoint));
const config = validateConfig(input.config);
const timesMs: number[] = [];
const cpuMs: number[] = [];
let bytes = 0;
let counted = new Counting(base);
let problems = 0;
for (let i = 0; i < input.repeat; i++) {
  counted = new Counting(base);
  const store = counted.wrap();
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (input.naivePrefix) {
    const keys = await store.list(input.naivePrefix);
    // Eight at a time, as a reader of many objects would.
    for (let k = 0; k < keys.length; k += 8) {
      const bodies = await Promise.all(keys.slice(k, k + 8).map((o) => store.get(o.key)));
      for (const body of bodies) JSON.parse(body!.body.toString('utf8'));
    }
  } else {
    const pages = await generateStatusPages(store, config, new Date(input.now));
    bytes = Buffer.byteLength(pages.private);
    problems = pages.inputs.problems.length;
  }
  timesMs.push(performance.now() - started);
  const used = process.cpuUsage(cpu);
  cpuMs.push((used.user + used.system) / 1000);
}
const result: StatusWorkerResult = {
  timesMs,
  cpuMs,
  bytes,
  gets: counted.gets,
  lists: counted.lists,
  problems,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
