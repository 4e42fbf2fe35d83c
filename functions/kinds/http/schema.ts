import { z } from 'zod';
import { parseDuration } from '../../core/config/duration.js';
import { checkName, duration, secretRefSchema, severityOverride } from '../../core/config/fields.js';
import type { IssueReporter } from '../../core/kinds/contract.js';

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'invalid URL (must be http:// or https://)');

/**
 * What Node puts on the wire as a header value: tab, printable ASCII and Latin-1. A CR or LF would end the header
 * (Node refuses the request, so the check was CRITICAL on every run); other characters make Node throw the same way.
 */
const headerValue = z.string().superRefine((value, ctx) => {
  const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(value);
  if (!bad) return;
  const code = bad[0].codePointAt(0)!;
  const what = code < 0x20 || code === 0x7f ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `"${bad[0]}"`;
  ctx.addIssue({ code: 'custom', message: `invalid header value: ${what} (tab, printable ASCII and Latin-1 only)` });
});

const headers = z
  .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'invalid header name'), z.union([headerValue, secretRefSchema]))
  .superRefine((record, ctx) => {
    const seen = new Set<string>();
    for (const name of Object.keys(record)) {
      const key = name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [name], message: 'duplicate header (names are case-insensitive)' });
      seen.add(key);
    }
  });

/** `targets.<t>.health[]`: one HTTP(S) endpoint. */
export const healthCheckSchema = z
  .strictObject({
    name: checkName.optional().describe("the check name in reports and alerts (default: the URL's host and path)"),
    url: httpUrl.describe('the endpoint, http:// or https://'),
    method: z.enum(['GET', 'HEAD']).default('GET').describe('HEAD answers carry no body: no bodyContains or json with it'),
    /** Follow up to 5 redirects (same scheme or up to https) and expect 200-299 at the end; false: judge the first answer. */
    followRedirects: z
      .boolean()
      .default(true)
      .describe('follow up to 5 redirects (same scheme, or up from http to https) and judge the final answer; false: the first'),
    every: duration.default('5m').describe('how often the endpoint is probed'),
    timeout: duration.default('10s').describe('the whole exchange, redirects included; at most `every` and 15m'),
    expect: z
      .strictObject({
        status: z
          .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
          .optional()
          .describe('the status (or statuses) that pass; default 200-299 (200-399 with followRedirects: false)'),
        bodyContains: z.string().min(1).optional().describe('text the body must contain, after decoding its declared charset'),
        json: z
          .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))
          .optional()
          .meta({ docKey: 'dotted.path' })
          .describe('fields of a JSON body that must equal these values, by dotted path'),
      })
      .optional()
      .describe('what a passing answer looks like'),
    responseTime: z
      .strictObject({
        warning: duration.optional().describe('a slower answer is a warning-level breach'),
        critical: duration.optional().describe('a slower answer is a critical-level breach; below `timeout`'),
      })
      .optional()
      .describe("response-time thresholds, from the first request to the final answer's headers"),
    certificate: z
      .strictObject({
        warningDays: z.number().int().min(0).default(30).describe('fewer days left is a warning-level breach'),
        criticalDays: z.number().int().min(0).default(7).describe('fewer days left is a critical-level breach'),
      })
      .optional()
      .describe("https: the certificate's days left, judged on every probe (30 and 7 days without this block)"),
    /** Plain values, or references read at run time (deployed configs refuse credential-bearing plain values). */
    headers: headers
      .optional()
      .meta({ docKey: 'header' })
      .describe(
        'request headers, sent to the configured origin only: a plain value, or { secret, field? } / { parameter } read at run time',
      ),
    severity: severityOverride.optional(),
  })
  .describe('HTTP(S) endpoints the health job probes');

export type HealthCheckConfig = z.output<typeof healthCheckSchema>;

/** Rules across fields, reported with the field's path under the check (`responseTime.warning`). */
export function validateHealthCheck(check: HealthCheckConfig, issue: IssueReporter): void {
  // Runs even when a field failed its own rule (zod goes on after those): an unparsable duration is skipped.
  const ms = (text: string | undefined) => (text === undefined ? undefined : parseDuration(text));
  const warning = check.responseTime?.warning;
  const critical = check.responseTime?.critical;
  const [warningMs, criticalMs, timeoutMs] = [ms(warning), ms(critical), ms(check.timeout)];
  if (warningMs !== undefined && criticalMs !== undefined && warningMs > criticalMs)
    issue(['responseTime', 'warning'], `warning (${warning}) must not exceed critical (${critical})`);
  // The timeout ends the wait first: a threshold at or past it can never be seen, only the timeout's CRITICAL.
  for (const [level, value, valueMs] of [
    ['critical', critical, criticalMs],
    ['warning', warning, warningMs],
  ] as const) {
    if (valueMs !== undefined && timeoutMs !== undefined && valueMs >= timeoutMs) {
      issue(['responseTime', level], `${level} (${value}) must be below timeout (${check.timeout}): an answer that slow is a timeout`);
      break;
    }
  }
  const days = check.certificate;
  if (days && days.warningDays < days.criticalDays)
    issue(
      ['certificate', 'warningDays'],
      `warningDays (${days.warningDays}) must not be below criticalDays (${days.criticalDays}): the warning would never come first`,
    );
  if (check.method === 'HEAD') {
    for (const field of ['bodyContains', 'json'] as const) {
      if (check.expect?.[field] !== undefined) issue(['expect', field], `HEAD answers carry no body: ${field} needs method GET`);
    }
  }
}

/** Header names that carry credentials by convention. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|key|passw|auth|session|signature|credential/i;
/** Values that are credentials whatever the header is called. */
const CREDENTIAL_VALUE = /^(bearer|basic|digest|token|apikey)\s+\S/i;
/** Query parameters that carry credentials by convention (?token=, ?api_key=, ?sig=). */
const CREDENTIAL_PARAM = /^(token|access_token|api[-_]?key|key|secret|password|passwd|pwd|sig|signature|auth)$/i;

const HOW = 'store it in Secrets Manager (or as an SSM SecureString) and give { secret: "<name or ARN>" } (or { parameter: "<name>" })';

/** Credentials a deployed check would carry in clear: in the URL (user:password@, a token parameter) or a plain header. */
export function httpDeploymentSecretIssues(check: HealthCheckConfig, issue: IssueReporter): void {
  const url = URL.canParse(check.url) ? new URL(check.url) : undefined;
  if (url && (url.username || url.password))
    issue(['url'], `credentials in the URL (user:password@) are refused in deployed config; ${HOW} in headers.Authorization`);
  for (const name of url ? new Set(url.searchParams.keys()) : []) {
    if (CREDENTIAL_PARAM.test(name))
      issue(['url'], `query parameter "${name}" looks like a credential; ${HOW} in a header (e.g. headers.Authorization)`);
  }
  for (const [name, value] of Object.entries(check.headers ?? {})) {
    if (typeof value === 'string' && (CREDENTIAL_HEADER.test(name) || CREDENTIAL_VALUE.test(value)))
      issue(['headers', name], `plain header values that carry credentials are refused in deployed config; ${HOW}`);
  }
}
