import { Duration, Stack, Validations, type App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../../lib/nag/wildcards.js';
import { JobSchedule } from '../../../lib/scheduler/job-schedule.js';
import { AlertTopics } from '../../../lib/sns/alert-topics.js';
import type { OperationsFunction } from '../../../lib/monitoring/operations.js';
import { config as validConfig } from '../support/cdk-app.js';
import type { Config } from '../../../functions/kinds/config.js';

export const ACCOUNT = '123456789012';
export const REGION = 'ap-northeast-1';

/**
 * Four systems covering every widget: HTTP with and without thresholds, backups by Lambda and SSM, servers with and without a disk
 * block, and one with nothing to graph.
 */
export const FIXTURE_CONFIG: Config = validConfig({
  timezone: 'Asia/Tokyo',
  dashboard: true,
  targets: {
    mycats: {
      description: 'My Cats (Node + Prisma)',
      health: [
        { name: 'api', url: 'http://mycats.example:3004/health', every: '1m', responseTime: { warning: '500ms', critical: '3s' } },
        { name: 'cats', url: 'http://mycats.example:3004/api/v1/cats', every: '5m', responseTime: { warning: '500ms', critical: '3s' } },
        { name: 'frontend', url: 'http://mycats.example:3000/', every: '5m' },
      ],
      postgres: [
        {
          name: 'db',
          host: 'mycats-db.example',
          database: 'mycats',
          user: 'mycats',
          passwordParameter: '/autopilot/mycats/db',
          backup: { at: '02:00' },
        },
      ],
      servers: { tags: { System: 'mycats' }, disk: { warning: 70, critical: 85 } },
    },
    cafemuji: {
      health: [{ name: 'health', url: 'https://cafemuji.example/health/', every: '1h', responseTime: { warning: '1s', critical: '3s' } }],
      postgres: [
        {
          name: 'db',
          host: 'cafemuji-db.example',
          database: 'cafemuji',
          user: 'cafemuji',
          passwordParameter: '/autopilot/cafemuji/db',
          backup: { at: '03:30' },
        },
        {
          name: 'reports',
          host: 'cafemuji-db.example',
          database: 'reports',
          user: 'cafemuji',
          passwordParameter: '/autopilot/cafemuji/db',
          backup: {},
        },
      ],
    },
    'task-manager': {
      health: [{ name: 'api', url: 'http://task-manager.example:5000/health', every: '1m' }],
      sqlite: [{ name: 'task_manager', path: '/opt/task-manager/instance/task_manager.db', backup: { at: '02:00', via: 'ssm' } }],
      servers: { tags: { System: 'task-manager' } },
    },
    quiet: {
      postgres: [{ name: 'db', host: 'quiet-db.example', database: 'quiet', user: 'quiet', passwordParameter: '/autopilot/quiet/db' }],
    },
  },
});

/** What `addOperations` needs from the stack, built the way OpsAutopilotStack builds it. */
export class OperationsTestStack extends Stack {
  readonly config: Config;
  readonly topics: AlertTopics;
  readonly deadLetterQueue: sqs.Queue;
  readonly scheduleRole: iam.Role;
  readonly fns: Record<'health' | 'backup' | 'serverChecks' | 'digest', lambda.Function>;
  readonly functions: OperationsFunction[];
  private readonly acknowledgeScaffolding: boolean;

  /** `acknowledgeScaffolding: false` leaves the scaffolding's own cdk-nag findings open (a control that nag runs). */
  constructor(app: App, id: string, options: { config?: Config; acknowledgeScaffolding?: boolean } = {}) {
    super(app, id, { env: { account: ACCOUNT, region: REGION } });
    this.config = options.config ?? FIXTURE_CONFIG;
    this.acknowledgeScaffolding = options.acknowledgeScaffolding !== false;
    this.topics = new AlertTopics(this, 'Alerts', { subscribers: { critical: ['oncall@example.com'] } });
    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    this.fns = {
      health: this.fn('HealthFunction'),
      backup: this.fn('BackupFunction'),
      serverChecks: this.fn('ServerChecksFunction'),
      digest: this.fn('DigestFunction'),
    };
    this.functions = [
      {
        job: 'health',
        fn: this.fns.health,
        schedules: [this.schedule(this.fns.health, 'Health1m', '1m'), this.schedule(this.fns.health, 'Health5m', '5m')],
      },
      {
        job: 'backup',
        fn: this.fns.backup,
        schedules: [this.schedule(this.fns.backup, 'BackupAt0200', '02:00'), this.schedule(this.fns.backup, 'BackupAt0330', '03:30')],
      },
      { job: 'disk', name: 'server-checks', fn: this.fns.serverChecks, schedules: [this.schedule(this.fns.serverChecks, 'Disk', '1h')] },
      { job: 'security', fn: this.fns.serverChecks, schedules: [this.schedule(this.fns.serverChecks, 'Security', '1d', '04:00')] },
      { job: 'digest', fn: this.fns.digest, schedules: [this.schedule(this.fns.digest, 'Digest', '09:00')] },
    ];
    if (this.acknowledgeScaffolding) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'Test scaffolding: the scheduler dead-letter queue is itself a DLQ, as in OpsAutopilotStack.',
      });
      acknowledgeWildcards(
        this.scheduleRole,
        Object.values(this.fns).map((fn) => ({
          resource: `${fn.functionArn}:*`,
          reason: 'Test scaffolding: grantInvoke on the function versions, as in OpsAutopilotStack.',
        })),
      );
    }
  }

  /** A plain function with inline code (nothing to bundle) and a role without managed policies. */
  fn(id: string): lambda.Function {
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const fn = new lambda.Function(this, id, {
      role,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      timeout: Duration.seconds(60),
    });
    return fn;
  }

  schedule(fn: lambda.IFunction, id: string, when: string, dailyAt?: string): JobSchedule {
    return new JobSchedule(this as Construct, id, {
      role: this.scheduleRole,
      function: fn,
      when,
      dailyAt,
      timezone: this.config.timezone,
      input: { source: 'schedule' },
      deadLetterQueue: this.deadLetterQueue,
    });
  }
}

/**
 * A CloudFormation value rendered as text: strings as they are, `{ Ref: X }` as `${X}`,
 * `{ Fn::GetAtt: [X, Y] }` as `${X.Y}`, `Fn::Join` joined. Dashboard bodies come out of the
 * template this way, as one JSON string with placeholders where the tokens were.
 */
export function renderCfn(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
  const join = v['Fn::Join'];
  if (Array.isArray(join)) return (join[1] as unknown[]).map(renderCfn).join(String(join[0]));
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
