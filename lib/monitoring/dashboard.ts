import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../functions/core/config/schema.js';
import type { Severity } from '../../functions/core/domain/severity.js';
import { FINDING_LOG } from '../../functions/core/observability/finding-log.js';
import { defaultDashboardName } from './dashboard-link.js';
import { groupByFunction, type FunctionGroup, type WatchedFunction } from './watched-function.js';

const FULL_WIDTH = 24;
const GRAPH_HEIGHT = 6;
const TABLE_HEIGHT = 8;

/** Traffic-light colours, so "critical" is red on every graph. */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  ok: '#2ca02c',
  low: '#1f77b4',
  medium: '#f2c80f',
  high: '#ff7f0e',
  critical: '#d62728',
};

export interface OperationsDashboardProps {
  readonly config: Config;
  readonly functions: readonly WatchedFunction[];
  /** The watcher alarms, shown in the alarm status widget at the top. */
  readonly alarms?: readonly cw.IAlarm[];
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /** @default `<stack name>-<region>` (dashboards are global to the account) */
  readonly dashboardName?: string;
}

function text(markdown: string, height = 1): cw.TextWidget {
  return new cw.TextWidget({ markdown, width: FULL_WIDTH, height, background: cw.TextWidgetBackground.TRANSPARENT });
}

/** Logs Insights over the finding lines of the runs (functions/core/observability/finding-log.ts). */
const findings = (...steps: string[]): string[] => [`filter message = "${FINDING_LOG.message}"`, ...steps];

/**
 * The Logs Insights queries of the dashboard, by widget title: each reads the one JSON line a
 * deployed run writes per finding, so the screen needs no custom metric, and a fleet of 500
 * targets is the same handful of tables as five.
 */
export const DASHBOARD_QUERIES = {
  'Every check now: the latest finding of each, worst first': findings(
    'stats latest(rank) as worst, latest(severity) as severity, latest(summary) as summary, max(@timestamp) as seen by target, check, kind',
    'sort worst desc, target asc, check asc',
    'limit 1000',
  ),
  'Not ok over time: findings per severity': findings('filter rank > 0', 'stats count(*) as findings by bin(1h), severity'),
  'Response time per check (ms)': findings(
    'filter ispresent(responseTimeMs)',
    'stats avg(responseTimeMs) as mean, pct(responseTimeMs, 95) as p95, max(responseTimeMs) as max, latest(severity) as severity by ' +
      'target, check, kind',
    'sort p95 desc',
    'limit 1000',
  ),
  'Backups: newest size, duration and time per database': findings(
    'filter kind = "backup" and ispresent(sizeBytes)',
    'stats latest(sizeBytes) as bytes, latest(durationMs) as ms, max(@timestamp) as newest, count(*) as backups by target, database',
    'sort newest asc',
    'limit 1000',
  ),
  'Disk use per server and mount (%)': findings(
    'filter ispresent(usedPercent)',
    'stats latest(usedPercent) as used, max(usedPercent) as peak, latest(severity) as severity by target, check',
    'sort used desc',
    'limit 1000',
  ),
} as const;

export type DashboardQueryTitle = keyof typeof DASHBOARD_QUERIES;

/**
 * The suite on one screen: the watcher alarms; every check's state, the not-ok findings over
 * time, response times, backups and disk use as Logs Insights tables over the runs' own log
 * lines; then the job functions from Lambda's built-in metrics (errors, throttles, duration, dead
 * letters). Nothing on it is a paid custom metric; a look at it costs its Logs Insights scans.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? defaultDashboardName(this),
      defaultInterval: Duration.days(1),
    });
    const groups = groupByFunction(props.functions);
    const logGroupNames = groups.map((g) => logGroupOf(this, g).logGroupName);

    this.dashboard.addWidgets(
      text(
        `# ops-autopilot: ${Object.keys(props.config.targets).length} systems\n` +
          "Alarms page the **critical** topic. The tables read the runs' own log lines (Logs Insights, over the time range above); " +
          'the job functions are at the bottom.',
        2,
      ),
    );
    if (props.alarms?.length) {
      this.dashboard.addWidgets(
        new cw.AlarmStatusWidget({
          title: 'Watching the watchers: job failures, throttles, missed schedules, dead letters',
          alarms: [...props.alarms],
          width: FULL_WIDTH,
          height: Math.min(8, 2 + Math.ceil(props.alarms.length / 6)),
          sortBy: cw.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        }),
      );
    }
    const query = (title: DashboardQueryTitle, width: number, view = cw.LogQueryVisualizationType.TABLE, height = TABLE_HEIGHT) =>
      new cw.LogQueryWidget({ title, logGroupNames, queryLines: [...DASHBOARD_QUERIES[title]], view, width, height });
    this.dashboard.addWidgets(query('Every check now: the latest finding of each, worst first', FULL_WIDTH, undefined, 10));
    this.dashboard.addWidgets(
      query('Not ok over time: findings per severity', 12, cw.LogQueryVisualizationType.STACKEDAREA, GRAPH_HEIGHT + 2),
      query('Response time per check (ms)', 12),
    );
    this.dashboard.addWidgets(
      query('Backups: newest size, duration and time per database', 12),
      query('Disk use per server and mount (%)', 12),
    );

    this.dashboard.addWidgets(text('## Job functions'));
    this.dashboard.addWidgets(...this.functionWidgets(groups, props.deadLetterQueues ?? []));
  }

  private functionWidgets(functions: readonly FunctionGroup[], queues: readonly sqs.IQueue[]): cw.IWidget[] {
    const every5m = { period: Duration.minutes(5) };
    const graph = (title: string, left: cw.IMetric[], right: cw.IMetric[] = []) =>
      new cw.GraphWidget({ title, width: 8, height: GRAPH_HEIGHT, left, right, leftYAxis: { min: 0 }, rightYAxis: { min: 0 } });
    return [
      graph(
        'Errors (left) and throttles (right) per function',
        functions.map((f) => f.fn.metricErrors({ ...every5m, statistic: cw.Stats.SUM, label: `${f.name} errors` })),
        functions.map((f) => f.fn.metricThrottles({ ...every5m, statistic: cw.Stats.SUM, label: `${f.name} throttles` })),
      ),
      graph(
        'Duration per function (ms, max)',
        functions.map((f) => f.fn.metricDuration({ ...every5m, statistic: cw.Stats.MAXIMUM, label: f.name })),
      ),
      graph(
        'Invocations per function (left) and scheduler dead letters (right)',
        functions.map((f) => f.fn.metricInvocations({ ...every5m, statistic: cw.Stats.SUM, label: f.name })),
        queues.map((q, i) =>
          q.metricApproximateNumberOfMessagesVisible({
            ...every5m,
            statistic: cw.Stats.MAXIMUM,
            label: queues.length > 1 ? `dead letters ${i + 1}` : 'dead letters',
          }),
        ),
      ),
    ];
  }
}

/** The function's own log group: the one its construct gave it, else Lambda's default name. */
function logGroupOf(scope: Construct, group: FunctionGroup): logs.ILogGroup {
  if (group.fn instanceof lambda.Function) return group.fn.logGroup;
  return logs.LogGroup.fromLogGroupName(scope, `${group.name}Logs`, `/aws/lambda/${group.fn.functionName}`);
}
