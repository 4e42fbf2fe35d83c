import { z } from 'zod';

/**
 * `statusPage`: the page is private by default (an object in the bucket, linked from every alert and the digest with
 * a token valid 7 days). `public: true` also serves a public variant through CloudFront: without the targets and
 * checks named in `hide`, and without host names (URLs, summaries, servers) unless `showHosts`.
 */
export const statusPageSchema = z.strictObject({
  public: z
    .boolean()
    .default(false)
    .describe('also serve a public variant through CloudFront (the private page is always there, behind 7-day links)'),
  /** Targets (`web`) or single checks (`web/api`) left off the public page. */
  hide: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}(\/[^/\n\r]{1,200})?$/, 'invalid entry (a target name, or "<target>/<check>")'))
    .max(1_000)
    .default([])
    .describe('targets (`web`) or single checks (`web/api`) left off the public page'),
  /** The public page shows check names derived from hosts, URLs and summaries; off by default. */
  showHosts: z
    .boolean()
    .default(false)
    .describe('show host names, URLs and probe summaries on the public page (off: unnamed checks are numbered)'),
  /**
   * The public page's own name and its ACM certificate (in us-east-1, as CloudFront requires). Required for a
   * deployment with `public: true`: CloudFront's own `*.cloudfront.net` name also accepts TLS 1.0, so TLS 1.2 or later
   * needs a name of your own.
   */
  domain: z
    .strictObject({
      name: z
        .string()
        .max(253)
        .regex(
          /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          'invalid domain name (lowercase, e.g. status.example.com)',
        )
        .describe("the public page's host name, e.g. status.example.com"),
      certificateArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
          'invalid certificate ARN (an ACM certificate in us-east-1: CloudFront only uses those)',
        )
        .describe('its ACM certificate, in us-east-1 (CloudFront uses only those)'),
    })
    .optional()
    .describe("the public page's own name and certificate: required with `public: true` (TLS 1.2 or later needs a name of your own)"),
});

export type StatusPageConfig = z.output<typeof statusPageSchema>;

export const STATUS_PAGE_DEFAULTS: StatusPageConfig = { public: false, hide: [], showHosts: false };

/** Deployment-only rules: the public page is served over TLS 1.2 or later, which needs `domain`. */
export function statusPageDeploymentIssues(statusPage: StatusPageConfig): string[] {
  if (statusPage.public && !statusPage.domain) {
    return [
      'statusPage.domain: required with public: true (a name and its ACM certificate in us-east-1): CloudFront serves its own ' +
        '*.cloudfront.net name with TLS 1.0 allowed, and the public page is served with TLS 1.2 or later only',
    ];
  }
  return [];
}
