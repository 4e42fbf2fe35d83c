import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';
import type { DatabaseTokenRequest, SecretRef, SecretResolver } from '../ports/secrets.js';

export interface AwsSecretsOptions {
  readonly ssm?: Pick<SSMClient, 'send'>;
  readonly secretsManager?: Pick<SecretsManagerClient, 'send'>;
  /** Makes the RDS token signer; the default signs with the function's role in AWS_REGION. */
  readonly signer?: (config: SignerConfig) => Pick<Signer, 'getAuthToken'>;
  /** How long a value read stays cached (a warm function reads each secret once per period). @default 5 minutes */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
  readonly region?: string;
}

/**
 * Deployed functions read secrets where the config names them: SSM SecureStrings (decrypted),
 * Secrets Manager secrets (the string, or one JSON field of it), and RDS IAM tokens signed
 * locally with the role's credentials (no API call). Values are cached for `maxAgeMs`, so a
 * rotated secret is picked up within five minutes; failures are not cached.
 */
export class AwsSecrets implements SecretResolver {
  private readonly cache = new Map<string, { value: Promise<string>; expires: number }>();
  private ssmClient?: Pick<SSMClient, 'send'>;
  private secretsClient?: Pick<SecretsManagerClient, 'send'>;

  constructor(private readonly options: AwsSecretsOptions = {}) {
    this.ssmClient = options.ssm;
    this.secretsClient = options.secretsManager;
  }

  read(ref: SecretRef): Promise<string> {
    const key = 'parameter' in ref ? `ssm:${ref.parameter}` : `sm:${ref.secret}`;
    const now = (this.options.now ?? Date.now)();
    let entry = this.cache.get(key);
    if (!entry || entry.expires <= now) {
      const value = 'parameter' in ref ? this.getParameter(ref.parameter) : this.getSecret(ref.secret);
      entry = { value, expires: now + (this.options.maxAgeMs ?? 300_000) };
      this.cache.set(key, entry);
      value.catch(() => this.cache.delete(key));
    }
    return 'secret' in ref && ref.field !== undefined ? entry.value.then((text) => jsonField(text, ref.secret, ref.field!)) : entry.value;
  }

  async databaseToken(request: DatabaseTokenRequest): Promise<string> {
    const config: SignerConfig = {
      hostname: request.host,
      port: request.port,
      username: request.user,
      region: this.options.region ?? process.env.AWS_REGION,
    };
    const signer = this.options.signer ? this.options.signer(config) : new Signer(config);
    return signer.getAuthToken();
  }

  private async getParameter(name: string): Promise<string> {
    this.ssmClient ??= new SSMClient({});
    const out = await this.ssmClient.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    return value;
  }

  private async getSecret(id: string): Promise<string> {
    this.secretsClient ??= new SecretsManagerClient({});
    const out = await this.secretsClient.send(new GetSecretValueCommand({ SecretId: id }));
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString('utf8');
    throw new Error(`secret ${id} has no value`);
  }
}

function jsonField(text: string, secret: string, field: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`secret ${secret} is not JSON, so it has no field "${field}"`);
  }
  const value = (json as Record<string, unknown> | null)?.[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`secret ${secret} has no string field "${field}"`);
}

/** The resolver of deployed functions (one per execution environment, so the cache outlives invocations). */
export const awsSecrets = new AwsSecrets();
