import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Severity } from '../../functions/core/domain/severity.js';
import { defaultDashboardName } from './dashboard-link.js';
import { SCREEN_QUERIES, type ScreenQueryTitle } from './screen-queries.js';
import { groupByFunction, logGroupOf, type FunctionGroup, type WatchedFunction } from './watched-function.js';
import type { Config } from '../../functions/kinds/config.js';

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
          title: 'Watching the watchers: job failures, missed schedules, dead letters',
          alarms: [...props.alarms],
          width: FULL_WIDTH,
          height: Math.min(8, 2 + Math.ceil(props.alarms.length / 6)),
          sortBy: cw.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        }),
      );
    }
    const query = (title: ScreenQueryTitle, width: number, view = cw.LogQueryVisualizationType.TABLE, height = TABLE_HEIGHT) =>
      new cw.LogQueryWidget({ title, logGroupNames, queryLines: [...SCREEN_QUERIES[title]], view, width, height });
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
