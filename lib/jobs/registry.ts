import { BackupJob } from '../backup/backup-job.js';
import { DigestJob } from '../digest/digest-job.js';
import { HealthJob } from '../health/health-job.js';
import { ServerChecks } from '../ssm/server-checks.js';
import type { JobConstructEntry } from './job-construct.js';

/**
 * The CDK side of the job registry (`functions/core/jobs.ts`): one line per job construct, in the
 * order the stack builds them (which is also the order of the watchers, the test events and the
 * schedules' nested stacks). The stack binds each to the bucket and topics and derives the
 * watchers, the dashboard, the console test events and the stack outputs from their functions;
 * a test checks that every job of the registry is deployed by exactly one line here.
 */
export const JOB_CONSTRUCTS: readonly JobConstructEntry[] = [
  { jobs: ['health'], create: (host) => new HealthJob(host) },
  { jobs: ['backup'], create: (host) => BackupJob.forSuite(host) },
  { jobs: ['disk', 'security'], create: (host) => ServerChecks.forSuite(host) },
  { jobs: ['digest'], create: (host) => new DigestJob(host) },
];
