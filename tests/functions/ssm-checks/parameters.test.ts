import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.js';
import { commandParameters, scriptEnvironment } from '../../../functions/remote/script.js';
import { checkServerParameters as checkParameters, parametersFor, SERVER_CHECKS } from '../../../functions/ssm-checks/checks.js';
import { configWithServers } from './helpers.js';

const serversOf = (raw: Record<string, unknown>) => configWithServers(raw).targets.web!.servers!;

describe('document parameters from config', () => {
  it("derives every value of a run from the target's servers config", () => {
    const servers = serversOf({
      disk: { warning: 80, critical: 90, paths: ['/opt/system-gear', '/var/log/system-gear'] },
      security: {
        failedLogins: { warning: 10, window: '90m' },
        logPatterns: [{ path: '/var/log/system-gear/api-combined.log', pattern: 'Auth rate limit exceeded', warning: 10, window: '1h' }],
        allowedPorts: [22, 80, 443],
        appPaths: ['/opt/system-gear'],
      },
    });
    expect(parametersFor('disk', servers)).toEqual({ contract: '1', paths: '/opt/system-gear:/var/log/system-gear' });
    const security = parametersFor('security', servers);
    expect(security).toEqual({
      contract: '1',
      failedLoginWindow: '5400',
      logPatterns: `3600 /var/log/system-gear/api-combined.log ${Buffer.from('Auth rate limit exceeded').toString('base64')}`,
      allowedPorts: '22,80,443',
      appPaths: '/opt/system-gear',
    });
    expect(() => checkParameters('disk', parametersFor('disk', servers), 'web')).not.toThrow();
    expect(() => checkParameters('security', security, 'web')).not.toThrow();
  });

  it('passes any pattern, metacharacters and Japanese included, as base64 that fits the allowedPattern', () => {
    const pattern = '$(touch /tmp/pwned) `id`; "認証失敗" | rm -rf /';
    const params = parametersFor('security', serversOf({ security: { logPatterns: [{ path: '/var/log/app.log', pattern, warning: 1 }] } }));
    expect(() => checkParameters('security', params, 'web')).not.toThrow();
    const encoded = params.logPatterns!.split(' ')[2]!;
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(pattern);
    expect(params.logPatterns).not.toContain('$(');
  });

  it('sends the resources check the target name as its state key and each process as its kind and base64 data', () => {
    const servers = serversOf({
      resources: { cpu: { warning: 70, critical: 85 } },
      processes: [
        { name: 'api', pm2: 'system-gear-api', min: 2 },
        { name: 'flask', match: 'python run.py $(touch /tmp/pwned) `id`; "x"', maxRss: '512MB' },
        { name: 'db', unit: 'postgresql@15-main.service' },
      ],
    });
    const params = parametersFor('resources', servers, 'system-gear');
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    expect(params).toEqual({
      contract: '1',
      stateKey: 'system-gear',
      processes: [
        `pm2 ${b64('system-gear-api')}`,
        `match ${b64('python run.py $(touch /tmp/pwned) `id`; "x"')}`,
        `unit ${b64('postgresql@15-main.service')}`,
      ].join(';'),
    });
    expect(() => checkParameters('resources', params, 'system-gear')).not.toThrow();
    expect(params.processes).not.toMatch(/[$`"; ]{2}/);
    // Thresholds stay with the function: the script only measures.
    expect(Object.keys(params)).not.toContain('cpu');
  });

  it('runs the resources check only where resources or processes are configured', () => {
    expect(SERVER_CHECKS.resources.job).toBe('disk');
    expect(SERVER_CHECKS.resources.appliesTo(serversOf({}))).toBe(false);
    expect(SERVER_CHECKS.resources.appliesTo(serversOf({ resources: {} }))).toBe(true);
    expect(SERVER_CHECKS.resources.appliesTo(serversOf({ processes: [{ name: 'x', unit: 'x' }] }))).toBe(true);
    expect(SERVER_CHECKS.disk.appliesTo(serversOf({}))).toBe(true);
  });

  it('refuses values SSM would refuse, naming the config field', () => {
    const many = serversOf({ disk: { warning: 80, critical: 90, paths: Array.from({ length: 33 }, (_, i) => `/data/${i}`) } });
    expect(() => checkParameters('disk', parametersFor('disk', many), 'web')).toThrow(ConfigError);
    expect(() => checkParameters('disk', parametersFor('disk', many), 'web')).toThrow(/targets\.web\.servers\.disk\.paths: does not fit/);
    const long = serversOf({ security: { appPaths: [`/${'a'.repeat(300)}`] } });
    expect(() => checkParameters('security', parametersFor('security', long), 'web')).toThrow(/targets\.web\.servers\.security\.appPaths/);
    expect(() => checkParameters('disk', { contract: '1', paths: '/x;id' }, 'web')).toThrow(/servers\.disk\.paths/);
    expect(() => checkParameters('disk', { contract: '1', bogus: 'x' }, 'web')).toThrow(/no parameter "bogus"/);
  });

  it('every default fits its own pattern, and no pattern admits shell syntax', () => {
    for (const spec of Object.values(SERVER_CHECKS).flatMap((c) => c.script.parameters)) {
      const re = new RegExp(spec.allowedPattern);
      expect(re.test(spec.default ?? ''), spec.name).toBe(true);
      for (const bad of ['$(id)', '`id`', 'a;b', 'a\nb', "'", '"', '|', '&', '>', '<', '*'])
        expect(re.test(bad), `${spec.name} ${bad}`).toBe(false);
    }
  });

  it('SendCommand carries non-empty values; the local run sees SSM_<name> with defaults, as ENV_VAR interpolation does', () => {
    const params = { contract: '1', failedLoginWindow: '3600', logPatterns: '', allowedPorts: '22', appPaths: '' };
    expect(commandParameters(params)).toEqual({ contract: ['1'], failedLoginWindow: ['3600'], allowedPorts: ['22'] });
    expect(scriptEnvironment(SERVER_CHECKS.security.script, { contract: '1', allowedPorts: '22' })).toEqual({
      SSM_contract: '1',
      SSM_failedLoginWindow: '3600',
      SSM_logPatterns: '',
      SSM_allowedPorts: '22',
      SSM_appPaths: '',
    });
  });
});
