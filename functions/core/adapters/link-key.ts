import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIN_KEY_BYTES } from '../links/signed-token.js';

/**
 * The link key from Secrets Manager (a value the stack generates), kept for `maxAgeMs` so a warm function reads it
 * once per period; a failed read is not kept. The secret's string is the key (64 characters).
 */
export function linkKeyReader(
  secretId: string,
  client: () => Pick<SecretsManagerClient, 'send'>,
  options: { maxAgeMs?: number; now?: () => number } = {},
): () => Promise<Buffer> {
  let cached: { value: Promise<Buffer>; expires: number } | undefined;
  const now = options.now ?? Date.now;
  return () => {
    if (cached && cached.expires > now()) return cached.value;
    const value = client()
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .then((out) => {
        const key = Buffer.from(out.SecretString ?? '', 'utf8');
        if (key.length < MIN_KEY_BYTES) throw new Error(`the link key secret holds ${key.length} bytes, fewer than ${MIN_KEY_BYTES}`);
        return key;
      });
    const entry = { value, expires: now() + (options.maxAgeMs ?? 300_000) };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
