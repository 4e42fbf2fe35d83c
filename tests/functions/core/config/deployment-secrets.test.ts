import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../functions/core/errors.js';
import { validateConfig } from '../../../../functions/kinds/config.js';

function issuesOf(input: unknown, forDeployment = true): string[] {
  try {
    validateConfig(input, { forDeployment });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

const http = (extra: Record<string, unknown>) => ({
  targets: { shop: { health: [{ name: 'api', url: 'https://shop.example/health', ...extra }] } },
});
const db = (extra: Record<string, unknown>) => ({
  targets: { shop: { postgres: [{ host: 'db.example', database: 'app', user: 'app', ...extra }] } },
});

describe('secrets in deployed config', () => {
  it('refuses credential-bearing plain headers with the field path, and never echoes the value', () => {
    const issues = issuesOf(
      http({ headers: { Authorization: 'Bearer sk-live-123', Accept: 'application/json', 'X-Other': 'Basic dXNlcjpwYXNz' } }),
    );
    expect(issues).toEqual([
      expect.stringMatching(
        /^targets\.shop\.health\[0\]\.headers\.Authorization: plain header values that carry credentials are refused.*\{ secret:/,
      ),
      expect.stringMatching(/^targets\.shop\.health\[0\]\.headers\.X-Other: /),
    ]);
    expect(issues.join()).not.toMatch(/sk-live|dXNlcjpwYXNz/);
  });

  it('refuses user:password@ and token query parameters in URLs', () => {
    expect(issuesOf(http({ url: 'https://bob:hunter2@shop.example/health' }))).toEqual([
      expect.stringMatching(/^targets\.shop\.health\[0\]\.url: credentials in the URL \(user:password@\) are refused/),
    ]);
    expect(issuesOf(http({ url: 'https://shop.example/health?api_key=abc&page=1' }))).toEqual([
      expect.stringMatching(/^targets\.shop\.health\[0\]\.url: query parameter "api_key" looks like a credential/),
    ]);
  });

  it('accepts references, and plain values locally', () => {
    expect(
      issuesOf(http({ headers: { Authorization: { secret: 'shop/api', field: 'header' }, 'X-Api-Key': { parameter: '/shop/key' } } })),
    ).toEqual([]);
    expect(issuesOf(http({ headers: { Authorization: 'Bearer local' } }), false)).toEqual([]);
  });

  it('refuses a malformed reference with its path', () => {
    expect(issuesOf(http({ headers: { Authorization: { secret: 'x', key: 'y' } } }))).toEqual([
      'targets.shop.health[0].headers.Authorization: Unrecognized key: "key"',
    ]);
  });
});

describe('postgres credentials, TLS and network fields', () => {
  it('defaults ssl to verify-full and takes { mode, ca }', () => {
    expect(validateConfig(db({})).targets.shop!.postgres![0]!.ssl).toBe('verify-full');
    expect(validateConfig(db({ ssl: { mode: 'verify-full', ca: 'certs/ca.pem' } })).targets.shop!.postgres![0]!.ssl).toEqual({
      mode: 'verify-full',
      ca: 'certs/ca.pem',
    });
    expect(issuesOf(db({ ssl: { mode: 'require', ca: 'x.pem' } }))).toEqual([
      'targets.shop.postgres[0].ssl.ca: ca needs mode "verify-full" (a CA is only used to verify)',
    ]);
  });

  it('takes one credential source only', () => {
    expect(issuesOf(db({ secret: 'rds!db-1', passwordParameter: '/p' }))).toEqual([
      'targets.shop.postgres[0].secret: give one of password (local runs), passwordParameter, secret or iamAuth, not passwordParameter ' +
        'and secret',
    ]);
    expect(issuesOf(db({ secret: 'bad name!' }))).toEqual([
      'targets.shop.postgres[0].secret: invalid Secrets Manager secret (a name or an ARN)',
    ]);
  });

  it('refuses iamAuth without verified TLS', () => {
    expect(issuesOf(db({ iamAuth: true, ssl: false }))).toEqual([
      expect.stringMatching(/^targets\.shop\.postgres\[0\]\.ssl: iamAuth sends a signed token/),
    ]);
    expect(issuesOf(db({ iamAuth: true }))).toEqual([]);
  });

  it('checks the top-level network and a database network needing it', () => {
    expect(issuesOf(db({ network: 'vpc' }))).toEqual([
      'targets.shop.postgres[0].network: network needs the top-level "network" (vpcId, subnetIds)',
    ]);
    const network = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], routeTableIds: ['rtb-12345678'] };
    expect(validateConfig({ ...db({}), network }).network).toEqual({ ...network, interfaceEndpoints: false });
    expect(issuesOf({ ...db({}), network: { vpcId: 'vpc-x', subnetIds: [] } })).toEqual([
      'network.vpcId: invalid id (vpc-...)',
      'network.subnetIds: Too small: expected array to have >=1 items',
    ]);
  });
});
