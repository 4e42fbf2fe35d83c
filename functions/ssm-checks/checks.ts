import type { ServersConfig } from '../core/config/schema.js';
import { checkParameters } from '../remote/script.js';
import { disk } from './disk/index.js';
import { resources } from './resources/index.js';
import { security } from './security/index.js';
import type { ServerCheck, ServerCheckId, ServerJob } from './server-check.js';

export type { ServerCheckId, ServerJob } from './server-check.js';

/**
 * The server checks, one folder each; a new one is a folder and a line here. A job runs its checks in
 * this order, the one named like the job first.
 */
export const SERVER_CHECKS: { readonly [C in ServerCheckId]: ServerCheck & { readonly id: C } } = {
  disk: disk as ServerCheck & { readonly id: 'disk' },
  security: security as ServerCheck & { readonly id: 'security' },
  resources: resources as ServerCheck & { readonly id: 'resources' },
};

export const SERVER_CHECK_IDS = Object.keys(SERVER_CHECKS) as readonly ServerCheckId[];

/** The jobs that run server checks, in registry order. */
export const SERVER_JOBS = [...new Set(SERVER_CHECK_IDS.map((id) => SERVER_CHECKS[id].job))] as readonly ServerJob[];

/** The checks a job runs. */
export function checksOf(job: ServerJob): ServerCheck[] {
  return SERVER_CHECK_IDS.map((id) => SERVER_CHECKS[id]).filter((check) => check.job === job);
}

/** The check a saved command ran (`SentCommand.script`), or undefined for a script this version does not know. */
export function checkOfScript(script: string): ServerCheck | undefined {
  return (SERVER_CHECK_IDS as readonly string[]).includes(script) ? SERVER_CHECKS[script as ServerCheckId] : undefined;
}

/** The script parameters of one target's run, every value derived from its `servers` config. */
export function parametersFor(check: ServerCheckId, servers: ServersConfig, target = 'target'): Record<string, string> {
  return SERVER_CHECKS[check].parameters(servers, target);
}

/**
 * Throws a ConfigError naming the config field when a value would not pass the document's
 * allowedPattern (SSM would refuse the command; the local run refuses it the same way).
 */
export function checkServerParameters(check: ServerCheckId, params: Readonly<Record<string, string>>, target: string): void {
  const { script, configFields } = SERVER_CHECKS[check];
  checkParameters(script, params, (name) => `targets.${target}.${configFields[name] ?? name}`);
}
