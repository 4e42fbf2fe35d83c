import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../functions/core/config/schema.js';
import { durationMs } from '../../functions/core/config/duration.js';
import { SEVERITIES, type Severity } from '../../functions/core/domain/severity.js';
import { DIMENSION, FINDING_METRICS, METRICS_NAMESPACE } from '../../functions/core/observability/metric-names.js';
import { defaultDashboardName } from './dashboard-link.js';
import { scheduleIntervalSeconds, spanText } from './invocation-window.js';
import { targetSummary, targetsOverview, type TargetOverview } from './targets-overview.js';
import { groupByFunction, type FunctionGroup, type WatchedFunction } from './watched-function.js';

const FULL_WIDTH = 24;
const GRAPH_HEIGHT = 6;
const MIN_PERIOD_SECONDS = 300;
const MAX_PERIOD_SECONDS = 86_400;

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
  /** @default "OpsAutopilot" (the namespace the functions emit to) */
  readonly namespace?: string;
}

function clampPeriod(seconds: number): Duration {
  return Duration.seconds(Math.min(MAX_PERIOD_SECONDS, Math.max(MIN_PERIOD_SECONDS, Math.round(seconds / 60) * 60)));
}

function text(markdown: string, height = 1): cw.TextWidget {
  return new cw.TextWidget({ markdown, width: FULL_WIDTH, height, background: cw.TextWidgetBackground.TRANSPARENT });
}

