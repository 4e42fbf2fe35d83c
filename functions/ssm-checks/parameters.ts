import { durationMs } from '../core/config/duration.js';
import type { ServersConfig } from '../core/config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { ServerJob } from './executor.js';

/**
 * One parameter of a check document. The same list builds the SSM documents (lib/ssm) and the
 * local run's environment, so both pass exactly the same values under the same names.
 */
export interface DocumentParameter {
  readonly name: string;
  readonly description: string;
  /** Checked by SSM before the command is accepted and by `checkParameters` before a local run. */
  readonly allowedPattern: string;
  readonly default: string;
}

const PATH = '/[A-Za-z0-9._/-]{0,255}';
const PATH_LIST = `^(${PATH}(:${PATH}){0,31})?$`;
const SECONDS = '[1-9][0-9]{0,7}';
const LOG_PATTERN = `${SECONDS} ${PATH} [A-Za-z0-9+/=]{4,1100}`;

/** Always "1": a script that does not see SSM_contract knows the agent did not pass parameters as environment variables. */
const CONTRACT: DocumentParameter = {
  name: 'contract',
  description: 'Parameter contract version of the ops-autopilot scripts; always 1.',
  allowedPattern: '^1$',
  default: '1',
};

export const DOCUMENT_PARAMETERS: Readonly<Record<ServerJob, readonly DocumentParameter[]>> = {
  disk: [
    CONTRACT,
    {
      name: 'paths',
      description: 'Absolute paths whose filesystems are checked besides every local one, ":"-separated.',
      allowedPattern: PATH_LIST,
      default: '',
    },
  ],
  security: [
    CONTRACT,
    {
      name: 'failedLoginWindow',
      description: 'Window for counting failed SSH logins, in seconds.',
      allowedPattern: `^${SECONDS}$`,
      default: '3600',
    },
    {
      name: 'logPatterns',
      description: 'Log patterns to count, ";"-separated "<window seconds> <absolute path> <base64 of the fixed string>".',
      allowedPattern: `^(${LOG_PATTERN}(;${LOG_PATTERN}){0,31})?$`,
      default: '',
    },
    {
      name: 'allowedPorts',
      description: 'TCP ports allowed to listen on non-loopback addresses, ","-separated; empty lists ports without judging them.',
      allowedPattern: '^([0-9]{1,5}(,[0-9]{1,5}){0,127})?$',
      default: '',
    },
    {
      name: 'appPaths',
      description: 'Application directories searched for world-readable .env files, ":"-separated.',
      allowedPattern: PATH_LIST,
      default: '',
    },
  ],
};

/** SendCommand's delivery timeout: a node that has not picked the command up by then is unreachable. */
export const DELIVERY_TIMEOUT_SECONDS = 60;

/** The aws:runShellScript step's execution timeout. */
export const EXECUTION_TIMEOUT_SECONDS: Readonly<Record<ServerJob, number>> = { disk: 120, security: 300 };

/** Where each parameter comes from in the config, for error messages. */
const CONFIG_FIELD: Readonly<Record<string, string>> = {
  paths: 'servers.disk.paths',
  failedLoginWindow: 'servers.security.failedLogins.window',
  logPatterns: 'servers.security.logPatterns',
  allowedPorts: 'servers.security.allowedPorts',
  appPaths: 'servers.security.appPaths',
};

function seconds(duration: string): string {
  return String(Math.max(1, Math.ceil(durationMs(duration) / 1000)));
}

/** The document parameters of one target's run, every value derived from its `servers` config. */
export function parametersFor(job: ServerJob, servers: ServersConfig): Record<string, string> {
  if (job === 'disk') return { contract: '1', paths: (servers.disk?.paths ?? []).join(':') };
  const security = servers.security;
  return {
    contract: '1',
    failedLoginWindow: seconds(security?.failedLogins?.window ?? '1h'),
    logPatterns: (security?.logPatterns ?? [])
      .map((p) => `${seconds(p.window)} ${p.path} ${Buffer.from(p.pattern, 'utf8').toString('base64')}`)
      .join(';'),
    allowedPorts: (security?.allowedPorts ?? []).join(','),
    appPaths: (security?.appPaths ?? []).join(':'),
  };
}

/**
 * Throws a ConfigError naming the config field when a value would not pass the document's
 * allowedPattern (SSM would refuse the command; the local run refuses it the same way).
 */
export function checkParameters(job: ServerJob, params: Readonly<Record<string, string>>, target: string): void {
  const known = new Map(DOCUMENT_PARAMETERS[job].map((p) => [p.name, p]));
  const issues: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const spec = known.get(name);
    const field = `targets.${target}.${CONFIG_FIELD[name] ?? name}`;
    if (!spec) issues.push(`${field}: the ${job} document has no parameter "${name}"`);
    else if (!new RegExp(spec.allowedPattern).test(value))
      issues.push(
        `${field}: does not fit the ${job} document's parameter "${name}" (${spec.allowedPattern}); too many or too long entries?`,
      );
  }
  if (issues.length) throw new ConfigError(`invalid config:\n  ${issues.join('\n  ')}`, issues);
}

/** Parameters SendCommand carries: the non-empty ones (an empty value is the document default). */
export function commandParameters(params: Readonly<Record<string, string>>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [k, [v]]),
  );
}

/** What the script sees: SSM_<name> for every document parameter, defaults filled in, as SSM's ENV_VAR interpolation does. */
export function scriptEnvironment(job: ServerJob, params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(DOCUMENT_PARAMETERS[job].map((p) => [`SSM_${p.name}`, params[p.name] || p.default]));
}
