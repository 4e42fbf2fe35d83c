import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OpsAutopilotStack, type OpsAutopilotStackProps } from './ops-autopilot-stack.js';
import type { Config } from '../functions/kinds/config.js';

export const DEFAULT_STACK_NAME = 'OpsAutopilot';
export const DEFAULT_CONFIG_FILE = 'ops.config.ts';
export const EXAMPLE_CONFIG_FILE = 'examples/runbooks.config.ts';

export interface ConfigSource {
  /** `cdk synth -c config=<file>` */
  readonly context?: unknown;
  /** AUTOPILOT_CONFIG */
  readonly env?: string;
  /** Where `ops.config.ts` and the example are looked for. @default process.cwd() */
  readonly cwd?: string;
}

/** The config file to deploy: `-c config=...`, else AUTOPILOT_CONFIG, else `ops.config.ts` if present, else the example. */
export function configFileFor(source: ConfigSource): string {
  const cwd = source.cwd ?? process.cwd();
  if (typeof source.context === 'string' && source.context !== '') return resolve(cwd, source.context);
  if (source.env) return resolve(cwd, source.env);
  const own = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(own) ? own : resolve(cwd, EXAMPLE_CONFIG_FILE);
}

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
