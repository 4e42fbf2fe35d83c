import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerJob } from './executor.js';

/** The folder holding disk.sh and security.sh: the one source of the scripts, for the SSM documents and local runs. */
export const SCRIPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scripts');

export function scriptPath(job: ServerJob): string {
  return join(SCRIPTS_DIR, `${job}.sh`);
}

/** The script text, as the CDK app embeds it in the job's SSM document at synth. */
export function readScript(job: ServerJob): string {
  return readFileSync(scriptPath(job), 'utf8');
}
