import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSecrets } from '../../../../functions/core/adapters/aws-secrets.js';
import { fixedPassword } from '../../../../functions/core/adapters/local/local-secrets.js';
import { parseRdsSecret, resolvePostgresLogin } from '../../../../functions/kinds/postgres/login.js';
import { resolveHeaders } from '../../../../functions/kinds/http/headers.js';
import { collectHealthFindings } from '../../../../functions/health/collect-health-findings.js';
import { PostgresCluster } from '../../../support/postgres-cluster.js';
import { startHttpServer, type TestHttpServer } from '../../../support/http-servers.js';
import { validateConfig } from '../../../../functions/kinds/config.js';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
afterEach(() => {
  sm.reset();
  ssm.reset();
});

const base = { host: 'db.example', port: 5432, database: 'app', user: 'app' };

describe('resolvePostgresLogin', () => {
  it('takes username and password from an RDS managed master secret, keeping the config where the secret is silent', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"postgres","password":"m4ster"}' });
    const login = await resolvePostgresLogin({ ...base, secret: 'rds!db-abc' }, new AwsSecrets());
    expect(login).toEqual({ ...base, user: 'postgres', password: 'm4ster', source: 'secret rds!db-abc' });
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'rds!db-abc' }]);
  });

  it("takes host, port and dbname too where the secret has them (RDS's 'credentials for RDS database' secrets)", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        engine: 'postgres',
        host: 'new.rds.example',
        port: 6543,
        dbname: 'shop',
        username: 'u2',
        password: 'p',
      }),
    });
    const login = await resolvePostgresLogin(
      { ...base, secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf' },
      new AwsSecrets(),
    );
    expect(login).toMatchObject({ host: 'new.rds.example', port: 6543, database: 'shop', user: 'u2', password: 'p' });
  });

  it('refuses a secret that is not RDS-style JSON, naming it', () => {
    expect(() => parseRdsSecret('plain', 'x')).toThrow('secret x is not JSON');
    expect(() => parseRdsSecret('{"username":"a"}', 'x')).toThrow('secret x has no "password" string');
    expect(parseRdsSecret('{"password":"p","port":"5433"}', 'x')).toMatchObject({ port: 5433 });
  });

  it('signs an IAM token for iamAuth and reads passwordParameter from SSM', async () => {
    const secrets = new AwsSecrets({ signer: (c) => ({ getAuthToken: async () => `token-for-${c.username}@${c.hostname}:${c.port}` }) });
    expect(await resolvePostgresLogin({ ...base, iamAuth: true }, secrets)).toMatchObject({
      password: 'token-for-app@db.example:5432',
      source: 'iamAuth',
    });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'pw' } });
    expect(await resolvePostgresLogin({ ...base, passwordParameter: '/p' }, secrets)).toMatchObject({ password: 'pw' });
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/p', WithDecryption: true }]);
  });

  it('says which source failed', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }),
    );
    await expect(resolvePostgresLogin({ ...base, secret: 'db' }, new AwsSecrets())).rejects.toThrow(
      'cannot read secret db: AccessDeniedException: User is not authorized to perform secretsmanager:GetSecretValue',
    );
  });
});

describe('header values by reference', () => {
  it('reads references, keeps plain values, and returns what it read so it can be redacted', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'api' }).resolves({ SecretString: '{"authorization":"Bearer abc.def"}' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'k3y' } });
    const out = await resolveHeaders(
      { Accept: 'application/json', Authorization: { secret: 'api', field: 'authorization' }, 'X-Api-Key': { parameter: '/api/key' } },
      new AwsSecrets(),
    );
    expect(out).toEqual({
      headers: { Accept: 'application/json', Authorization: 'Bearer abc.def', 'X-Api-Key': 'k3y' },
      secrets: ['Bearer abc.def', 'k3y'],
    });
    await expect(resolveHeaders({ Authorization: { secret: 'gone' } }, fixedPassword(undefined))).rejects.toThrow(
      /^header Authorization: cannot read secret gone/,
    );
  });
});

describe('a deployed health run against real servers, the credentials from (mocked) Secrets Manager', () => {
  let cluster: PostgresCluster;
  let server: TestHttpServer;
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    server = await startHttpServer({
      '/health': (req, res) => {
        seen.push(req.headers.authorization);
        res.statusCode = req.headers.authorization === 'Bearer t0ken' ? 200 : 401;
        res.end('ok');
      },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await server?.close();
  });

  it('connects with the secret and sends the header read by reference', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'shop/db' }).resolves({
      SecretString: JSON.stringify({ username: cluster.superuser, password: cluster.password, host: '127.0.0.1', port: cluster.port }),
    });
    const config = validateConfig({
      targets: {
        shop: {
          health: [{ name: 'api', url: server.url('/health'), headers: { Authorization: { secret: 'shop/api' } } }],
          // host and port in the config are stale: the secret's win, as RDS keeps them current.
          postgres: [{ name: 'db', host: 'old.example', port: 1, database: 'postgres', user: 'nobody', secret: 'shop/db', ssl: false }],
        },
      },
    });
    // The header value is the whole secret string: the user stores "Bearer ..." as it goes on the wire.
    sm.on(GetSecretValueCommand, { SecretId: 'shop/api' }).resolves({ SecretString: 'Bearer t0ken' });
    const findings = await collectHealthFindings(config, { secrets: new AwsSecrets() });
    expect(findings.map((f) => [f.check, f.severity])).toEqual([
      ['api', 'ok'],
      ['db', 'ok'],
    ]);
    expect(seen).toEqual(['Bearer t0ken']);
    expect(JSON.stringify(findings)).not.toContain('t0ken');
    expect(JSON.stringify(findings)).not.toContain(cluster.password);
    expect(
      sm
        .commandCalls(GetSecretValueCommand)
        .map((c) => c.args[0].input.SecretId)
        .sort(),
    ).toEqual(['shop/api', 'shop/db']);
  });
});
