import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../../functions/core/config/validate.js';
import { ConfigError } from '../../../../functions/core/errors.js';

const valid = () => ({
  targets: {
    mycats: {
      health: [{ name: 'api', url: 'http://127.0.0.1:3004/health' }],
      postgres: [{ host: 'db.local', database: 'mycats', user: 'app', passwordParameter: '/app/db' }],
      servers: { tags: { System: 'mycats' }, disk: { warning: 80, critical: 90 } },
    },
  },
});

function issuesFor(mutate: (c: any) => void, options = {}): string[] {
  const config = valid();
  mutate(config);
  try {
    validateConfig(config, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('config was accepted');
}

describe('validateConfig', () => {
  it('accepts the contract shape and fills the defaults', () => {
    const config = validateConfig(valid());
    expect(config.timezone).toBe('UTC');
    expect(config.language).toBe('en');
    expect(config.alerting.consecutiveFailures).toBe(2);
    const check = config.targets.mycats!.health![0]!;
    expect(check.every).toBe('5m');
    expect(check.timeout).toBe('10s');
    expect(check.method).toBe('GET');
    expect(config.targets.mycats!.postgres![0]!.port).toBe(5432);
  });

  // Each malformed config is rejected with the path of the offending field.
  const cases: Array<[string, (c: any) => void, RegExp]> = [
    ['URL that is not http(s)', (c) => (c.targets.mycats.health[0].url = 'ftp://x'), /^targets\.mycats\.health\[0\]\.url: invalid URL/],
    ['URL that does not parse', (c) => (c.targets.mycats.health[0].url = 'not a url'), /^targets\.mycats\.health\[0\]\.url: invalid URL/],
    [
      'duration without unit',
      (c) => (c.targets.mycats.health[0].timeout = '10'),
      /^targets\.mycats\.health\[0\]\.timeout: invalid duration/,
    ],
    [
      'duration with unknown unit',
      (c) => (c.targets.mycats.health[0].every = '5 minutes'),
      /^targets\.mycats\.health\[0\]\.every: invalid duration/,
    ],
    ['target name with capitals', (c) => (c.targets.MyCats = c.targets.mycats), /^targets\.MyCats: invalid target name/],
    ['unknown method', (c) => (c.targets.mycats.health[0].method = 'POST'), /^targets\.mycats\.health\[0\]\.method: /],
    ['status out of range', (c) => (c.targets.mycats.health[0].expect = { status: 999 }), /^targets\.mycats\.health\[0\]\.expect\.status/],
    ['misspelt key', (c) => (c.targets.mycats.health[0].timout = '5s'), /^targets\.mycats\.health\[0\]: Unrecognized key.*timout/],
    ['unknown language', (c) => (c.language = 'fr'), /^language: /],
    ['unknown time zone', (c) => (c.timezone = 'Mars/Olympus'), /^timezone: unknown IANA time zone/],
    ['port out of range', (c) => (c.targets.mycats.postgres[0].port = 70000), /^targets\.mycats\.postgres\[0\]\.port: /],
    [
      'host with shell metacharacters',
      (c) => (c.targets.mycats.postgres[0].host = 'db;rm -rf /'),
      /^targets\.mycats\.postgres\[0\]\.host: invalid host/,
    ],
    [
      'connections warning above critical',
      (c) => (c.targets.mycats.postgres[0].checks = { connections: { warning: 90, critical: 80 } }),
      /^targets\.mycats\.postgres\[0\]\.checks\.connections\.warning: warning must not exceed critical/,
    ],
    ['disk percent over 100', (c) => (c.targets.mycats.servers.disk.critical = 120), /^targets\.mycats\.servers\.disk\.critical: /],
    ['servers without tags', (c) => (c.targets.mycats.servers.tags = {}), /^targets\.mycats\.servers\.tags: at least one tag/],
    ['bad subscriber', (c) => (c.subscribers = { critical: ['not-an-address'] }), /^subscribers\.critical\[0\]: invalid subscriber/],
    [
      'backup time not HH:MM',
      (c) => (c.targets.mycats.postgres[0].backup = { at: '25:00' }),
      /^targets\.mycats\.postgres\[0\]\.backup\.at: /,
    ],
    ['no targets', (c) => (c.targets = {}), /^targets: at least one target/],
    [
      'duplicate check names',
      (c) => c.targets.mycats.health.push({ name: 'api', url: 'http://x/' }),
      /^targets\.mycats\.health\[1\]\.name: duplicate check name "api"/,
    ],
    [
      'silence for an unknown target',
      (c) => (c.silences = [{ target: 'nope', reason: 'x', until: '2026-12-01T00:00:00Z' }]),
      /^silences\[0\]\.target: unknown target "nope"/,
    ],
    [
      'silence with both until and weekly',
      (c) => (c.silences = [{ reason: 'x', until: '2026-12-01T00:00:00Z', weekly: { days: ['sun'], from: '01:00', to: '02:00' } }]),
      /^silences\[0\]: give exactly one/,
    ],
    [
      'log pattern spanning lines',
      (c) => (c.targets.mycats.servers.security = { logPatterns: [{ path: '/var/log/x', pattern: 'a\nb', warning: 1 }] }),
      /^targets\.mycats\.servers\.security\.logPatterns\[0\]\.pattern: invalid pattern/,
    ],
    [
      'severity override with unknown level',
      (c) => (c.targets.mycats.health[0].severity = { critical: 'urgent' }),
      /^targets\.mycats\.health\[0\]\.severity\.critical: /,
    ],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, mutate, expected) => {
    const issues = issuesFor(mutate);
    expect(
      issues.some((issue) => expected.test(issue)),
      issues.join('\n'),
    ).toBe(true);
  });

  it('refuses a password in a deployed config, pointing at passwordParameter', () => {
    const issues = issuesFor(
      (c) => {
        delete c.targets.mycats.postgres[0].passwordParameter;
        c.targets.mycats.postgres[0].password = 'hunter2';
      },
      { forDeployment: true },
    );
    expect(issues).toEqual([expect.stringMatching(/^targets\.mycats\.postgres\[0\]\.password: passwords are refused.*passwordParameter/)]);
    expect(issues.join()).not.toContain('hunter2');
  });

  it('allows a password in a local run', () => {
    const config = valid();
    (config.targets.mycats.postgres[0] as any).passwordParameter = undefined;
    (config.targets.mycats.postgres[0] as any).password = 'local-only';
    expect(validateConfig(config).targets.mycats!.postgres![0]!.password).toBe('local-only');
  });
});
