import type { ServersConfig } from '../../core/config/schema.js';
import { CONTRACT_PARAMETER, checkScript, PATH_LIST_PATTERN, PATH_PATTERN, SECONDS_PATTERN, seconds } from '../server-check.js';

/** "<window> <path> [re:]<base64>": "re:" marks an extended regular expression; the pattern itself is base64 data. */
const LOG_PATTERN = `${SECONDS_PATTERN} ${PATH_PATTERN} (re:)?[A-Za-z0-9+/=]{4,1100}`;

/** security.sh: the runbooks' security monitor and monthly checklist. */
export const SECURITY_SCRIPT = checkScript('security', new URL('./security.sh', import.meta.url), {
  description:
    'ops-autopilot security check: failed SSH logins, log pattern counts, sshd -T settings, UID 0 accounts, listening ports, pending ' +
    'security updates, world-readable .env files. Prints one JSON line, then detail.',
  executionTimeoutSeconds: 300,
  parameters: [
    CONTRACT_PARAMETER,
    {
      name: 'failedLoginWindow',
      description: 'Window for counting failed SSH logins, in seconds.',
      allowedPattern: `^${SECONDS_PATTERN}$`,
      default: '3600',
    },
    {
      name: 'logPatterns',
      description:
        'Log patterns to count, ";"-separated "<window seconds> <absolute path> <base64 of the fixed string>", or with "re:" before ' +
        'the base64 an extended regular expression (grep -E).',
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
      allowedPattern: PATH_LIST_PATTERN,
      default: '',
    },
  ],
});

/** Where each parameter comes from in the config, for error messages. */
export const SECURITY_CONFIG_FIELDS: Readonly<Record<string, string>> = {
  failedLoginWindow: 'servers.security.failedLogins.window',
  logPatterns: 'servers.security.logPatterns',
  allowedPorts: 'servers.security.allowedPorts',
  appPaths: 'servers.security.appPaths',
};

/** Log patterns go as base64, so no character of a pattern (a regular expression's either) is ever shell text or breaks the list. */
export function securityParameters(servers: ServersConfig): Record<string, string> {
  const security = servers.security;
  return {
    contract: '1',
    failedLoginWindow: seconds(security?.failedLogins?.window ?? '1h'),
    logPatterns: (security?.logPatterns ?? [])
      .map((p) => `${seconds(p.window)} ${p.path} ${p.regex ? 're:' : ''}${Buffer.from(p.pattern, 'utf8').toString('base64')}`)
      .join(';'),
    allowedPorts: (security?.allowedPorts ?? []).join(','),
    appPaths: (security?.appPaths ?? []).join(':'),
  };
}
