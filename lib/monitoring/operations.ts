import { CfnOutput } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConsoleTestEvents, type ConsoleTestEventFunction } from '../console/test-events.js';
import { OUTPUTS } from '../../functions/core/layout.js';
import { OperationsDashboard } from './dashboard.js';
import { dashboardConsoleUrl, savedQueriesConsoleUrl, savedQueriesFolder } from './dashboard-link.js';
import { SavedQueries } from './saved-queries.js';
import type { WatchedFunction } from './watched-function.js';
import { Watchers, type WatchersProps } from './watchers.js';
import type { Config } from '../../functions/kinds/config.js';

/** What the operations constructs need from the stack (OpsAutopilotStack has all of it). */
export interface OperationsHost extends Construct {
  readonly config: Config;
  readonly topics: { readonly topics: { readonly critical: sns.ITopic } };
}

export interface OperationsFunction extends WatchedFunction, Pick<ConsoleTestEventFunction, 'targets'> {}

export interface OperationsOptions {
  /** Every job function with its schedules (`JobSchedule`s fit); list a function once per job it serves. */
  readonly functions: readonly OperationsFunction[];
  /** The scheduler dead-letter queues. */
  readonly queues: readonly sqs.IQueue[];
  /** The alert subscriptions' dead-letter queue and the topics its alarm publishes to (see `Watchers`). */
  readonly deliveryDeadLetters?: WatchersProps['deliveryDeadLetters'];
  /**
   * The console's shareable test events (`-c testEventRegistry=`): `ensure` (default) makes sure
   * the registry `lambda-testevent-schemas` exists (creating it when missing, never deleting it)
   * and saves the events in it; `none` makes no test events and touches no registry. `existing`
   * and `create`, the choices before the registry was made sure of, mean `ensure`.
   * @default 'ensure'
   */
  readonly testEventRegistry?: TestEventRegistryChoice;
}

export type TestEventRegistryChoice = 'ensure' | 'none' | 'existing' | 'create';

export const TEST_EVENT_REGISTRY_CHOICES: readonly TestEventRegistryChoice[] = ['ensure', 'none'];
/** Earlier choices, still taken: both now make sure of the registry. */
const LEGACY_REGISTRY_CHOICES: readonly TestEventRegistryChoice[] = ['existing', 'create'];

/** Alarms, the screen (saved queries, and the dashboard when asked for) and console test events of the suite, under one construct. */
export class Operations extends Construct {
  readonly watchers: Watchers;
  /** The operations screen's Logs Insights queries, saved: always made, since they cost nothing. */
  readonly queries: SavedQueries;
  /** Only with `dashboard: true` in the config ($3 a month at list price). */
  readonly dashboard?: OperationsDashboard;
  readonly testEvents?: ConsoleTestEvents;

  constructor(host: OperationsHost, id: string, options: OperationsOptions) {
    super(host, id);
    this.watchers = new Watchers(this, 'Watchers', {
      functions: options.functions,
      deadLetterQueues: options.queues,
      deliveryDeadLetters: options.deliveryDeadLetters,
      topic: host.topics.topics.critical,
    });
    this.queries = new SavedQueries(this, 'Queries', { functions: options.functions, folder: savedQueriesFolder(this) });
    if (host.config.dashboard) {
      this.dashboard = new OperationsDashboard(this, 'Dashboard', {
        config: host.config,
        functions: options.functions,
        alarms: this.watchers.alarms,
        deadLetterQueues: options.queues,
      });
    }
    const registry = options.testEventRegistry ?? 'ensure';
    if (![...TEST_EVENT_REGISTRY_CHOICES, ...LEGACY_REGISTRY_CHOICES].includes(registry)) {
      throw new Error(`testEventRegistry: "${String(registry)}" is not one of ${TEST_EVENT_REGISTRY_CHOICES.join(', ')}`);
    }
    if (registry !== 'none') {
      this.testEvents = new ConsoleTestEvents(this, 'TestEvents', { config: host.config, functions: options.functions });
    }
  }

  /** The dashboard in the CloudWatch console, when there is one. */
  get dashboardUrl(): string | undefined {
    return this.dashboard && dashboardConsoleUrl(this, this.dashboard.dashboard.dashboardName);
  }
}

/**
 * The one line the stack calls: `addOperations(this, { functions: [...], queues: [this.deadLetterQueue] })`.
 * Adds the `Operations` construct and the stack outputs `QueriesUrl` and, with a dashboard, `DashboardUrl`.
 */
export function addOperations(host: OperationsHost, options: OperationsOptions): Operations {
  const operations = new Operations(host, 'Operations', options);
  new CfnOutput(host, OUTPUTS.queriesUrl, {
    value: savedQueriesConsoleUrl(host),
    description: `The ops-autopilot saved Logs Insights queries (folder ${savedQueriesFolder(host)})`,
  });
  if (operations.dashboardUrl) {
    new CfnOutput(host, OUTPUTS.dashboardUrl, { value: operations.dashboardUrl, description: 'The ops-autopilot CloudWatch dashboard' });
  }
  return operations;
}
