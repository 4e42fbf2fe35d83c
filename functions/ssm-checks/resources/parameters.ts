import type { ServersConfig } from '../../core/config/schema.js';
import { CONTRACT_PARAMETER, checkScript } from '../server-check.js';

/** One process to look for: its kind and the base64 of its command-line string, unit or app name (data, never shell text). */
const PROCESS_PATTERN = '(match|unit|pm2) [A-Za-z0-9+/=]{4,400}';

/** resources.sh: CPU since the previous run, memory, swap, load per CPU, and the configured processes. */
export const RESOURCES_SCRIPT = checkScript('resources', new URL('./resources.sh', import.meta.url), {
  description:
    'ops-autopilot resources check: CPU use since the previous run, memory, swap, load per CPU, and the configured processes, ' +
    'systemd units and PM2 apps. Prints one JSON line, then detail.',
  // A short CPU sample, `pm2 jlist` and `systemctl show` with their own timeouts: well under a minute.
  executionTimeoutSeconds: 120,
  parameters: [
    CONTRACT_PARAMETER,
    {
      name: 'stateKey',
      description: "Names the state file the script keeps on the host (the target's name), so each target averages over its own runs.",
      allowedPattern: '^[a-z0-9][a-z0-9-]{0,39}$',
      default: 'default',
    },
    {
      name: 'processes',
      description: 'Processes to look for, ";"-separated "<match|unit|pm2> <base64 of the command-line string, unit or PM2 app name>".',
      allowedPattern: `^(${PROCESS_PATTERN}(;${PROCESS_PATTERN}){0,19})?$`,
      default: '',
    },
  ],
});

/** Where each parameter comes from in the config, for error messages. */
export const RESOURCES_CONFIG_FIELDS: Readonly<Record<string, string>> = { stateKey: 'servers', processes: 'servers.processes' };

type ProcessConfig = NonNullable<ServersConfig['processes']>[number];

/** What a process is looked up by: its kind and the value (exactly one is set; the schema sees to it). */
export function processLookup(p: ProcessConfig): { readonly kind: 'match' | 'unit' | 'pm2'; readonly value: string } {
  if (p.match !== undefined) return { kind: 'match', value: p.match };
  if (p.unit !== undefined) return { kind: 'unit', value: p.unit };
  return { kind: 'pm2', value: p.pm2 ?? '' };
}

/** Runs on a target whose servers set `resources` or `processes`. */
export function resourcesApply(servers: ServersConfig): boolean {
  return servers.resources !== undefined || (servers.processes?.length ?? 0) > 0;
}

/** Names and patterns go as base64, so no character of them is ever shell text or breaks the list. */
export function resourcesParameters(servers: ServersConfig, target: string): Record<string, string> {
  return {
    contract: '1',
    stateKey: target,
    processes: (servers.processes ?? [])
      .map((p) => {
        const { kind, value } = processLookup(p);
        return `${kind} ${Buffer.from(value, 'utf8').toString('base64')}`;
      })
      .join(';'),
  };
}