/**
 * The suite on one screen: the watcher alarms, what each job found per severity, then one row
 * per target (response time per endpoint, backup size and duration per database, disk use per
 * server), then the job functions themselves (errors, throttles, duration, dead letters).
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.namespace = props.namespace ?? METRICS_NAMESPACE;
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? defaultDashboardName(this),
      defaultInterval: Duration.days(1),
    });
    const groups = groupByFunction(props.functions);
    const targets = targetsOverview(props.config);

    this.dashboard.addWidgets(
      text(
        `# ops-autopilot: ${targets.length} systems\n` +
          `Alarms page the **critical** topic. One row per system below (response time, backups, disk), the job functions at the bottom.`,
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
    this.dashboard.addWidgets(...this.outcomeWidgets(props.functions));

    for (const target of targets) {
      this.dashboard.addWidgets(
        text(`## ${target.target}${target.description ? ` — ${target.description}` : ''}\n${targetSummary(target)}`, 2),
      );
      const row = this.targetWidgets(target, props.config);
      if (row.length) this.dashboard.addWidgets(...row);
    }

    this.dashboard.addWidgets(text('## Job functions'));
    this.dashboard.addWidgets(...this.functionWidgets(groups, props.deadLetterQueues ?? []));
  }

  private metric(definition: { name: string }, dimensions: Record<string, string>, props: cw.MetricOptions): cw.Metric {
    return new cw.Metric({ namespace: this.namespace, metricName: definition.name, dimensionsMap: dimensions, ...props });
  }

  /**
   * Check results per severity, stacked: one graph per job (the digest checks nothing), summed
   * over a period at the pace of the job's schedules. The functions write no zero counts, so
   * FILL turns a period without a severity into 0 instead of a gap.
   */
  private outcomeWidgets(functions: readonly WatchedFunction[]): cw.IWidget[] {
    const jobs = [...new Set(functions.map((f) => f.job))].filter((job) => job !== 'digest');
    const width = Math.max(6, Math.floor(FULL_WIDTH / Math.max(1, jobs.length)));
    return jobs.map((job) => {
      const intervals = functions
        .filter((f) => f.job === job)
        .flatMap((f) => f.schedules ?? [])
        .map((s) => s.intervalSeconds ?? scheduleIntervalSeconds(s.expression))
        .filter((s): s is number => s !== undefined);
      const period = clampPeriod(intervals.length ? Math.min(...intervals) : MIN_PERIOD_SECONDS);
      return new cw.GraphWidget({
        title: `${job}: check results per severity (per ${spanText(period.toSeconds())})`,
        stacked: true,
        width,
        height: GRAPH_HEIGHT,
        left: SEVERITIES.map(
          (severity) =>
            new cw.MathExpression({
              expression: `FILL(${severity}, 0)`,
              usingMetrics: {
                [severity]: this.metric(
                  FINDING_METRICS.checkOutcome,
                  { [DIMENSION.job]: job, [DIMENSION.severity]: severity },
                  { statistic: cw.Stats.SUM, period },
                ),
              },
              label: severity,
              color: SEVERITY_COLOURS[severity],
              period,
            }),
        ),
        leftYAxis: { min: 0, showUnits: false },
      });
    });
  }

  private targetWidgets(target: TargetOverview, config: Config): cw.IWidget[] {
    const widgets: cw.IWidget[] = [];
    if (target.responseTime.length) {
      const thresholds = new Map<number, string>();
      for (const h of target.responseTime) {
        if (h.warningMs !== undefined && !thresholds.has(h.warningMs)) thresholds.set(h.warningMs, `warning ${h.warningMs} ms`);
        if (h.criticalMs !== undefined) thresholds.set(h.criticalMs, `critical ${h.criticalMs} ms`);
      }
      widgets.push(
        new cw.GraphWidget({
          title: `${target.target}: response time per endpoint (ms, max)`,
          width: 8,
          height: GRAPH_HEIGHT,
          left: target.responseTime.map((h) =>
            this.metric(
              FINDING_METRICS.responseTime,
              { [DIMENSION.target]: target.target, [DIMENSION.check]: h.check },
              { statistic: cw.Stats.MAXIMUM, period: clampPeriod(Math.min(h.everySeconds, 3600)), label: h.check },
            ),
          ),
          leftAnnotations: [...thresholds].map(([value, label]) => ({
            value,
            label,
            color: label.startsWith('critical') ? SEVERITY_COLOURS.high : SEVERITY_COLOURS.medium,
          })),
          leftYAxis: { min: 0, showUnits: false },
        }),
      );
    }
    if (target.backups.length) {
      const daily = { statistic: cw.Stats.MAXIMUM, period: Duration.days(1) };
      widgets.push(
        new cw.GraphWidget({
          title: `${target.target}: backup size (left) and duration (right) per database`,
          width: 8,
          height: GRAPH_HEIGHT,
          start: '-P14D',
          left: target.backups.map((b) =>
            this.metric(
              FINDING_METRICS.backupSize,
              { [DIMENSION.target]: target.target, [DIMENSION.database]: b.database },
              { ...daily, label: `${b.database} size` },
            ),
          ),
          right: target.backups.map((b) =>
            this.metric(
              FINDING_METRICS.backupDuration,
              { [DIMENSION.target]: target.target, [DIMENSION.database]: b.database },
              { ...daily, label: `${b.database} duration` },
            ),
          ),
          leftYAxis: { min: 0 },
          rightYAxis: { min: 0 },
        }),
      );
    }
    if (target.disk) {
      // Hosts and mounts are discovered at run time (SSM targets by tag), so a search finds the lines.
      const period = clampPeriod(durationMs(config.schedules.disk) / 1000);
      const query = `{${this.namespace},${FINDING_METRICS.diskUsed.dimensions.join(',')}} MetricName="${FINDING_METRICS.diskUsed.name}" ${DIMENSION.target}="${target.target}"`;
      widgets.push(
        new cw.GraphWidget({
          title: `${target.target}: disk use per server and mount (%)`,
          width: 8,
          height: GRAPH_HEIGHT,
          left: [
            new cw.MathExpression({
              expression: `SEARCH('${query}', 'Maximum', ${period.toSeconds()})`,
              // One line per server and mount, named by its Check value (`<host>/disk:<mount>`).
              label: "${PROP('Dim.Check')}",
              period,
              usingMetrics: {},
            }),
          ],
          leftAnnotations: [
            { value: target.disk.warning, label: `warning ${target.disk.warning}%`, color: SEVERITY_COLOURS.medium },
            { value: target.disk.critical, label: `critical ${target.disk.critical}%`, color: SEVERITY_COLOURS.high },
          ],
          leftYAxis: { min: 0, max: 100, showUnits: false },
        }),
      );
    }
    return widgets;
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
