import { signLinkToken } from './signed-token.js';

/**
 * The status page link alerts and the digest carry: the page function's URL with a token valid 7 days from the
 * notice. Seven days because a link is signed with the deployment's link key (a secret in Secrets Manager, read by
 * the functions that send notices), not with a Lambda role's temporary credentials: an S3 presigned URL made by a
 * function stops working when the role's session ends, within hours.
 */
export const STATUS_LINK_PURPOSE = 'status';
export const STATUS_LINK_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** The query parameter carrying the token. */
export const TOKEN_PARAMETER = 't';

export function statusPageLink(baseUrl: string, key: Buffer, now: Date): string {
  const url = new URL(baseUrl);
  url.search = '';
  const expires = Math.floor((now.getTime() + STATUS_LINK_LIFETIME_MS) / 1_000);
  url.searchParams.set(TOKEN_PARAMETER, signLinkToken(key, STATUS_LINK_PURPOSE, expires));
  return url.toString();
}

/** What a job has to link the status page from what it sends; absent in --local runs and without a page function. */
export interface NoticeLinks {
  /** A fresh link to the status page, valid STATUS_LINK_LIFETIME_MS from `now`. */
  statusPage(now: Date): Promise<string>;
}
