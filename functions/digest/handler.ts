import { dashboardValuesOf } from '../kinds/catalog.js';
import type { Report } from '../core/domain/report.js';
import { awsContext } from '../core/run/aws-context.js';
import { parseInvokeEvent } from '../core/run/invoke-event.js';
import { runDigestJob } from './run-digest.js';
import { validateConfig } from '../kinds/config.js';

/** The digest function: the schedule sends once a day; a console or CLI invoke sends now. */
export function createHandler(rawConfig: unknown) {
  const config = validateConfig(rawConfig, { forDeployment: true });
  let aws: ReturnType<typeof awsContext> | undefined;
  return async (event: unknown): Promise<Report> => {
    const request = parseInvokeEvent(event, config);
    aws ??= awsContext(config, 'digest', dashboardValuesOf);
    const report = await runDigestJob(config, { force: request.source !== 'schedule', targets: request.targets }, aws.context);
    // A digest that could not be delivered fails the invocation, so the scheduler retries it.
    if (report.undelivered?.length) throw new Error(`digest not delivered: ${report.undelivered[0]!.error}`);
    return report;
  };
}
