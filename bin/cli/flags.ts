import { ALERT_SEVERITIES, type AlertSeverity } from '../../functions/core/domain/severity.js';
import { ConfigError } from '../../functions/core/errors.js';
import { CLI_ENV, DEFAULT_STACK_NAME } from '../../functions/core/layout.js';
import type { SwitchFlag, ValueFlag } from './grammar.js';

/*
 * Flags more than one command takes, each spelled and explained once; a command's entry in commands.ts picks the ones
 * it takes (and declares its own beside them).
 */

/** `--fail-on` values, mildest first: exit 3 when a finding is at or above one (`ok` would fail every run). */
export const FAIL_ON_SEVERITIES: readonly AlertSeverity[] = [...ALERT_SEVERITIES].reverse();

/** Severities are case-insensitive: `--fail-on HIGH` is `high`. */
export function parseSeverity(text: string, flag: string): AlertSeverity {
  const severity = text.toLowerCase();
  if (!(FAIL_ON_SEVERITIES as readonly string[]).includes(severity)) {
    throw new ConfigError(`${flag}: expected one of ${FAIL_ON_SEVERITIES.join(', ')}, got "${text}"`);
  }
  return severity as AlertSeverity;
}

export const config = {
  type: 'string',
  value: '<file>',
  help: 'the config: a .ts file exporting defineConfig({...}), or .json (default ./ops.config.ts)',
} as const satisfies ValueFlag;

export const targets = {
  type: 'string',
  value: '<name>',
  multiple: true,
  help: 'only this target; repeat for more (default: every target)',
} as const satisfies ValueFlag;

export const local = {
  type: 'boolean',
  help: 'run on this machine: the store is --store (or S3_ENDPOINT), notices are printed instead of published',
} as const satisfies SwitchFlag;

export const json = {
  type: 'boolean',
  help: 'print exactly one JSON document on stdout (logs stay on stderr)',
} as const satisfies SwitchFlag;

export const store = {
  type: 'string',
  value: '<dir>',
  default: './backups',
  help: 'the local store: backups and alert state',
} as const satisfies ValueFlag;

export const stack = {
  type: 'string',
  value: '<name>',
  default: () => process.env[CLI_ENV.stack] || DEFAULT_STACK_NAME,
  help: `the deployed stack (default $${CLI_ENV.stack}, else ${DEFAULT_STACK_NAME})`,
} as const satisfies ValueFlag<string>;

export const failOn = {
  type: 'string',
  value: '<severity>',
  parse: parseSeverity,
  help: `exit 3 when a finding is at or above this severity (${FAIL_ON_SEVERITIES.join(', ')}; any case)`,
} as const satisfies ValueFlag<AlertSeverity>;
