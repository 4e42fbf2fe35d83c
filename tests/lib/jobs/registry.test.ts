import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS, type Job } from '../../../functions/core/jobs.js';
import { functionNameOutput } from '../../../functions/core/layout.js';
import { BackupJob } from '../../../lib/backup/backup-job.js';
import { DigestJob } from '../../../lib/digest/digest-job.js';
import { HealthJob } from '../../../lib/health/health-job.js';
import type { AutopilotJobConstruct, JobConstructEntry, JobHost } from '../../../lib/jobs/job-construct.js';
import { JOB_CONSTRUCTS } from '../../../lib/jobs/registry.js';
import { AutopilotFunction } from '../../../lib/lambda/autopilot-function.js';
import { OpsAutopilotStack } from '../../../lib/ops-autopilot-stack.js';
import type { IAutopilotBucket } from '../../../lib/s3/autopilot-bucket.js';
import type { IAlertTopics } from '../../../lib/sns/alert-topics.js';
import { ServerChecks } from '../../../lib/ssm/server-checks.js';
import { CDK_CONTEXT, config as validConfig, scratch } from '../support/cdk-app.js';
import { loadConfigFile } from '../../../functions/kinds/config.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs = scratch();
afterAll(() => dirs.cleanup());

/** As `cdk synth` builds it (cdk.json's flags), without bundling the functions: the registry, not the code, is under test. */
function synthStack(config: unknown, jobConstructs?: readonly JobConstructEntry[]) {
  const app = new App({ outdir: dirs.outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new OpsAutopilotStack(app, 'Jobs', {
    config: config as never,
    entriesDir: dirs.entriesDir,
    env: { account: '123456789012', region: 'ap-northeast-1' },
    jobConstructs,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Resources, outputs: template.toJSON().Outputs ?? {} };
}

/** The logical ID of a construct's CloudFormation resource, as `{ Ref }` names it. */
function refOf(stack: OpsAutopilotStack, fn: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((fn.node.defaultChild as { logicalId: string }).logicalId);
}

describe('JOB_CONSTRUCTS: the CDK side of the job registry', () => {
  it('deploys every job of functions/core/jobs.ts by exactly one line, in the registry order', () => {
    const deployed = JOB_CONSTRUCTS.flatMap((entry) => entry.jobs);
    expect([...deployed].sort()).toEqual([...JOBS].sort());
    expect(new Set(deployed).size).toBe(deployed.length);
    // Watchers, test events and the schedules' nested stacks follow this order, which the alphabet would not keep.
    expect(deployed).toEqual(['health', 'backup', 'disk', 'security', 'digest']);
  });
});

/**
 * Logical IDs of the job resources as they stood before the job constructs (construct ids and
 * scopes decide them): a renamed function or log group would be replaced, and a replaced log group
 * (removal policy DESTROY) takes its logs with it.
 */
const STABLE_IDS = {
  example: [
    ...['HealthFunctionLogsD0FA4B1B', 'HealthFunctionRole7B7B7FA6', 'HealthFunction19D7724A', 'HealthEvery1mSchedule6043654E'],
    ...['BackupHostBackupDocument39949CA6', 'BackupLogs34137C36', 'BackupRole4CD139C5', 'BackupFunction2B54E943'],
    ...['BackupMycatsMycatsScheduleE4E5BEA1', 'ServerChecksDocumentsDisk96CB6C02', 'ServerChecksDocumentsSecurityDB2AB075'],
    ...['ServerChecksDiskFunctionLogs8E527A72', 'ServerChecksDiskFunctionRole93869C83', 'ServerChecksDiskFunctionE5AA1178'],
    ...['ServerChecksSecurityFunctionLogsAFEE0FCC', 'ServerChecksSecurityFunction370A6527', 'ServerChecksSecuritySchedule053ECD5E'],
    ...['DigestFunctionLogsB60FF27F', 'DigestFunctionRole27DE91DD', 'DigestFunction23295B87', 'DigestDailyScheduleB573E8BC'],
  ],
  private: [
    ...['VpcHealthFunctionLogs6BF7AC26', 'VpcHealthFunctionRole30DA8EC0', 'VpcHealthFunction53347518', 'VpcHealthEvery5mScheduleC00DEF02'],
    ...['FargateBackupLogs896A30C4', 'FargateBackupShopWarehouseTaskRoleF77871BE', 'FargateBackupShopWarehouseTask5FFF7C9A'],
    ...['FargateBackupShopWarehouseSchedule048B36F5', 'BackupShopMainSchedule68DDCA93'],
  ],
};

/** What a first deploy of each config must hold (issue 18), read from its template. */
const FIRST_DEPLOY = {
  example: { subscriptions: 6, backupFunctions: [['BackupFunction', false]], taskRules: 0 },
  private: {
    subscriptions: 0,
    backupFunctions: [
      ['BackupFunction', false],
      ['BackupVpcFunction', true],
    ],
    taskRules: 2,
  },
} as const;

describe.each([
  [
    'the example config (servers, SSM backups, SQLite)',
    join(ROOT, 'examples', 'runbooks.config.ts'),
    STABLE_IDS.example,
    FIRST_DEPLOY.example,
  ],
  [
    'private databases (VPC health function, a public database backed up beside VPC ones, Fargate backups)',
    join(ROOT, 'tests', 'lib', 'fixtures', 'private-databases.config.ts'),
    STABLE_IDS.private,
    FIRST_DEPLOY.private,
  ],
])('the stack built from the registry: %s', (_, file, stableIds, firstDeploy) => {
  let built: ReturnType<typeof synthStack>;
  beforeAll(async () => {
    built = synthStack(await loadConfigFile(file, { forDeployment: true }));
  }, 120_000);

  it('keeps the logical IDs its job resources had before the job constructs', () => {
    expect(Object.keys(built.resources)).toEqual(expect.arrayContaining(stableIds));
  });

  const ofType = (type: string) => Object.entries(built.resources).filter(([, r]) => r.Type === type) as Array<[string, any]>;

  it('makes sure of the test-event registry with a custom resource, and every schema waits for it', () => {
    const ensure = ofType('Custom::TestEventRegistry');
    expect(ensure.map(([, r]) => r.Properties.RegistryName)).toEqual(['lambda-testevent-schemas']);
    expect(ofType('AWS::EventSchemas::Registry')).toEqual([]);
    const schemas = ofType('AWS::EventSchemas::Schema');
    expect(schemas.length).toBeGreaterThan(2);
    for (const [id, schema] of schemas) expect(schema.DependsOn, id).toContain(ensure[0]![0]);
  });

  it('gives every SNS subscription a redrive policy to the delivery dead-letter queue', () => {
    const dlq = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('AlertsDeliveryDeadLetters'))![0];
    const subscriptions = ofType('AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(firstDeploy.subscriptions);
    for (const [id, sub] of subscriptions)
      expect(sub.Properties.RedrivePolicy, id).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
  });

  it('puts a condition on every statement for events.amazonaws.com, and one such statement per policy', () => {
    const statements = Object.entries(built.resources).flatMap(([id, r]) =>
      (((r.Properties?.PolicyDocument ?? r.Properties?.KeyPolicy)?.Statement ?? []) as any[])
        .filter((st) => JSON.stringify(st.Principal ?? '').includes('events.amazonaws.com'))
        .map((st) => [id, st] as const),
    );
    // The critical topic's policy, the delivery queue's and the key's, when task-failure rules publish; none otherwise.
    expect(statements).toHaveLength(firstDeploy.taskRules ? 3 : 0);
    expect(new Set(statements.map(([id]) => id)).size).toBe(statements.length);
    for (const [id, st] of statements) expect(Object.keys(st.Condition ?? {}).length, id).toBeGreaterThan(0);
    expect(ofType('AWS::Events::Rule')).toHaveLength(firstDeploy.taskRules);
  });

  it('makes every schedule wait for the schedule role policy', () => {
    const policy = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('ScheduleRoleDefaultPolicy'))![0];
    for (const [id, schedule] of ofType('AWS::Scheduler::Schedule')) expect(schedule.DependsOn, id).toContain(policy);
  });

  it('dumps each database from where it is: a backup function outside the VPC, and one inside only for VPC databases', () => {
    const backups = ofType('AWS::Lambda::Function')
      .filter(([, r]) => r.Properties.PackageType === 'Image')
      .map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Properties.VpcConfig !== undefined]);
    expect(backups.sort()).toEqual([...firstDeploy.backupFunctions].map((b) => [...b]).sort());
  });

  it('builds each registered construct the config gives work, of the registered class, with the jobs it declares', () => {
    const { stack } = built;
    const classes = stack.jobs.map((j) => j.constructor);
    expect(classes[0]).toBe(HealthJob);
    expect(classes.at(-1)).toBe(DigestJob);
    for (const job of stack.jobs) {
      expect(job.functions.length).toBeGreaterThan(0);
      expect([...new Set(job.functions.map((f) => f.job))].sort()).toEqual([...job.jobs].sort());
      expect(JOB_CONSTRUCTS.some((entry) => JSON.stringify(entry.jobs) === JSON.stringify(job.jobs))).toBe(true);
    }
  });

  it('gives every function the CLI invokes an output naming it (functionNameOutput), and no other', () => {
    const { stack, outputs } = built;
    const invoked = stack.jobs.flatMap((j) => j.functions).filter((f) => f.invokedByCli !== false);
    const functionOutputs = Object.keys(outputs).filter((name) => name.endsWith('FunctionName'));
    expect(functionOutputs.sort()).toEqual(invoked.map((f) => functionNameOutput(f.job)).sort());
    for (const f of invoked) {
      expect(outputs[functionNameOutput(f.job)].Value).toEqual({ Ref: refOf(stack, f.fn as AutopilotFunction) });
    }
    // One function per job is invoked by name: a job with two (health and health-vpc) names the first.
    expect(new Set(invoked.map((f) => f.job)).size).toBe(invoked.length);
    for (const job of stack.jobs.flatMap((j) => j.jobs)) expect(stack.jobFunction(job)).toBeDefined();
  });

  it('watches every job function with an alarm, schedules it as declared, and offers it console test events', () => {
    const { stack, resources } = built;
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const schemas = Object.values(resources).filter((r) => r.Type === 'AWS::EventSchemas::Schema');
    const schedules = Object.values(resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    for (const f of stack.jobs.flatMap((j) => j.functions)) {
      const ref = refOf(stack, f.fn as AutopilotFunction);
      const watching = alarms.filter((a) =>
        (a.Properties.Dimensions ?? []).some(
          (d: { Name: string; Value: unknown }) => JSON.stringify(d.Value) === JSON.stringify({ Ref: ref }),
        ),
      );
      expect(watching.length, `alarms on ${f.name ?? f.job}`).toBeGreaterThan(0);
      expect(JSON.stringify(schemas.map((s) => s.Properties.SchemaName))).toContain(`"Ref":"${ref}"`);
      const invoking = schedules.filter((s) => JSON.stringify(s.Properties.Target.Arn).includes(`"${ref}"`));
      expect(invoking.length, `schedules of ${f.name ?? f.job}`).toBe(f.schedules?.length);
    }
  });
});

describe('the stack follows the registry it is given', () => {
  /** A job construct of the test's own, as a contributor would add one: a function, a schedule, a bind that grants. */
  class ProbeJob implements AutopilotJobConstruct {
    readonly jobs = ['disk'] as const satisfies readonly Job[];
    readonly functions;
    readonly bound: Array<[IAutopilotBucket, IAlertTopics]> = [];
    readonly fn: AutopilotFunction;

    constructor(host: JobHost) {
      this.fn = new AutopilotFunction(host, 'ProbeFunction', {
        job: 'disk',
        config: host.config,
        entriesDir: host.entriesDir,
        environment: host.jobEnvironment(),
      });
      const schedule = host.scheduleJob(this.fn, 'ProbeHourly', { when: '1h', input: { source: 'schedule' } });
      this.functions = [{ job: 'disk' as const, fn: this.fn, schedules: [schedule] }];
    }

    bind(bucket: IAutopilotBucket, topics: IAlertTopics): void {
      this.bound.push([bucket, topics]);
      bucket.grantAlertState(this.fn);
      topics.grantPublish(this.fn);
    }
  }

  it('builds only what the registry lists: its functions, bound once to the bucket and topics, watched, with outputs', () => {
    const config = validConfig({ targets: { site: { health: [{ url: 'https://example.com/' }] } } });
    const { stack, resources, outputs } = synthStack(config, [
      { jobs: ['disk'], create: (host) => new ProbeJob(host) },
      { jobs: ['digest'], create: (host) => new DigestJob(host) },
    ]);
    const [probe, digest] = stack.jobs as [ProbeJob, DigestJob];
    expect(stack.jobs).toHaveLength(2);
    // Bound once: the bucket, and the alert topics as publishers get them (publishing also grants signing the status link).
    expect(probe.bound).toHaveLength(1);
    expect(probe.bound[0]![0]).toBe(stack.bucket);
    expect(probe.bound[0]![1].topics).toBe(stack.topics.topics);
    // The job functions (the console test events' registry helper and the status page function are the stack's, not a job's).
    const functions = Object.entries(resources).filter(
      ([id, r]) =>
        r.Type === 'AWS::Lambda::Function' && !id.startsWith('OperationsTestEventsRegistry') && !id.startsWith('StatusPageFunction'),
    );
    expect(functions.map(([id]) => id).sort()).toEqual([refOf(stack, digest.function), refOf(stack, probe.fn)].sort());
    expect(
      Object.keys(outputs)
        .filter((o) => o.endsWith('FunctionName'))
        .sort(),
    ).toEqual(['DigestFunctionName', 'DiskFunctionName']);
    expect(outputs.DiskFunctionName.Value).toEqual({ Ref: refOf(stack, probe.fn) });
    const schemas = Object.values(resources).filter((r) => r.Type === 'AWS::EventSchemas::Schema');
    expect(schemas).toHaveLength(2);
    // bind's grants reached the probe's role: its alert state under state/ and the severity topics.
    const policies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('ProbeFunctionRole'),
    );
    const actions = JSON.stringify(policies.map((p) => p.Properties.PolicyDocument.Statement.map((s: { Action: unknown }) => s.Action)));
    expect(actions).toContain('sns:Publish');
    expect(actions).toContain('s3:PutObject');
  });

  it('skips a construct the config gives nothing to do (no backups: no BackupJob; no servers: no ServerChecks)', () => {
    const host = synthStack(validConfig({ targets: { site: { health: [{ url: 'https://example.com/' }] } } })).stack;
    expect(host.jobs.map((j) => j.constructor)).toEqual([HealthJob, DigestJob]);
    expect(host.jobs.some((j) => j instanceof BackupJob || j instanceof ServerChecks)).toBe(false);
    expect(host.jobFunction('backup')).toBeUndefined();
    expect(host.jobFunction('health')).toBeDefined();
  });
});
