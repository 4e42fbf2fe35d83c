import { Logger } from '@aws-lambda-powertools/logger';
import type { CoreConfig } from '../config/schema.js';
import type { DashboardValuesOf } from '../observability/finding-log.js';
import { S3ObjectStore } from '../adapters/s3/s3-object-store.js';
import { deployedChannels } from '../delivery/registry.js';
import { awsSecrets } from '../adapters/aws-secrets.js';
import type { Job } from '../domain/report.js';
import type { JobContext } from './run-job.js';
import { readBucketName, readStatusLinkSettings } from './environment.js';
import { statusPageLink } from '../links/status-link.js';

let logger: Logger | undefined;

/** The singleton Powertools logger of a function, named after its job. */
export function jobLogger(job: Job): Logger {
  logger ??= new Logger({ serviceName: `autopilot-${job}` });
  return logger;
}

/**
 * Wires a deployed function's adapters from the environment the stack sets. The handler, the function's composition
 * root, passes what core cannot know: each finding's dashboard values by its kind.
 */
export function awsContext(config: CoreConfig, job: Job, valuesOf: DashboardValuesOf, env: NodeJS.ProcessEnv = process.env) {
  const context: JobContext = {
    config,
    store: new S3ObjectStore(readBucketName(env)),
    notifier: deployedChannels(env),
    findingLog: { write: (line) => void process.stdout.write(line), valuesOf },
    ...linksOf(env),
  };
  return { context, secrets: awsSecrets, logger: jobLogger(job) };
}

/** The status page link the notices carry, signed with the link key (Secrets Manager, cached like every secret). */
function linksOf(env: NodeJS.ProcessEnv): Pick<JobContext, 'links'> {
  const settings = readStatusLinkSettings(env);
  if (!settings) return {};
  return {
    links: {
      statusPage: async (now) => statusPageLink(settings.url, Buffer.from(await awsSecrets.read({ secret: settings.secret }), 'utf8'), now),
    },
  };
}
