import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config/schema.js';
import { S3ObjectStore } from '../adapters/s3-object-store.js';
import { deployedChannels } from '../delivery/registry.js';
import { awsSecrets } from '../adapters/aws-secrets.js';
import type { Job } from '../domain/report.js';
import type { JobContext } from './run-job.js';
import { readBucketName } from './environment.js';

let logger: Logger | undefined;

/** The singleton Powertools logger of a function, named after its job. */
export function jobLogger(job: Job): Logger {
  logger ??= new Logger({ serviceName: `autopilot-${job}` });
  return logger;
}

/** Wires a deployed function's adapters from the environment the stack sets. */
export function awsContext(config: Config, job: Job, env: NodeJS.ProcessEnv = process.env) {
  const context: JobContext = {
    config,
    store: new S3ObjectStore(readBucketName(env)),
    notifier: deployedChannels(env),
    findingLog: (line) => void process.stdout.write(line),
  };
  return { context, secrets: awsSecrets, logger: jobLogger(job) };
}
