import { resolve } from 'node:path';
import { ConsoleChannel } from '../../functions/core/delivery/channels/console/index.js';
import { LocalObjectStore } from '../../functions/core/adapters/local-object-store.js';
import { S3ObjectStore } from '../../functions/core/adapters/s3-object-store.js';
import type { Config } from '../../functions/core/config/schema.js';
import { ConfigError } from '../../functions/core/errors.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import type { JobContext } from '../../functions/core/run/run-job.js';

/**
 * --local: the store is a directory (or an S3-compatible endpoint when S3_ENDPOINT and
 * AUTOPILOT_BUCKET are set) and notifications are printed to stderr instead of published.
 */
export function localStore(storeDir: string): ObjectStore {
  if (process.env.S3_ENDPOINT) {
    const bucket = process.env.AUTOPILOT_BUCKET;
    if (!bucket) throw new ConfigError('AUTOPILOT_BUCKET: required with S3_ENDPOINT (the bucket to use on that endpoint)');
    return new S3ObjectStore(bucket);
  }
  return new LocalObjectStore(resolve(storeDir));
}

export function localContext(config: Config, storeDir: string): JobContext {
  return { config, store: localStore(storeDir), notifier: new ConsoleChannel(process.stderr) };
}
