import { parseArgs } from 'node:util';
import type { AlertSeverity } from '../../functions/core/domain/severity.js';
import { ConfigError } from '../../functions/core/errors.js';
import { CLI_ENV, DEFAULT_STACK_NAME } from '../../functions/core/layout.js';
import { JOBS, type Job } from '../../functions/core/jobs.js';

export const USAGE =
  `usage:
  autopilot run <health|backup|disk|security|digest|all> [--config <file>] [--target <name>]... [--local] [--json] ` +
  `[--store <dir>] [--fail-on <severity>]
  autopilot restore --target <name> [--database <name>] [--at latest|<ISO time>] --to <postgres url> [--clean] [--local] [--store <dir>]
  autopilot restore --target <name> [--database <name>] --list [--json] [--local] [--store <dir>]
  autopilot invoke <job> [--target <name>]... [--config <file>] [--json] [--stack <name>] [--fail-on <severity>]`;

export type RunJob = Job | 'all';
/** Every job of the registry (functions/core/jobs.ts), and `all`. */
export const RUN_JOBS: readonly RunJob[] = [...JOBS, 'all'];

/** `--fail-on` values: exit 3 when a finding is at or above one (`ok` would fail every run, so it is refused). */
export const FAIL_ON_SEVERITIES: readonly AlertSeverity[] = ['low', 'medium', 'high', 'critical'];

export interface CliArgs {
  readonly command: 'run' | 'restore' | 'invoke' | 'help';
  readonly job?: RunJob;
  readonly config?: string;
  readonly targets: string[];
  readonly local: boolean;
  readonly json: boolean;
  readonly store: string;
  readonly database?: string;
  readonly at: string;
  readonly to?: string;
  readonly clean: boolean;
  readonly list: boolean;
  /** The deployed stack `invoke` looks the function up in. */
  readonly stack: string;
  /** Exit 3 when any finding is at or above this severity (run and invoke). */
  readonly failOn?: AlertSeverity;
}

/** The argv grammar: options every command shares and those of restore and invoke. */
const parseCliOptions = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      target: { type: 'string', multiple: true },
      local: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      store: { type: 'string' },
      database: { type: 'string' },
      at: { type: 'string' },
      to: { type: 'string' },
      clean: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      stack: { type: 'string' },
      'fail-on': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

/** Parses argv (without node and script); a usage error is a ConfigError (exit 2). */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed: ReturnType<typeof parseCliOptions>;
  try {
    parsed = parseCliOptions(argv);
  } catch (error) {
    throw new ConfigError(`usage: ${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, job, ...rest] = positionals;
  // An empty value is a slip (an unset shell variable), not a choice: `--store ""` would write into the working
  // directory, `--config ""` fall back to the example config.
  for (const [name, value] of Object.entries(values)) {
    const list = Array.isArray(value) ? value : [value];
    const index = (list as unknown[]).indexOf('');
    if (index !== -1) throw new ConfigError(`--${name}${Array.isArray(value) ? `[${index}]` : ''}: empty value`);
  }
  const failOn = values['fail-on'];
  if (failOn !== undefined && !(FAIL_ON_SEVERITIES as readonly string[]).includes(failOn)) {
    throw new ConfigError(`--fail-on: expected one of ${FAIL_ON_SEVERITIES.join(', ')}, got "${failOn}"`);
  }
  if (failOn !== undefined && command !== 'run' && command !== 'invoke') {
    throw new ConfigError(`--fail-on: only \`run\` and \`invoke\` take it (they print findings)`);
  }
  const base = {
    config: values.config,
    targets: values.target ?? [],
    local: values.local,
    json: values.json,
    store: values.store ?? './backups',
    database: values.database,
    at: values.at ?? 'latest',
    to: values.to,
    clean: values.clean,
    list: values.list,
    stack: values.stack ?? process.env[CLI_ENV.stack] ?? DEFAULT_STACK_NAME,
    failOn: failOn as AlertSeverity | undefined,
  };
  if (values.help || command === undefined || command === 'help') return { command: 'help', ...base };
  if (command === 'invoke' && job === 'all') throw new ConfigError(`usage: invoke takes one job, not "all"\n${USAGE}`);
  if (command === 'run' || command === 'invoke') {
    if (!job || !(RUN_JOBS as readonly string[]).includes(job))
      throw new ConfigError(`usage: ${command} needs a job, one of ${RUN_JOBS.join(', ')}${job ? ` (got "${job}")` : ''}\n${USAGE}`);
    if (rest.length) throw new ConfigError(`usage: unexpected argument "${rest[0]}"\n${USAGE}`);
    return { command, job: job as RunJob, ...base };
  }
  if (command === 'restore') {
    if (job !== undefined) throw new ConfigError(`usage: unexpected argument "${job}"\n${USAGE}`);
    if (base.targets.length !== 1) throw new ConfigError(`usage: restore needs exactly one --target\n${USAGE}`);
    if (!base.list && !base.to) throw new ConfigError(`usage: restore needs --to <postgres url> or --list\n${USAGE}`);
    // Both at once is ambiguous: listing would silently skip the restore the user also asked for.
    if (base.list && base.to) throw new ConfigError(`usage: restore takes --to <postgres url> or --list, not both\n${USAGE}`);
    if (base.list && base.clean) throw new ConfigError(`usage: --clean is for a restore (--to), not --list\n${USAGE}`);
    if (base.at !== 'latest' && Number.isNaN(Date.parse(base.at)))
      throw new ConfigError(`--at: expected "latest" or an ISO time, got "${base.at}"`);
    return { command, ...base };
  }
  throw new ConfigError(`usage: unknown command "${command}"\n${USAGE}`);
}
