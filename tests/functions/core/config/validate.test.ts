import { describe, expect, it } from 'vitest';
import { freshnessCheckName } from '../../../../functions/backup/freshness.js';
import { memorySizeKb } from '../../../../functions/core/config/fields.js';
import { BACKUP_AGE_SUFFIX } from '../../../../functions/core/config/schema.js';
import { ConfigError } from '../../../../functions/core/errors.js';
import { validateConfig } from '../../../../functions/kinds/config.js';

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
    [
      'a UTC offset for a time zone (Node takes it, Scheduler does not)',
      (c) => (c.timezone = '+09:00'),
      /^timezone: "\+09:00" is a UTC offset, not an IANA time zone name: use "Etc\/GMT-9" \(note the inverted sign\) or the zone of a city/,
    ],
    [
      'a half-hour offset',
      (c) => (c.timezone = 'UTC+05:30'),
      /^timezone: "UTC\+05:30" is a UTC offset, not an IANA time zone name: use the zone of a city/,
    ],
    [
      'flapThreshold larger than flapWindow (flapping could never trigger)',
      (c) => (c.alerting = { flapThreshold: 11, flapWindow: 10 }),
      /^alerting\.flapThreshold: flapThreshold \(11\) must not exceed flapWindow \(10\)/,
    ],
    ['port out of range', (c) => (c.targets.mycats.postgres[0].port = 70000), /^targets\.mycats\.postgres\[0\]\.port: /],
    [
      'host with shell metacharacters',
      (c) => (c.targets.mycats.postgres[0].host = 'db;rm -rf /'),
      /^targets\.mycats\.postgres\[0\]\.host: invalid host/,
    ],
    [
      'connections warning above critical',
      (c) => (c.targets.mycats.postgres[0].checks = { connections: { warning: 90, critical: 80 } }),
      /^targets\.mycats\.postgres\[0\]\.checks\.connections\.warning: warning \(90\) must not exceed critical \(80\)/,
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
    // Issue 12: config that used to be accepted and failed (or misled) at run time.
    [
      'responseTime warning above critical',
      (c) => (c.targets.mycats.health[0].responseTime = { warning: '2s', critical: '1s' }),
      /^targets\.mycats\.health\[0\]\.responseTime\.warning: warning \(2s\) must not exceed critical \(1s\)/,
    ],
    [
      'a responseTime threshold the timeout would cut short',
      (c) => Object.assign(c.targets.mycats.health[0], { timeout: '5s', responseTime: { warning: '1s', critical: '5s' } }),
      /^targets\.mycats\.health\[0\]\.responseTime\.critical: .*below timeout \(5s\)/,
    ],
    [
      'certificate warningDays below criticalDays',
      (c) => (c.targets.mycats.health[0].certificate = { warningDays: 5, criticalDays: 10 }),
      /^targets\.mycats\.health\[0\]\.certificate\.warningDays: warningDays \(5\) must not be below criticalDays \(10\)/,
    ],
    [
      'certificate warningDays below the default criticalDays',
      (c) => (c.targets.mycats.health[0].certificate = { warningDays: 3 }),
      /^targets\.mycats\.health\[0\]\.certificate\.warningDays: .*criticalDays \(7/,
    ],
    [
      'failedLogins warning above critical',
      (c) => (c.targets.mycats.servers.security = { failedLogins: { warning: 20, critical: 5 } }),
      /^targets\.mycats\.servers\.security\.failedLogins\.warning: warning \(20\) must not exceed critical \(5\)/,
    ],
    [
      'a log pattern warning above critical',
      (c) => (c.targets.mycats.servers.security = { logPatterns: [{ path: '/var/log/x', pattern: 'x', warning: 9, critical: 3 }] }),
      /^targets\.mycats\.servers\.security\.logPatterns\[0\]\.warning: warning \(9\) must not exceed critical \(3\)/,
    ],
    [
      'disk warning above critical',
      (c) => (c.targets.mycats.servers.disk = { warning: 95, critical: 90 }),
      /^targets\.mycats\.servers\.disk\.warning: warning \(95\) must not exceed critical \(90\)/,
    ],
    [
      'backup.at cron(garbage)',
      (c) => (c.targets.mycats.postgres[0].backup = { at: 'cron(garbage)' }),
      /^targets\.mycats\.postgres\[0\]\.backup\.at: .*6 fields/,
    ],
    [
      'backup.at cron without "?"',
      (c) => (c.targets.mycats.postgres[0].backup = { at: 'cron(0 2 * * * *)' }),
      /^targets\.mycats\.postgres\[0\]\.backup\.at: exactly one of day-of-month and day-of-week must be "\?"/,
    ],
    [
      'backup.at that is neither HH:MM nor cron',
      (c) => (c.targets.mycats.postgres[0].backup = { at: 'daily' }),
      /^targets\.mycats\.postgres\[0\]\.backup\.at: invalid schedule/,
    ],
    [
      'timeout "0s"',
      (c) => (c.targets.mycats.health[0].timeout = '0s'),
      /^targets\.mycats\.health\[0\]\.timeout: .*must be greater than 0/,
    ],
    ['every "0m"', (c) => (c.targets.mycats.health[0].every = '0m'), /^targets\.mycats\.health\[0\]\.every: .*must be greater than 0/],
    [
      'a 25-day timeout',
      (c) => Object.assign(c.targets.mycats.health[0], { every: '30d', timeout: '25d' }),
      /^targets\.mycats\.health\[0\]\.timeout: .*at most 15m/,
    ],
    [
      'a timeout longer than the interval',
      (c) => Object.assign(c.targets.mycats.health[0], { every: '1m', timeout: '90s' }),
      /^targets\.mycats\.health\[0\]\.timeout: timeout \(90s\) must not exceed every \(1m\)/,
    ],
    [
      'a postgres timeout longer than its interval',
      (c) => Object.assign(c.targets.mycats.postgres[0], { every: '1m', timeout: '2m' }),
      /^targets\.mycats\.postgres\[0\]\.timeout: timeout \(2m\) must not exceed every \(1m\)/,
    ],
    [
      'a timeout longer than the default interval',
      (c) => (c.targets.mycats.health[0].timeout = '6m'),
      /^targets\.mycats\.health\[0\]\.timeout: timeout \(6m\) must not exceed every \(5m\)/,
    ],
    [
      'a duration over a year',
      (c) => (c.targets.mycats.postgres[0].backup = { maxAge: '53w' }),
      /^targets\.mycats\.postgres\[0\]\.backup\.maxAge: .*at most 365d/,
    ],
    [
      'a response target of 0',
      (c) => (c.severities = { critical: { respondWithin: '0m' } }),
      /^severities\.critical\.respondWithin: .*greater than 0/,
    ],
    [
      'a CRLF in a header value',
      (c) => (c.targets.mycats.health[0].headers = { 'X-Token': 'abc\r\nX-Injected: 1' }),
      /^targets\.mycats\.health\[0\]\.headers\.X-Token: invalid header value: control character/,
    ],
    [
      'a NUL in a header value',
      (c) => (c.targets.mycats.health[0].headers = { 'X-Token': 'a\u0000b' }),
      /^targets\.mycats\.health\[0\]\.headers\.X-Token: invalid header value: control character/,
    ],
    [
      'a header value beyond Latin-1',
      (c) => (c.targets.mycats.health[0].headers = { 'X-Name': '正常' }),
      /^targets\.mycats\.health\[0\]\.headers\.X-Name: invalid header value/,
    ],
    [
      'the same header twice in different case',
      (c) => (c.targets.mycats.health[0].headers = { 'X-Token': 'a', 'x-token': 'b' }),
      /^targets\.mycats\.health\[0\]\.headers\.x-token: duplicate header/,
    ],
    [
      'HEAD with bodyContains',
      (c) => Object.assign(c.targets.mycats.health[0], { method: 'HEAD', expect: { bodyContains: 'OK' } }),
      /^targets\.mycats\.health\[0\]\.expect\.bodyContains: HEAD answers carry no body/,
    ],
    [
      'HEAD with json',
      (c) => Object.assign(c.targets.mycats.health[0], { method: 'HEAD', expect: { json: { status: 'OK' } } }),
      /^targets\.mycats\.health\[0\]\.expect\.json: HEAD answers carry no body/,
    ],
    [
      'an extended regular expression grep -E refuses',
      (c) => (c.targets.mycats.servers.security = { logPatterns: [{ path: '/var/log/x.log', pattern: '(5xx', regex: true, warning: 1 }] }),
      /^targets\.mycats\.servers\.security\.logPatterns\[0\]\.pattern: invalid extended regular expression .*: 1 "\(" not closed/,
    ],
    [
      'a process with none of match, unit and pm2',
      (c) => (c.targets.mycats.servers.processes = [{ name: 'api' }]),
      /^targets\.mycats\.servers\.processes\[0\]: give exactly one of "match", "unit" or "pm2"$/,
    ],
    [
      'a process with both pm2 and unit',
      (c) => (c.targets.mycats.servers.processes = [{ name: 'api', pm2: 'api', unit: 'api' }]),
      /^targets\.mycats\.servers\.processes\[0\]\.pm2: give exactly one of "match", "unit" or "pm2", not "unit" and "pm2"$/,
    ],
    [
      'two processes by one name',
      (c) =>
        (c.targets.mycats.servers.processes = [
          { name: 'api', pm2: 'a' },
          { name: 'api', unit: 'b' },
        ]),
      /^targets\.mycats\.servers\.processes\[1\]\.name: duplicate process name "api" in target mycats$/,
    ],
    [
      'a unit name that could be an option',
      (c) => (c.targets.mycats.servers.processes = [{ name: 'db', unit: '--all' }]),
      /^targets\.mycats\.servers\.processes\[0\]\.unit: invalid unit name/,
    ],
    [
      'a command line with a line break',
      (c) => (c.targets.mycats.servers.processes = [{ name: 'db', match: 'postgres\nrm -rf /' }]),
      /^targets\.mycats\.servers\.processes\[0\]\.match: invalid text \(one line, no control characters\)/,
    ],
    [
      'maxRss without a unit',
      (c) => (c.targets.mycats.servers.processes = [{ name: 'db', unit: 'postgresql', maxRss: '512' }]),
      /^targets\.mycats\.servers\.processes\[0\]\.maxRss: invalid size \(a number and KB, MB, GB or TB, such as "512MB"\)/,
    ],
    [
      'a CPU warning above its critical level',
      (c) => (c.targets.mycats.servers.resources = { cpu: { warning: 90, critical: 80 } }),
      /^targets\.mycats\.servers\.resources\.cpu\.warning: warning \(90\) must not exceed critical \(80\)/,
    ],
    [
      'a memory level over 100 %',
      (c) => (c.targets.mycats.servers.resources = { memory: { warning: 120 } }),
      /^targets\.mycats\.servers\.resources\.memory\.warning: /,
    ],
    [
      'an unknown resource',
      (c) => (c.targets.mycats.servers.resources = { disk: { warning: 1 } }),
      /^targets\.mycats\.servers\.resources: .*disk/,
    ],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, mutate, expected) => {
    const issues = issuesFor(mutate);
    expect(
      issues.some((issue) => expected.test(issue)),
      issues.join('\n'),
    ).toBe(true);
  });

  it('accepts the edges of the rules: equal levels, a timeout equal to the interval, a year', () => {
    const config = valid() as any;
    Object.assign(config.targets.mycats.health[0], {
      every: '1m',
      timeout: '1m',
      responseTime: { warning: '1s', critical: '1s' },
      certificate: { warningDays: 7, criticalDays: 7 },
      headers: { 'X-Token': 'a\tb café' },
    });
    config.targets.mycats.postgres[0].backup = { at: 'cron(0 2 ? * MON-FRI *)', maxAge: '365d' };
    config.targets.mycats.servers.security = { failedLogins: { warning: 5, critical: 5 } };
    expect(() => validateConfig(config)).not.toThrow();
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

  it('takes iamAuth as true or { resourceId }, and names the field of a resource id that is not one', () => {
    const withIam = (iamAuth: unknown) => (c: any) => {
      delete c.targets.mycats.postgres[0].passwordParameter;
      c.targets.mycats.postgres[0].iamAuth = iamAuth;
    };
    const config = valid();
    withIam({ resourceId: 'cluster-ABCDEFGHIJ0123' })(config);
    expect(validateConfig(config).targets.mycats!.postgres![0]!.iamAuth).toEqual({ resourceId: 'cluster-ABCDEFGHIJ0123' });
    expect(issuesFor(withIam({ resourceId: 'arn:aws:rds:ap-northeast-1:123456789012:db:shop' }))).toEqual([
      expect.stringMatching(/^targets\.mycats\.postgres\[0\]\.iamAuth\.resourceId: invalid resourceId/),
    ]);
    expect(issuesFor(withIam({ resourceId: 'db-ABC', region: 'x' })).join()).toMatch(/targets\.mycats\.postgres\[0\]\.iamAuth/);
  });

  it('refuses a "__proto__" key by its path, which the schema would skip silently (JSON.parse makes it an own key)', () => {
    const target = '{"health":[{"url":"http://127.0.0.1:9/"}]}';
    // Before, the second target was dropped without a word and the run went on with the first.
    expect(() => validateConfig(JSON.parse(`{"targets":{"web":${target},"__proto__":${target}}}`))).toThrow(
      'invalid config: targets.__proto__: the key "__proto__" is not allowed',
    );
    expect(() => validateConfig(JSON.parse(`{"targets":{"web":{"health":[{"url":"http://127.0.0.1:9/","__proto__":{}}]}}}`))).toThrow(
      'targets.web.health[0].__proto__: the key "__proto__" is not allowed',
    );
    expect(() => validateConfig(JSON.parse(`{"__proto__":{"polluted":true},"targets":{"web":${target}}}`))).toThrow(
      'invalid config: __proto__: the key "__proto__" is not allowed',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('allows a password in a local run', () => {
    const config = valid();
    (config.targets.mycats.postgres[0] as any).passwordParameter = undefined;
    (config.targets.mycats.postgres[0] as any).password = 'local-only';
    expect(validateConfig(config).targets.mycats!.postgres![0]!.password).toBe('local-only');
  });
});

describe('memory sizes (maxRss)', () => {
  it('reads KB, MB, GB and TB as binary units, as ps and PM2 count', () => {
    expect(memorySizeKb('512MB')).toBe(524_288);
    expect(memorySizeKb('512M')).toBe(524_288);
    expect(memorySizeKb('512 MiB')).toBe(524_288);
    expect(memorySizeKb('1.5GB')).toBe(1_572_864);
    expect(memorySizeKb('64kb')).toBe(64);
    expect(memorySizeKb('1TB')).toBe(1024 ** 3);
    for (const bad of ['512', 'MB', '-1MB', '1e3MB', '5 PB', '']) expect(memorySizeKb(bad), bad).toBeUndefined();
  });
});

describe('check names a backed-up database reserves', () => {
  it('refuses a check named like the health job freshness check of a backed-up database, at the check', () => {
    const issues = issuesFor((c) => {
      c.targets.mycats.postgres[0].backup = { at: '02:00' };
      c.targets.mycats.health.push({ name: 'mycats.backup-age', url: 'http://127.0.0.1:3004/' });
    });
    expect(issues).toEqual([
      'targets.mycats.health[1].name: check name "mycats.backup-age" is taken by the backup freshness check of mycats in target mycats',
    ]);
    // Without a backup the database has no freshness check, and the name is free.
    const free = valid();
    (free.targets.mycats.health as Array<{ name: string; url: string }>).push({ name: 'mycats.backup-age', url: 'http://127.0.0.1:3004/' });
    expect(() => validateConfig(free)).not.toThrow();
  });

  it('uses the suffix the freshness check is named with', () => {
    expect(freshnessCheckName('shop')).toBe(`shop${BACKUP_AGE_SUFFIX}`);
  });
});
