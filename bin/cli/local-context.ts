import { type Stats, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { localChannels } from '../../functions/core/delivery/registry.js';
import { LocalObjectStore } from '../../functions/core/adapters/local/local-object-store.js';
import { ConfigError } from '../../functions/core/errors.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import type { JobContext } from '../../functions/core/run/run-job.js';
import { CLI_ENV } from '../../functions/core/layout.js';
import type { Config } from '../../functions/kinds/config.js';

/**
 * --local: the store is a directory (or an S3-compatible endpoint when S3_ENDPOINT and
 * AUTOPILOT_BUCKET are set) and notifications are printed to stderr instead of published.
 */
export async function localStore(storeDir: string): Promise<ObjectStore> {
  if (process.env[CLI_ENV.s3Endpoint]) {
    const bucket = process.env[CLI_ENV.bucket];
    if (!bucket) throw new ConfigError(`${CLI_ENV.bucket}: required with ${CLI_ENV.s3Endpoint} (the bucket to use on that endpoint)`);
    // The S3 client is loaded only for an S3 store: it is most of a local run's start-up otherwise.
    const { S3ObjectStore } = await import('../../functions/core/adapters/s3/s3-object-store.js');
    return new S3ObjectStore(bucket);
  }
  let info: Stats | undefined;
  try {
    info = statSync(storeDir);
  } catch {
    // Absent: created on first write. Other faults surface there, with the key being written.
  }
  if (info && !info.isDirectory()) throw new ConfigError(`--store ${storeDir}: not a directory`);
  return new LocalObjectStore(resolve(storeDir), { onWarning: (text) => void process.stderr.write(`autopilot: ${text}\n`) });
}

export async function localContext(config: Config, storeDir: string): Promise<JobContext> {
  return { config, store: await localStore(storeDir), notifier: localChannels(process.stderr) };
}
