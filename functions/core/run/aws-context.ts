import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { S3ObjectStore } from '../adapters/s3-object-store.js';
import { SnsNotifier } from '../adapters/sns-notifier.js';
import { ssmSecrets } from '../adapters/ssm-secrets.js';
import type { Job } from '../domain/report.js';
import type { JobContext } from './run-job.js';
import { metrics } from '../observability/metrics.js';

const topicArnsSchema = z.strictObject({
  critical: z.string().startsWith('arn:'),
  high: z.string().startsWith('arn:'),
  medium: z.string().startsWith('arn:'),
  low: z.string().startsWith('arn:'),
  digest: z.string().startsWith('arn:'),
});

let logger: Logger | undefined;

/** The singleton Powertools logger of a function, named after its job. */
export function jobLogger(job: Job): Logger {
  logger ??= new Logger({ serviceName: `autopilot-${job}` });
  return logger;
}

/** Wires a deployed function's adapters from the environment the stack sets. */
export function awsContext(config: Config, job: Job, env: NodeJS.ProcessEnv = process.env) {
  const bucket = env.AUTOPILOT_BUCKET;
  if (!bucket) throw new Error('AUTOPILOT_BUCKET is not set (the stack sets it on every function)');
  const parsed = topicArnsSchema.safeParse(JSON.parse(env.AUTOPILOT_TOPIC_ARNS ?? '{}'));
  if (!parsed.success) throw new Error(`AUTOPILOT_TOPIC_ARNS is not a map of topic ARNs: ${parsed.error.message}`);
  const context: JobContext = { config, store: new S3ObjectStore(bucket), notifier: new SnsNotifier(parsed.data), metrics };
  return { context, secrets: ssmSecrets, logger: jobLogger(job) };
}
