import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsSecrets } from '../../../../functions/core/adapters/aws-secrets.js';
import { localSecretsFrom, localSecretVariable } from '../../../../functions/core/adapters/local/local-secrets.js';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

afterEach(() => {
  sm.reset();
  ssm.reset();
});

describe('AwsSecrets', () => {
  it('reads a Secrets Manager secret by name or ARN, exactly one GetSecretValue per period', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'rds!db-1234' }).resolves({ SecretString: '{"username":"app","password":"s3cret"}' });
    let now = 0;
    const secrets = new AwsSecrets({ now: () => now, maxAgeMs: 1000 });
    expect(await secrets.read({ secret: 'rds!db-1234' })).toBe('{"username":"app","password":"s3cret"}');
    expect(await secrets.read({ secret: 'rds!db-1234', field: 'password' })).toBe('s3cret');
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'rds!db-1234' }]);
    now = 1000;
    await secrets.read({ secret: 'rds!db-1234' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads an SSM SecureString with decryption', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'pw-from-ssm' } });
    const secrets = new AwsSecrets();
    expect(await secrets.read({ parameter: '/shop/db' })).toBe('pw-from-ssm');
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/shop/db', WithDecryption: true }]);
  });

  it('does not cache a failure, and says which field is missing', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }))
      .resolves({ SecretString: '{"token":"t"}' });
    const secrets = new AwsSecrets();
    await expect(secrets.read({ secret: 'api' })).rejects.toThrow(/can't find/);
    await expect(secrets.read({ secret: 'api', field: 'other' })).rejects.toThrow('secret api has no string field "other"');
    expect(await secrets.read({ secret: 'api', field: 'token' })).toBe('t');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('signs an RDS IAM token for the host, port, user and region, without any API call', async () => {
    const configs: SignerConfig[] = [];
    const secrets = new AwsSecrets({
      region: 'ap-northeast-1',
      signer: (config) => {
        configs.push(config);
        return new Signer({ ...config, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG' } });
      },
    });
    const token = await secrets.databaseToken({ host: 'db.cluster-x.ap-northeast-1.rds.amazonaws.com', port: 5432, user: 'app_iam' });
    expect(configs).toEqual([
      { hostname: 'db.cluster-x.ap-northeast-1.rds.amazonaws.com', port: 5432, username: 'app_iam', region: 'ap-northeast-1' },
    ]);
    const url = new URL(`https://${token}`);
    expect(url.host).toBe('db.cluster-x.ap-northeast-1.rds.amazonaws.com:5432');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('app_iam');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/rds-db\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(sm.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });
});

describe('local secrets', () => {
  it('read references from AUTOPILOT_SECRET_* variables and say which one is missing', async () => {
    expect(localSecretVariable({ secret: 'prod/api-token' })).toBe('AUTOPILOT_SECRET_PROD_API_TOKEN');
    expect(localSecretVariable({ secret: 'prod/api', field: 'token' })).toBe('AUTOPILOT_SECRET_PROD_API_TOKEN');
    expect(localSecretVariable({ parameter: '/shop/db' })).toBe('AUTOPILOT_SECRET_SHOP_DB');
    const local = localSecretsFrom({ AUTOPILOT_SECRET_SHOP_DB: 'x', PGPASSWORD: 'pg' });
    expect(await local.read({ parameter: '/shop/db' })).toBe('x');
    await expect(local.read({ secret: 'other' })).rejects.toThrow('not set for local runs: set AUTOPILOT_SECRET_OTHER');
    expect(local.localPassword!({ password: 'cfg' })).toBe('cfg');
    expect(local.localPassword!({})).toBe('pg');
  });
});
