import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The dashboard's name unless one is given: one per stack and region. */
export function defaultDashboardName(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `${stack.stackName}-${stack.region}`;
}

/** The dashboard in the CloudWatch console; alert bodies link it (AUTOPILOT_DASHBOARD_URL), and so does the DashboardUrl output. */
export function dashboardConsoleUrl(scope: IConstruct, dashboardName: string = defaultDashboardName(scope)): string {
  const region = Stack.of(scope).region;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}
