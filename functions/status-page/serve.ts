import { STATUS_LINK_LIFETIME_MS, STATUS_LINK_PURPOSE, TOKEN_PARAMETER } from '../core/links/status-link.js';
import { MAX_TOKEN_CHARS, type LinkTokenCheck, verifyLinkToken } from '../core/links/signed-token.js';
import { STATUS_PAGE_KEY } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { Language } from './page/words.js';

/**
 * The status page function behind its URL (Lambda function URL, auth NONE): GET or HEAD of `/?t=<token>` answers
 * the private page from the bucket when the token is one this deployment signed for the status page and has not
 * expired; anything else gets a short plain page and changes nothing. The token is checked for shape before the key
 * is even read, the MAC compared in constant time, and neither the token nor the key is ever logged or echoed.
 */

/** The parts of a function URL event (payload format 2.0) this function reads. */
export interface UrlRequest {
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

export interface UrlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface ServeDependencies {
  readonly store: ObjectStore;
  /** The link key (read from Secrets Manager when deployed); called only for a token of the right shape. */
  readonly key: () => Promise<Buffer>;
  readonly now?: () => Date;
  readonly language?: Language;
}

/**
 * No script, no frames, no referrer (the URL holds the token), nothing cached anywhere: the page is private and
 * every answer depends on the token. `style-src 'unsafe-inline'` because the page carries its CSS inline.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'private, no-store',
  'x-robots-tag': 'noindex, nofollow',
  'cross-origin-resource-policy': 'same-origin',
};

const MESSAGES = {
  en: {
    denied: 'This link is not valid or has expired. Every alert and the daily digest carry a new one, valid 7 days.',
    missing: 'The status page has not been written yet: the health job writes it after its first run.',
    unavailable: 'The status page cannot be read right now. Try again in a minute.',
    method: 'Only GET is answered here.',
    notFound: 'Nothing here: open the link from an alert or the digest.',
  },
  ja: {
    denied: 'このリンクは無効か期限切れです。各アラートと日次ダイジェストに7日間有効な新しいリンクがあります。',
    missing: 'ステータスページはまだ作成されていません。ヘルスチェックの初回実行後に作成されます。',
    unavailable: 'ステータスページを今は読めません。1分ほどしてからもう一度お試しください。',
    method: 'GET のみ受け付けます。',
    notFound: 'ここには何もありません。アラートかダイジェストのリンクを開いてください。',
  },
} as const;

function plain(statusCode: number, text: string, extra: Record<string, string> = {}): UrlResponse {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra },
    body: `${text}\n`,
  };
}

/** The one `t` query parameter, or undefined when there is none, several, or the query is unreasonably long. */
export function tokenOf(rawQueryString: string | undefined): string | undefined {
  if (!rawQueryString || rawQueryString.length > MAX_TOKEN_CHARS + 64) return undefined;
  let values: string[];
  try {
    values = new URLSearchParams(rawQueryString).getAll(TOKEN_PARAMETER);
  } catch {
    return undefined;
  }
  return values.length === 1 ? values[0] : undefined;
}

export async function serveStatusPage(request: UrlRequest, deps: ServeDependencies): Promise<UrlResponse> {
  const m = MESSAGES[deps.language ?? 'en'];
  const method = request.requestContext?.http?.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return plain(405, m.method, { allow: 'GET, HEAD' });
  if ((request.rawPath ?? '/') !== '/') return plain(404, m.notFound);
  const token = tokenOf(request.rawQueryString);
  // A missing or misshapen token is refused before the key is read: a flood of junk costs no Secrets Manager call.
  if (token === undefined || !/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return plain(403, m.denied);
  let key: Buffer;
  try {
    key = await deps.key();
  } catch {
    return plain(503, m.unavailable, { 'retry-after': '60' });
  }
  let check: LinkTokenCheck;
  try {
    check = verifyLinkToken(token, key, {
      purpose: STATUS_LINK_PURPOSE,
      now: (deps.now ?? (() => new Date()))(),
      maxLifetimeMs: STATUS_LINK_LIFETIME_MS,
    });
  } catch {
    // Only a key too short to be one throws: the deployment's fault, not the visitor's.
    return plain(503, m.unavailable, { 'retry-after': '60' });
  }
  if (!check.ok) return plain(403, m.denied);
  let page: Buffer | undefined;
  try {
    page = (await deps.store.get(STATUS_PAGE_KEY))?.body;
  } catch {
    return plain(503, m.unavailable, { 'retry-after': '60' });
  }
  if (!page) return plain(404, m.missing);
  return {
    statusCode: 200,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' },
    body: method === 'HEAD' ? '' : page.toString('utf8'),
  };
}
