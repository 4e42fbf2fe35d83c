import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { linkKeyReader } from '../core/adapters/link-key.js';
import { S3ObjectStore } from '../core/adapters/s3/s3-object-store.js';
import { readBucketName, readLinkKeySecret } from '../core/run/environment.js';
import { serveStatusPage, type UrlRequest, type UrlResponse } from './serve.js';

/**
 * The status page function (its URL is what alerts and the digest link): the config, validated at synth, only
 * gives the language of its short error pages, so this bundle carries no config schema, kinds or probes.
 */
export function createHandler(rawConfig: unknown) {
  const language = (rawConfig as { language?: unknown } | null)?.language === 'ja' ? 'ja' : 'en';
  const store = new S3ObjectStore(readBucketName());
  let client: SecretsManagerClient | undefined;
  const key = linkKeyReader(readLinkKeySecret(), () => {
    client ??= new SecretsManagerClient({});
    return client;
  });
  return (event: UrlRequest): Promise<UrlResponse> => serveStatusPage(event, { store, key, language });
}
