import type { ServersConfig } from '../core/config/schema.js';
import { checkParameters } from '../remote/script.js';
import { disk } from './disk/index.js';
import { security } from './security/index.js';
import type { ServerCheck, ServerJob } from './server-check.js';

export type { ServerJob } from './server-check.js';

/** The server checks, one folder each; a new one is a folder and a line here. */
export const SERVER_CHECKS: { readonly [J in ServerJob]: ServerCheck & { readonly job: J } } = {
  disk: disk as ServerCheck & { readonly job: 'disk' },
  security: security as ServerCheck & { readonly job: 'security' },
};

export const SERVER_JOBS = Object.keys(SERVER_CHECKS) as readonly ServerJob[];

/** The script parameters of one target's run, every value derived from its `servers` config. */
export function parametersFor(job: ServerJob, servers: ServersConfig): Record<string, string> {
  return SERVER_CHECKS[job].parameters(servers);
}

/**
 * Throws a ConfigError naming the config field when a value would not pass the document's
 * allowedPattern (SSM would refuse the command; the local run refuses it the same way).
 */
export function checkServerParameters(job: ServerJob, params: Readonly<Record<string, string>>, target: string): void {
  const check = SERVER_CHECKS[job];
  checkParameters(check.script, params, (name) => `targets.${target}.${check.configFields[name] ?? name}`);
}
