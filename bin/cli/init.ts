import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_LOAD_TIMEOUT_ENV } from '../../functions/core/config/load.js';
import { ConfigError } from '../../functions/core/errors.js';
import { EXIT } from './exit-status.js';

/** The module a config imports `defineConfig` from: this checkout's functions/index.ts (spelled .js, as TypeScript does). */
const PACKAGE_ENTRY = fileURLToPath(new URL('../../functions/index.ts', import.meta.url));

/** The import specifier of the package entry from a config written at `file`: `./functions/index.js`, `../ops-autopilot/...`. */
export function entrySpecifier(file: string): string {
  const path = relative(dirname(resolve(file)), PACKAGE_ENTRY)
    .split(sep)
    .join('/')
    .replace(/\.ts$/, '.js');
  return path.startsWith('.') ? path : `./${path}`;
}

/** This machine's IANA time zone when it has one, else UTC (schedules and message times are in it). */
function localTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && /^[A-Za-z]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) ? zone : 'UTC';
}

/** The language of notices: Japanese where the locale is, English otherwise. */
function localLanguage(env: NodeJS.ProcessEnv = process.env): 'en' | 'ja' {
  return /^ja/i.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || '') ? 'ja' : 'en';
}

/**
 * The starter config: one target with one HTTP check and one PostgreSQL database backed up nightly, its password by
 * reference, e-mail subscribers, this machine's time zone and language. It validates for deployment and synthesizes
 * as it is; the placeholders are in reserved example domains, so nothing reaches a real person before it is edited.
 */
export function starterConfig(file: string, options: { timezone?: string; language?: 'en' | 'ja' } = {}): string {
  const timezone = options.timezone ?? localTimeZone();
  const language = options.language ?? localLanguage();
  return `// ops-autopilot config, written by \`autopilot init\`. Edit the targets and the subscribers, then:
//   npx autopilot run health --local   run the health checks once on this machine
//   npx autopilot doctor               check, read-only, what the AWS account still lacks
//   npx cdk deploy                     deploy the schedules, functions, bucket and topics
// Secrets are never written here, only their names: an SSM SecureString or a Secrets Manager secret.
import { defineConfig } from '${entrySpecifier(file)}';

export default defineConfig({
  // Schedules ("02:00") and the times in notices are in this IANA time zone.
  timezone: '${timezone}',
  // The language of notices and the digest: 'en' or 'ja'.
  language: '${language}',
  // Who is told, by severity: e-mail addresses, +E.164 phone numbers (SMS), https:// URLs, or SNS, SQS and Lambda ARNs.
  // E-mail subscribers confirm the mail AWS sends them after the deploy; a new account texts only verified numbers (the
  // SMS sandbox). The example.com addresses below are placeholders that reach nobody: put in your own.
  subscribers: {
    critical: ['oncall@example.com'],
    high: ['oncall@example.com'],
    medium: ['team@example.com'],
    low: ['team@example.com'],
    // The daily digest of every check and backup, at schedules.digest (09:00 by default).
    digest: ['team@example.com'],
  },
  targets: {
    // One system you run. Its name (lowercase letters, digits, "-") appears in notices, in the store and in --target.
    web: {
      description: 'The web shop',
      // HTTP checks: ok when the URL answers 200-299 (redirects followed) within the response-time limits.
      health: [{ name: 'home', url: 'https://www.example.com/', every: '5m', responseTime: { warning: '1s', critical: '3s' } }],
      // PostgreSQL: connects and counts connections every 5 minutes, and backs the database up with pg_dump.
      postgres: [
        {
          host: 'db.example.com',
          database: 'shop',
          user: 'autopilot',
          // The password's SSM SecureString, by name:
          //   aws ssm put-parameter --type SecureString --name /autopilot/web/db-password --value '...'
          // Local runs read PGPASSWORD instead.
          passwordParameter: '/autopilot/web/db-password',
          checks: { connections: { warning: 80, critical: 95 } },
          // Every night at 02:00 local time: dumped, verified with pg_restore, kept 30 days.
          backup: { at: '02:00', retentionDays: 30 },
        },
      ],
    },
  },
});
`;
}

/** `autopilot init`: writes the starter config; an existing file is overwritten only with --force. */
export async function init(flags: { readonly config: string; readonly force: boolean }): Promise<number> {
  const file = flags.config;
  if (!/\.[cm]?ts$/.test(file)) throw new ConfigError(`--config: init writes a TypeScript config (a .ts file), not ${file}`);
  const text = starterConfig(file);
  const path = resolve(file);
  if (flags.force) {
    // Replaced whole or not at all: a crash half-way leaves the old config, never half a new one.
    const staging = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(staging, text, { flag: 'wx' });
      renameSync(staging, path);
    } catch (error) {
      rmSync(staging, { force: true });
      throw new ConfigError(`--config: cannot write ${file}: ${(error as Error).message}`);
    }
  } else {
    try {
      writeFileSync(path, text, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ConfigError(`--config: ${file} exists; init leaves it alone (pass --force to overwrite it)`);
      }
      throw new ConfigError(`--config: cannot write ${file}: ${(error as Error).message}`);
    }
  }
  // What was written loads from where it was written (its import path resolves) and passes the deployment rules. The
  // file is ours, so a slow first load (the TypeScript loader compiling the checkout on a busy machine) is no hang: it
  // gets a minute rather than the 10 s a user's config gets.
  process.env[CONFIG_LOAD_TIMEOUT_ENV] ||= '60s';
  const { loadConfigFile } = await import('../../functions/kinds/config.js');
  await loadConfigFile(path, { forDeployment: true });
  process.stdout.write(
    `wrote ${file}: target "web" with one HTTP check and one PostgreSQL database backed up nightly, e-mail subscribers.\n` +
      'Next: put in your own URLs, hosts and addresses, then `npx autopilot doctor` and `npx cdk deploy`.\n',
  );
  return EXIT.ok;
}
