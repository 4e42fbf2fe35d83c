import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OpsAutopilotStack, type OpsAutopilotStackProps } from './ops-autopilot-stack.js';
import type { Config } from '../functions/kinds/config.js';

export const DEFAULT_STACK_NAME = 'OpsAutopilot';

export interface CreateAppOptions extends Pick<OpsAutopilotStackProps, 'entriesDir' | 'env'> {
  readonly config: Config;
  /** An app made earlier (bin/app.ts reads its context first). @default new App(appProps) */
  readonly app?: App;
  readonly appProps?: AppProps;
  /** @default context `stackName`, else "OpsAutopilot" */
  readonly stackName?: string;
}

/** The CDK app: one OpsAutopilot stack, checked by cdk-nag's AwsSolutions pack at synth. */
export function createApp(options: CreateAppOptions): { app: App; stack: OpsAutopilotStack } {
  const app = options.app ?? new App(options.appProps);
  const fromContext = app.node.tryGetContext('stackName') as unknown;
  const stackName = options.stackName ?? (typeof fromContext === 'string' && fromContext ? fromContext : DEFAULT_STACK_NAME);
  const stack = new OpsAutopilotStack(app, stackName, {
    config: options.config,
    entriesDir: options.entriesDir,
    env: options.env,
    description: 'ops-autopilot: health probes, backups, disk and security checks, severity-routed alerts',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
