import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../../functions/core/config/schema.js';
import { healthTimeoutSeconds } from '../health/health-plan.js';
import { AutopilotFunction } from '../lambda/autopilot-function.js';
import type { AutopilotNetwork } from './autopilot-network.js';
import { allowNetworkInterfaces } from './network-interfaces.js';

/** What the stack lends the VPC health function (the same seams the outside health function uses). */
export interface VpcHealthHost {
  readonly entriesDir?: string;
  jobEnvironment(): Record<string, string>;
}

/**
 * The health function for the VPC databases: PostgreSQL probes (and their backups' freshness)
 * from inside the VPC, with a config holding those databases only, so its bundle and its role
 * know nothing of the HTTP checks, which stay outside the VPC and need no NAT.
 */
export function createVpcHealthFunction(
  scope: Construct,
  id: string,
  host: VpcHealthHost,
  network: AutopilotNetwork,
  config: Config,
): AutopilotFunction {
  const fn = new AutopilotFunction(scope, id, {
    job: 'health',
    entryName: 'health-vpc',
    config,
    entriesDir: host.entriesDir,
    memorySize: 512,
    timeout: Duration.seconds(healthTimeoutSeconds(config)),
    environment: host.jobEnvironment(),
    placement: network.functionPlacement(),
    description: 'ops-autopilot health job inside the VPC: PostgreSQL probes of the private databases, severity-routed alerts',
  });
  allowNetworkInterfaces(fn.role!);
  return fn;
}
