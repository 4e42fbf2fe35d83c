import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  dashboardConsoleUrl,
  operationsScreenUrl,
  savedQueriesConsoleUrl,
  savedQueriesFolder,
} from '../../../lib/monitoring/dashboard-link.js';

describe('the operations screen links', () => {
  const stack = new Stack(new App(), 'Ops', { env: { account: '123456789012', region: 'ap-northeast-1' } });
  const console = 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1';

  it('sends people to the dashboard when there is one, else to the saved queries in Logs Insights', () => {
    expect(operationsScreenUrl(stack, true)).toBe(`${console}#dashboards/dashboard/Ops-ap-northeast-1`);
    expect(operationsScreenUrl(stack, true)).toBe(dashboardConsoleUrl(stack));
    expect(operationsScreenUrl(stack, false)).toBe(`${console}#logsV2:logs-insights`);
    expect(operationsScreenUrl(stack, false)).toBe(savedQueriesConsoleUrl(stack));
  });

  it('files the saved queries under the stack name, so two stacks in one region keep theirs apart', () => {
    expect(savedQueriesFolder(stack)).toBe('Ops');
  });
});
