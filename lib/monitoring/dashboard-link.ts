import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The dashboard's name unless one is given: one per stack and region. */
export function defaultDashboardName(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `${stack.stackName}-${stack.region}`;
}

function cloudWatchConsole(scope: IConstruct): string {
  const region = Stack.of(scope).region;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
}

/** The dashboard in the CloudWatch console (the DashboardUrl output, when the config sets `dashboard: true`). */
export function dashboardConsoleUrl(scope: IConstruct, dashboardName: string = defaultDashboardName(scope)): string {
  return `${cloudWatchConsole(scope)}#dashboards/dashboard/${dashboardName}`;
}

/** Logs Insights in the CloudWatch console, where the saved queries are listed (the QueriesUrl output). */
export function savedQueriesConsoleUrl(scope: IConstruct): string {
  return `${cloudWatchConsole(scope)}#logsV2:logs-insights`;
}

/** The folder of the saved queries: the stack's name, so two stacks in a region keep theirs apart. */
export function savedQueriesFolder(scope: IConstruct): string {
  return Stack.of(scope).stackName;
}

/**
 * Where alerts and the digest send people (AUTOPILOT_DASHBOARD_URL): the dashboard when there is
 * one, else the saved queries, which show the same tables.
 */
export function operationsScreenUrl(scope: IConstruct, dashboard: boolean): string {
  return dashboard ? dashboardConsoleUrl(scope) : savedQueriesConsoleUrl(scope);
}
