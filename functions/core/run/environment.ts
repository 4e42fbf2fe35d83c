import { z } from 'zod';
import { ENV, SSM_OUTPUT_PREFIX } from '../layout.js';

/**
 * The one reader of the environment the stack sets on a deployed function (names in
 * functions/core/layout.ts). A missing or malformed variable is a deployment fault, reported with
 * its name; the stack tests check that the stack sets what is read here.
 */

/** The suite's bucket, set on every function. (The topic ARNs are read by the SNS delivery channel.) */
export function readBucketName(env: NodeJS.ProcessEnv = process.env): string {
  const bucket = env[ENV.bucket];
  if (!bucket) throw new Error(`${ENV.bucket} is not set (the stack sets it on every function)`);
  return bucket;
}

const documentRef = z.strictObject({ name: z.string().min(1), version: z.string().min(1) });
/** The document of each server check; `resources` exists only where some target configures resources or processes. */
const documentsSchema = z.strictObject({ disk: documentRef, security: documentRef, resources: documentRef.optional() });
const SERVER_JOB_NAMES = ['disk', 'security'] as const;

export interface ServerCheckEnvironment {
  readonly documents: z.output<typeof documentsSchema>;
  readonly outputBucket?: string;
  readonly outputPrefix: string;
  /** The function's own name (Lambda sets it), for the continuation it invokes. */
  readonly functionName: string;
  readonly job?: (typeof SERVER_JOB_NAMES)[number];
}

/** The server-check function's documents, output location and job. */
export function readServerCheckEnvironment(env: NodeJS.ProcessEnv = process.env): ServerCheckEnvironment {
  let raw: unknown;
  try {
    raw = JSON.parse(env[ENV.ssmDocuments] ?? '');
  } catch {
    throw new Error(`${ENV.ssmDocuments} is not set to the JSON of the check documents (the stack sets it)`);
  }
  const parsed = documentsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${ENV.ssmDocuments}: ${parsed.error.message}`);
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) throw new Error('AWS_LAMBDA_FUNCTION_NAME is not set (Lambda sets it)');
  const job = env[ENV.serverJob];
  if (job !== undefined && !(SERVER_JOB_NAMES as readonly string[]).includes(job))
    throw new Error(`${ENV.serverJob}: "${job}" is neither disk nor security`);
  return {
    documents: parsed.data,
    outputBucket: env[ENV.bucket],
    outputPrefix: env[ENV.ssmOutputPrefix] ?? SSM_OUTPUT_PREFIX,
    functionName,
    job: job as ServerCheckEnvironment['job'],
  };
}

/** The host-backup document, set only when some database is backed up through SSM. */
export function readBackupDocument(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENV.backupDocument] || undefined;
}

/** The dashboard alert bodies link; undefined in --local runs. */
export function readDashboardUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENV.dashboardUrl] || undefined;
}

/** The status page link's base URL and the link key's secret, set on every job function when a page function exists. */
export function readStatusLinkSettings(env: NodeJS.ProcessEnv = process.env): { url: string; secret: string } | undefined {
  const url = env[ENV.statusPageUrl];
  const secret = env[ENV.linkKeySecret];
  if (!url || !secret) return undefined;
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') throw new Error(`${ENV.statusPageUrl}: not an https URL`);
  return { url, secret };
}

/** The link key's secret, which the status page function checks tokens with. */
export function readLinkKeySecret(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env[ENV.linkKeySecret];
  if (!secret) throw new Error(`${ENV.linkKeySecret} is not set (the stack sets it on the status page function)`);
  return secret;
}
