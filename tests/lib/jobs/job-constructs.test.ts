import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_CONSTRUCTS } from '../../../lib/jobs/registry.js';
import { OpsAutopilotStack } from '../../../lib/ops-autopilot-stack.js';
import { CDK_CONTEXT, scratch } from '../support/cdk-app.js';
import { loadConfigFile } from '../../../functions/kinds/config.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs = scratch();
afterAll(() => dirs.cleanup());

/** The stack as every job's host, with no job of its own: the bucket, topics, queue and schedule role a job binds to. */
async function bareHost(): Promise<OpsAutopilotStack> {
  const config = await loadConfigFile(join(ROOT, 'examples', 'runbooks.config.ts'), { forDeployment: true });
  const app = new App({ outdir: dirs.outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  return new OpsAutopilotStack(app, 'Host', {
    config,
    entriesDir: dirs.entriesDir,
    env: { account: '123456789012', region: 'ap-northeast-1' },
    jobConstructs: [],
  });
}

/** The actions of a role's policy as the template would carry them. */
function actionsOf(host: OpsAutopilotStack, fn: lambda.IFunction): string[] {
  const role = (fn as lambda.Function).role as iam.Role;
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const document = policy ? (host.resolve(policy.document) as { Statement: Array<{ Action: string | string[] }> }) : { Statement: [] };
  return document.Statement.flatMap((s) => [s.Action].flat());
}

describe('every registered job construct: the constructor builds, bind grants', () => {
  it.each(JOB_CONSTRUCTS.map((entry) => [entry.jobs.join('+'), entry] as const))('%s', async (_, entry) => {
    const host = await bareHost();
    const job = entry.create(host);
    expect(job, 'the example config gives every job work').toBeDefined();
    expect([...job!.jobs]).toEqual([...entry.jobs]);
    expect(job!.functions.map((f) => f.job).every((j) => entry.jobs.includes(j))).toBe(true);

    // Before bind: a function's role may write its logs (and run its own scripts), but touches neither bucket nor topics.
    for (const f of job!.functions) {
      const actions = actionsOf(host, f.fn);
      expect(actions).toContain('logs:PutLogEvents');
      expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('sns:'))).toEqual([]);
      expect(f.schedules?.length, `${f.name ?? f.job} is scheduled`).toBeGreaterThan(0);
    }

    job!.bind(host.bucket, host.topics);
    for (const f of job!.functions) {
      const actions = actionsOf(host, f.fn);
      expect(actions).toContain('sns:Publish');
      expect(actions).toContain('s3:PutObject');
      // The failure destination or no replay: every job function is configured for Scheduler's async invocations.
      expect(f.fn.node.tryFindChild('EventInvokeConfig'), `${f.name ?? f.job} async config`).toBeDefined();
    }
  });
});
