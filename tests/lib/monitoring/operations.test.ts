import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperations, type Operations, type OperationsHost } from '../../../lib/monitoring/operations.js';
import type { OpsAutopilotStack } from '../../../lib/ops-autopilot-stack.js';
import { config as validConfig, testApp } from '../support/cdk-app.js';
import { FIXTURE_CONFIG, OperationsTestStack, renderCfn } from './operations-fixture.js';
import { SCREEN_QUERIES } from '../../../lib/monitoring/screen-queries.js';
import { FINDING_LOG, findingLogRecords } from '../../../functions/core/observability/finding-log.js';
import { dashboardValuesOf } from '../../../functions/kinds/catalog.js';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };

interface Widget {
  type: string;
  width: number;
  height: number;
  x: number;
  y: number;
  properties: Record<string, any>;
}

describe('addOperations on a stack with four job functions, a dead-letter queue and the alert topics', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'autopilot-ops-'));
  let stack: OperationsTestStack;
  let operations: Operations;
  let template: Template;
  let resources: Record<string, Resource>;
  let widgets: Widget[];
  let reportFile: string;

  const ref = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const fnRef = (fn: lambda.Function) => ({ Ref: ref(fn) });
  const criticalRef = () => ({ Ref: ref(stack.topics.topics.critical) });
  const alarmNamed = (name: string): Resource => {
    const found = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const widgetTitled = (title: string): Widget => {
    const found = widgets.filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return found[0]!;
  };
  /** A dashboard metric line as [namespace, metric name, { dimension: value }, options]. */
  const lines = (widget: Widget) =>
    (widget.properties.metrics as unknown[][]).map((line) => {
      const options = (typeof line[line.length - 1] === 'object' ? line[line.length - 1] : {}) as Record<string, unknown>;
      const parts = line.filter((p) => typeof p === 'string') as string[];
      if (parts.length === 0) return ['expression', options.expression, {} as Record<string, string>, options] as const;
      const [namespace, name, ...dims] = parts;
      const dimensions: Record<string, string> = Object.fromEntries(
        Array.from({ length: dims.length / 2 }, (_, i) => [dims[2 * i]!, dims[2 * i + 1]!]),
      );
      return [namespace, name, dimensions, options] as const;
    });

  beforeAll(() => {
    const app = testApp({ outdir, cfnValidation: false });
    stack = new OperationsTestStack(app, 'Ops');
    operations = addOperations(stack, {
      functions: stack.functions,
      queues: [stack.deadLetterQueue],
      deliveryDeadLetters: {
        queue: stack.topics.deliveryDeadLetterQueue,
        topics: [stack.topics.topics.critical, stack.topics.topics.digest],
      },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = app.synth();
    reportFile = join(assembly.directory, 'validation-report.json');
    template = Template.fromJSON(assembly.getStackByName('Ops').template);
    resources = template.toJSON().Resources;
    const dashboard = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboard).toHaveLength(1);
    widgets = JSON.parse(renderCfn(dashboard[0]!.Properties.DashboardBody)).widgets;
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  describe('watchers', () => {
    it('makes errors and not-invoked alarms per function (the server-check function once for both jobs), one per dead-letter queue', () => {
      const names = Object.values(resources)
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .map((r) => r.Properties.AlarmName)
        .sort();
      expect(names).toEqual(
        [
          'Ops-health-errors',
          'Ops-health-not-invoked',
          'Ops-backup-errors',
          'Ops-backup-not-invoked',
          'Ops-server-checks-errors',
          'Ops-server-checks-not-invoked',
          'Ops-digest-errors',
          'Ops-digest-not-invoked',
          'Ops-dead-letters',
          'Ops-delivery-dead-letters',
        ].sort(),
      );
      expect(operations.watchers.alarms).toHaveLength(10);
      // Throttled runs are not paged per function: Lambda retries them, and one it gives up on is a dead letter.
      expect(names.filter((n) => n.includes('throttles'))).toEqual([]);
    });

    it('pages on one error in 5 minutes, missing data not breaching, to the critical topic and back', () => {
      const fns = { health: stack.fns.health, backup: stack.fns.backup, 'server-checks': stack.fns.serverChecks, digest: stack.fns.digest };
      for (const [name, fn] of Object.entries(fns)) {
        expect(alarmNamed(`Ops-${name}-errors`).Properties).toEqual({
          AlarmName: `Ops-${name}-errors`,
          AlarmDescription: expect.stringMatching(/ops-autopilot/),
          ActionsEnabled: true,
          AlarmActions: [criticalRef()],
          OKActions: [criticalRef()],
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: fnRef(fn) }],
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    });

    it('pages when a function had no invocation for its tightest schedule plus a grace, missing data breaching, after a warm-up', () => {
      const expected: Array<[name: string, fn: lambda.Function, period: number, periods: number, warmUp: number, text: RegExp]> = [
        // 1m and 5m schedules: the 1m one sets the window, 11 one-minute periods.
        ['health', stack.fns.health, 60, 11, 11, /not invoked for 11m although it is scheduled every 1m/],
        // Daily at 02:00 and 03:30: 25 one-hour periods, so a run skipped tonight pages by tomorrow 03:00-04:00.
        ['backup', stack.fns.backup, 3600, 25, 1500, /not invoked for 25h although it is scheduled every 1d/],
        // Hourly disk and daily security on one function: the hourly one counts.
        ['server-checks', stack.fns.serverChecks, 3600, 2, 120, /disk\/security job was not invoked for 2h/],
        ['digest', stack.fns.digest, 3600, 25, 1500, /not invoked for 25h/],
      ];
      for (const [name, fn, period, periods, warmUp, text] of expected) {
        expect(alarmNamed(`Ops-${name}-not-invoked`).Properties, name).toEqual({
          AlarmName: `Ops-${name}-not-invoked`,
          AlarmDescription: expect.stringMatching(text),
          ActionsEnabled: true,
          AlarmActions: [criticalRef()],
          OKActions: [criticalRef()],
          Namespace: 'AWS/Lambda',
          MetricName: 'Invocations',
          Dimensions: [{ Name: 'FunctionName', Value: fnRef(fn) }],
          Statistic: 'Sum',
          Period: period,
          EvaluationPeriods: periods,
          DatapointsToAlarm: periods,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
          WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: warmUp },
        });
      }
    });

    it('pages on a message in the dead-letter queue until it is emptied, missing data not breaching', () => {
      expect(alarmNamed('Ops-dead-letters').Properties).toEqual({
        AlarmName: 'Ops-dead-letters',
        AlarmDescription: expect.stringMatching(/dead-letter queue carries the error/),
        ActionsEnabled: true,
        AlarmActions: [criticalRef()],
        OKActions: [criticalRef()],
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(stack.deadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('pages on an undelivered notice through the critical topic and the other topics it was given, not the critical one alone', () => {
      const digestRef = { Ref: ref(stack.topics.topics.digest) };
      expect(alarmNamed('Ops-delivery-dead-letters').Properties).toEqual({
        AlarmName: 'Ops-delivery-dead-letters',
        AlarmDescription: expect.stringMatching(/notice was not delivered: SNS gave up on a subscriber/),
        ActionsEnabled: true,
        AlarmActions: [criticalRef(), digestRef],
        OKActions: [criticalRef(), digestRef],
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(stack.topics.deliveryDeadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      // CloudWatch may publish to the digest topic too, for this stack's alarms only.
      const digestPolicy = Object.values(resources).find(
        (r) => r.Type === 'AWS::SNS::TopicPolicy' && r.Properties.Topics[0].Ref === digestRef.Ref,
      )!;
      expect(digestPolicy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Sid: 'CloudWatchAlarmsPublish',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': expect.anything() } }),
        }),
      );
    });

    it('publishes to a topic whose KMS key lets CloudWatch encrypt the message', () => {
      const topic = resources[ref(stack.topics.topics.critical) as string]!;
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
      const statements = resources[keyId]!.Properties.KeyPolicy.Statement as Array<{
        Principal: { Service?: string };
        Action: string[];
        Effect: string;
      }>;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      );
    });
  });

  describe('dashboard', () => {
    it('is named after the stack and the region, and its URL is an output', () => {
      const dashboard = Object.entries(resources).find(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard')!;
      expect(dashboard[1].Properties.DashboardName).toBe('Ops-ap-northeast-1');
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs)).toEqual(['QueriesUrl', 'DashboardUrl']);
      expect(renderCfn(outputs.DashboardUrl!.Value)).toBe(
        `https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/\${${dashboard[0]}}`,
      );
    });

    it('opens with a header and the status of every watcher alarm', () => {
      expect(widgets[0]).toMatchObject({
        type: 'text',
        width: 24,
        properties: { markdown: expect.stringMatching(/^# ops-autopilot: 4 systems/) },
      });
      const status = widgets.filter((w) => w.type === 'alarm');
      expect(status).toHaveLength(1);
      const alarmIds = Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
        .map(([id]) => `\${${id}.Arn}`);
      expect([...status[0]!.properties.alarms].sort()).toEqual(alarmIds.sort());
      expect(status[0]!.width).toBe(24);
    });

    it('shows every check, the not-ok findings, response times, backups and disk use as Logs Insights tables over the job logs', () => {
      const queries = widgets.filter((w) => w.type === 'log');
      expect(queries.map((w) => w.properties.title)).toEqual(Object.keys(SCREEN_QUERIES));
      // Each reads the finding lines of every job function's own log group, by the message the functions write.
      const logGroups = [stack.fns.health, stack.fns.backup, stack.fns.serverChecks, stack.fns.digest].map(
        (fn) => `SOURCE '\${${stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement)}}'`,
      );
      for (const w of queries) {
        const query = w.properties.query as string;
        for (const source of logGroups) expect(query).toContain(source);
        expect(query).toContain(`filter message = "${FINDING_LOG.message}"`);
      }
      const state = widgetTitled('Every check now: the latest finding of each, worst first');
      expect(state.width).toBe(24);
      expect(state.properties.view).toBe('table');
      expect(widgetTitled('Not ok over time: findings per severity').properties.view).toBe('timeSeries');
    });

    it('reads only field names the finding log lines carry', () => {
      const line = findingLogRecords(
        'health',
        [
          { target: 't', check: 'c', kind: 'http', severity: 'ok', summary: 's', observed: { responseTimeMs: 1 } },
          { target: 't', check: 'd', kind: 'backup', severity: 'ok', summary: 's', observed: { sizeBytes: 1, durationMs: 1 } },
          { target: 't', check: 'h/disk:/', kind: 'disk', severity: 'ok', summary: 's', observed: { usedPercent: 1 } },
        ],
        dashboardValuesOf,
      );
      const written = new Set(line.flatMap((r) => Object.keys(r)));
      const read = Object.values(SCREEN_QUERIES)
        .flat()
        .flatMap((step) =>
          [...step.matchAll(/\b(?:(?:latest|max|avg|pct|ispresent)\(|(?:by|sort) )\s*([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!),
        )
        .filter((name) => !['bin', 'count', 'worst', 'p95', 'used', 'newest', 'mean', 'target', 'asc', 'desc'].includes(name));
      for (const name of read) expect(written, name).toContain(name);
    });

    it('is a handful of widgets whatever the number of systems: no widget per target', () => {
      expect(widgets.length).toBeLessThanOrEqual(12);
      expect(widgets.some((w) => String(w.properties.title ?? '').startsWith('mycats'))).toBe(false);
    });

    it('ends with errors, throttles, duration and invocations per function and the dead letters', () => {
      const errors = widgetTitled('Errors (left) and throttles (right) per function');
      const fnRefs = [stack.fns.health, stack.fns.backup, stack.fns.serverChecks, stack.fns.digest].map((fn) => `\${${ref(fn)}}`);
      expect(lines(errors).map(([ns, name, dims, o]) => [ns, name, dims.FunctionName, o.label])).toEqual([
        ...['health', 'backup', 'server-checks', 'digest'].map((n, i) => ['AWS/Lambda', 'Errors', fnRefs[i], `${n} errors`]),
        ...['health', 'backup', 'server-checks', 'digest'].map((n, i) => ['AWS/Lambda', 'Throttles', fnRefs[i], `${n} throttles`]),
      ]);
      expect(lines(widgetTitled('Duration per function (ms, max)')).map(([, name, , o]) => [name, o.label, o.stat])).toEqual(
        ['health', 'backup', 'server-checks', 'digest'].map((n) => ['Duration', n, 'Maximum']),
      );
      const invocations = lines(widgetTitled('Invocations per function (left) and scheduler dead letters (right)'));
      expect(invocations.at(-1)!.slice(0, 2)).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible']);
      expect(invocations.at(-1)![3].yAxis).toBe('right');
    });

    it('uses no custom metric: only Lambda and SQS metrics', () => {
      const namespaces = widgets.flatMap((w) => (w.type === 'metric' ? lines(w).map(([ns]) => ns) : []));
      expect([...new Set(namespaces)].sort()).toEqual(['AWS/Lambda', 'AWS/SQS']);
    });
  });

  describe('saved queries', () => {
    it('saves every screen query in the stack folder, over every job function log group, with the dashboard widgets own text', () => {
      const definitions = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::QueryDefinition');
      const titles = Object.keys(SCREEN_QUERIES);
      expect(definitions.map((d) => d.Properties.Name)).toEqual(titles.map((t, i) => `Ops/${i + 1}. ${t}`));
      const logGroups = [stack.fns.health, stack.fns.backup, stack.fns.serverChecks, stack.fns.digest].map((fn) => ({
        Ref: stack.getLogicalId(fn.logGroup.node.defaultChild as CfnElement),
      }));
      for (const [i, d] of definitions.entries()) {
        expect(d.Properties.LogGroupNames).toEqual(logGroups);
        expect(d.Properties.QueryString).toBe(Object.values(SCREEN_QUERIES)[i]!.join('\n| '));
        // The widget with the same title runs the same query.
        expect(widgetTitled(titles[i]!).properties.query).toContain(Object.values(SCREEN_QUERIES)[i]!.join('\n| '));
      }
      template.hasOutput('QueriesUrl', {
        Value: 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:logs-insights',
      });
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('finds nothing in the operations constructs (nor, with the scaffolding acknowledged, anywhere)', () => {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
        pluginReports: Array<{ violations?: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath?: string }> }> }>;
      };
      const ours = report.pluginReports
        .flatMap((r) => r.violations ?? [])
        .flatMap((v) => v.violatingConstructs.map((c) => [v.ruleName, c.constructPath ?? '?']));
      expect(ours).toEqual([]);
    });

    it("runs at all: the same stack without the scaffolding's acknowledgements fails synth", () => {
      const control = mkdtempSync(join(tmpdir(), 'autopilot-ops-control-'));
      try {
        const app = testApp({ outdir: control, cfnValidation: false });
        const open = new OperationsTestStack(app, 'Open', { acknowledgeScaffolding: false });
        addOperations(open, { functions: open.functions, queues: [open.deadLetterQueue] });
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
        expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
      } finally {
        rmSync(control, { recursive: true, force: true });
      }
    });
  });
});

describe('addOperations and the real stack', () => {
  it('takes OpsAutopilotStack as its host (checked by tsc) and its JobSchedules as schedules', () => {
    const host = (stack: OpsAutopilotStack): OperationsHost => stack;
    const schedules = (stack: OpsAutopilotStack) =>
      addOperations(stack, {
        functions: stack.jobs.flatMap((job) => job.functions),
        queues: [stack.deadLetterQueue],
      });
    expect([typeof host, typeof schedules]).toEqual(['function', 'function']);
  });
});

describe('addOperations without `dashboard: true` (the default)', () => {
  it('makes the saved queries and the alarms but no dashboard, and no DashboardUrl output', () => {
    const { dashboard: _, ...rest } = FIXTURE_CONFIG;
    const config = validConfig(rest);
    expect(config.dashboard).toBe(false);
    const stack = new OperationsTestStack(testApp({ cfnValidation: false }), 'Plain', { config });
    const operations = addOperations(stack, { functions: stack.functions, queues: [stack.deadLetterQueue], testEventRegistry: 'none' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::Logs::QueryDefinition', Object.keys(SCREEN_QUERIES).length);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    expect(operations.dashboard).toBeUndefined();
    expect(operations.dashboardUrl).toBeUndefined();
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['QueriesUrl']);
  });
});

describe('Watchers for a schedule whose interval cannot be told', () => {
  it('makes no not-invoked alarm, says why at synth, and still watches errors', () => {
    const stack = new OperationsTestStack(testApp({ cfnValidation: false }), 'Weekly');
    const weekly = stack.fn('WeeklyFunction');
    const operations = addOperations(stack, {
      functions: [
        { job: 'security', fn: weekly, schedules: [{ expression: 'cron(0 3 ? * SUN *)' }] },
        { job: 'backup', fn: stack.fns.backup, schedules: [{ expression: 'cron(0 3 ? * MON-FRI *)', intervalSeconds: 3 * 86_400 }] },
      ],
      queues: [],
      testEventRegistry: 'none',
    });
    const template = Template.fromStack(stack);
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.AlarmName);
    expect(names.sort()).toEqual(['Weekly-backup-errors', 'Weekly-backup-not-invoked', 'Weekly-security-errors']);
    // A weekday cron with its interval given: 3 days + 1 h in one-hour periods.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Weekly-backup-not-invoked',
      Period: 3600,
      EvaluationPeriods: 73,
    });
    expect(operations.watchers.unwatched).toEqual([{ name: 'security', reason: expect.stringMatching(/cron\(0 3 \? \* SUN \*\)/) }]);
    Annotations.fromStack(stack).hasWarning(
      '/Weekly/Operations/Watchers',
      Match.stringLikeRegexp('No "not invoked" alarm for the security function'),
    );
    expect(template.findResources('AWS::EventSchemas::Schema')).toEqual({});
  });

  it('refuses a test-event registry choice it does not know (a typo in -c testEventRegistry=...)', () => {
    const stack = new OperationsTestStack(testApp({ cfnValidation: false }), 'Typo');
    expect(() => addOperations(stack, { functions: stack.functions, queues: [], testEventRegistry: 'crate' as 'create' })).toThrow(
      'testEventRegistry: "crate" is not one of ensure, none',
    );
  });

  it('takes the earlier choices "existing" and "create" as "ensure"; "none" makes neither the registry resource nor schemas', () => {
    const count = (choice: 'ensure' | 'existing' | 'create' | 'none') => {
      const stack = new OperationsTestStack(testApp({ cfnValidation: false }), `Choice${choice}`);
      addOperations(stack, { functions: stack.functions.slice(0, 1), queues: [], testEventRegistry: choice });
      const template = Template.fromStack(stack);
      return [
        choice,
        Object.keys(template.findResources('Custom::TestEventRegistry')).length,
        Object.keys(template.findResources('AWS::EventSchemas::Schema')).length,
      ];
    };
    expect((['ensure', 'existing', 'create', 'none'] as const).map(count)).toEqual([
      ['ensure', 1, 1],
      ['existing', 1, 1],
      ['create', 1, 1],
      ['none', 0, 0],
    ]);
  });

  it('refuses two functions under one name', () => {
    const stack = new OperationsTestStack(testApp({ cfnValidation: false }), 'Twice');
    expect(() =>
      addOperations(stack, {
        functions: [
          { job: 'backup', fn: stack.fns.backup },
          { job: 'backup', fn: stack.fns.digest },
        ],
        queues: [],
      }),
    ).toThrow(/two functions are named "backup"/);
  });
});
