import { ConfigError } from '../../functions/core/errors.js';
import { JOBS } from '../../functions/core/jobs.js';
import * as flag from './flags.js';
import { type CommandTable, defineCommand } from './grammar.js';

/*
 * THE command table: every command of `autopilot`, its operand and its flags, each declared once. The parser, the
 * usage text, each command's --help and the usage errors derive from it (grammar.ts). Adding a command is one entry
 * here; its code is imported inside `run`, so no other command loads it.
 */

/** `run <job>`: every job of the registry (functions/core/jobs.ts), and `all`. */
export const RUN_JOBS = [...JOBS, 'all'] as const;
export type RunJob = (typeof RUN_JOBS)[number];

const at = {
  type: 'string',
  value: 'latest|<ISO time>',
  default: 'latest',
  help: 'the newest verified backup started at or before this time',
  parse: (text: string, name: string) => {
    if (text !== 'latest' && Number.isNaN(Date.parse(text)))
      throw new ConfigError(`${name}: expected "latest" or an ISO time, got "${text}"`);
    return text;
  },
} as const;

export const COMMANDS = {
  run: defineCommand({
    summary: 'Runs a job now on this machine (--local) and prints its findings.',
    operand: { name: 'job', help: 'the job to run; all runs every job, the digest last', values: RUN_JOBS },
    flags: {
      config: flag.config,
      target: flag.targets,
      local: flag.local,
      json: flag.json,
      store: flag.store,
      'fail-on': flag.failOn,
    },
    notes: ['Exit status: 0 the run completed, whatever it found; 2 usage or config error; 3 --fail-on; 4 the store refused.'],
    check: (args) => {
      if (!args.flags.local) {
        throw new ConfigError('--local: `run` executes here only with --local; to run the deployed function use `autopilot invoke <job>`');
      }
    },
    run: async (args): Promise<number> => (await import('./run.js')).runLocally(args.operand as RunJob, args.flags),
  }),
  restore: defineCommand({
    summary: 'Lists the backups of a target, or restores one into a PostgreSQL database.',
    flags: {
      config: flag.config,
      target: { type: 'string', value: '<name>', help: 'the target whose backup to list or restore (--list alone lists the targets)' },
      database: { type: 'string', value: '<name>', help: 'the backed-up database, when the target has more than one' },
      at,
      to: {
        type: 'string',
        value: '<postgres url>',
        help: 'restore into this database (postgres://user@host:port/db; PGPASSWORD for its password)',
      },
      clean: { type: 'boolean', help: 'drop the objects the backup holds before recreating them' },
      list: { type: 'boolean', help: 'list the backups (newest first) instead of restoring' },
      json: flag.json,
      local: { type: 'boolean', help: 'read the backups from --store (or S3_ENDPOINT) instead of the deployed bucket' },
      store: flag.store,
      stack: flag.stack,
    },
    notes: ['Give --to or --list. A restore refuses a database that already holds tables unless --clean is given.'],
    check: ({ flags, given }) => {
      if (flags.list && flags.to) throw new ConfigError('usage: restore takes --to <postgres url> or --list, not both');
      if (flags.list && flags.clean) throw new ConfigError('usage: --clean is for a restore (--to), not --list');
      if (flags.list && given.has('at')) throw new ConfigError('usage: --at is for a restore (--to), not --list');
      if (!flags.list && !flags.to) throw new ConfigError('usage: restore needs --to <postgres url> or --list');
      if (flags.to && !flags.target)
        throw new ConfigError('usage: restore --to needs --target <name> (the target whose backup to restore)');
      if (flags.database && !flags.target) throw new ConfigError('usage: --database needs --target <name> (whose database it is)');
    },
    run: async (args): Promise<number> => (await import('./restore.js')).restore(args.flags),
  }),
  invoke: defineCommand({
    summary: 'Invokes the deployed function of a job, as the console test button does, and prints its report.',
    operand: { name: 'job', help: 'the job whose function to invoke', values: JOBS },
    flags: { config: flag.config, target: flag.targets, json: flag.json, stack: flag.stack, 'fail-on': flag.failOn },
    notes: ['Exit status: 0 the run completed; 2 usage or config error; 3 --fail-on; 4 AWS could not be reached or refused.'],
    run: async (args): Promise<number> => (await import('./run.js')).invokeDeployed(args.operand as (typeof JOBS)[number], args.flags),
  }),
  status: defineCommand({
    summary: 'Writes the status page (and its public variant with statusPage.public) from the local store or the deployed bucket.',
    flags: {
      config: flag.config,
      local: { type: 'boolean', help: 'read the history and state from --store (or S3_ENDPOINT) instead of the deployed bucket' },
      store: flag.store,
      out: { type: 'string', value: '<file>', default: 'status.html', help: 'where to write the page (the public one beside it)' },
      stack: flag.stack,
    },
    notes: [
      'Every target is drawn (statusPage.hide keeps targets and checks off the public variant). A history or state object',
      'that cannot be read is named on the page and on stderr. Exit status: 0 written; 2 usage or config error; 4 the store failed.',
    ],
    run: async (args): Promise<number> => (await import('./status.js')).status(args.flags),
  }),
  init: defineCommand({
    summary: 'Writes a commented starter config that validates and deploys as it is; edit its targets and subscribers.',
    flags: {
      config: { type: 'string', value: '<file>', default: 'ops.config.ts', help: 'where to write it (.ts)' },
      force: { type: 'boolean', help: 'overwrite the file if it exists' },
    },
    notes: ['Exit status: 0 written; 2 the file exists (without --force) or cannot be written there.'],
    run: async (args): Promise<number> => (await import('./init.js')).init(args.flags),
  }),
  doctor: defineCommand({
    summary: 'Checks, read-only, what the AWS account in the environment lacks for this config before (and after) a deploy.',
    flags: { config: flag.config, stack: flag.stack, json: flag.json },
    notes: [
      'One line per check: ok, warn or fail, and what to do. It only reads (Get, List and Describe calls); it never reads a',
      'secret value. Exit status: 0 nothing failed; 2 usage or config error; 3 a check failed; 4 AWS could not be reached.',
    ],
    run: async (args): Promise<number> => (await import('./doctor/index.js')).doctor(args.flags),
  }),
} satisfies CommandTable;
