/**
 * AWS list prices the cost estimate uses: us-east-1, on-demand, as read in November 2026.
 * One place, so a price change is one edit; the output prints every figure it used.
 */
export const PRICE_REGION = 'us-east-1';
export const PRICE_DATE = '2026-11';

export interface Prices {
  /** Lambda arm64, USD per GB-second (first tier). */
  readonly lambdaArmGbSecond: number;
  /** Lambda x86_64, USD per GB-second: Synthetics canaries run on x86_64. */
  readonly lambdaX86GbSecond: number;
  readonly lambdaPerMillionRequests: number;
  readonly schedulerPerMillionInvocations: number;
  readonly snsPerMillionPublishes: number;
  readonly snsEmailPer100k: number;
  /** SMS to Japan (the example's +81 subscriber): approximate, rates vary by country and carrier. */
  readonly snsSmsPerMessage: number;
  readonly s3StandardGbMonth: number;
  /** PUT, COPY, POST and LIST requests. */
  readonly s3PutPer1k: number;
  /** GET and all other requests. */
  readonly s3GetPer1k: number;
  readonly logsIngestionPerGb: number;
  readonly logsStoragePerGbMonth: number;
  readonly kmsKeyMonth: number;
  readonly kmsPer10kRequests: number;
  readonly cloudwatchMetricMonth: number;
  readonly cloudwatchAlarmMonth: number;
  readonly cloudwatchDashboardMonth: number;
  /** Logs Insights: per GB of log data a query scans. */
  readonly logsInsightsPerGbScanned: number;
  readonly syntheticsPerCanaryRun: number;
  readonly route53AwsEndpointCheck: number;
  readonly route53NonAwsEndpointCheck: number;
  /** Per optional feature (HTTPS, string matching, fast interval, latency measurement) per check. */
  readonly route53AwsOptionalFeature: number;
  readonly route53NonAwsOptionalFeature: number;
}

export const PRICES: Prices = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  schedulerPerMillionInvocations: 1.0,
  snsPerMillionPublishes: 0.5,
  snsEmailPer100k: 2.0,
  snsSmsPerMessage: 0.075,
  s3StandardGbMonth: 0.023,
  s3PutPer1k: 0.005,
  s3GetPer1k: 0.0004,
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  kmsKeyMonth: 1.0,
  kmsPer10kRequests: 0.03,
  cloudwatchMetricMonth: 0.3,
  cloudwatchAlarmMonth: 0.1,
  cloudwatchDashboardMonth: 3.0,
  logsInsightsPerGbScanned: 0.005,
  syntheticsPerCanaryRun: 0.0012,
  route53AwsEndpointCheck: 0.5,
  route53NonAwsEndpointCheck: 0.75,
  route53AwsOptionalFeature: 1.0,
  route53NonAwsOptionalFeature: 2.0,
};

/** The always-free monthly allowances (not the 12-month offers), shown apart from the list-price totals. */
export interface FreeTier {
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
  readonly schedulerInvocations: number;
  readonly snsPublishes: number;
  readonly snsEmails: number;
  readonly logsGb: number;
  readonly cloudwatchMetrics: number;
  readonly cloudwatchAlarms: number;
  readonly cloudwatchDashboards: number;
  readonly kmsRequests: number;
  readonly syntheticsCanaryRuns: number;
  /** Route 53 health checks of AWS endpoints only; non-AWS endpoints have none. */
  readonly route53AwsEndpointChecks: number;
}

export const FREE_TIER: FreeTier = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  schedulerInvocations: 14_000_000,
  snsPublishes: 1_000_000,
  snsEmails: 1_000,
  logsGb: 5,
  cloudwatchMetrics: 10,
  cloudwatchAlarms: 10,
  cloudwatchDashboards: 3,
  kmsRequests: 20_000,
  syntheticsCanaryRuns: 100,
  route53AwsEndpointChecks: 50,
};

/** One line per price for the "Inputs" list. */
export function describePrices(prices: Prices): string[] {
  const usd = (n: number): string => `$${n}`;
  return [
    `Lambda arm64 ${usd(prices.lambdaArmGbSecond)}/GB-s, x86_64 ${usd(prices.lambdaX86GbSecond)}/GB-s (Synthetics), ` +
      `${usd(prices.lambdaPerMillionRequests)} per 1M requests; INIT (cold start) duration billed like invocation time since 2025-08-01`,
    `EventBridge Scheduler ${usd(prices.schedulerPerMillionInvocations)} per 1M invocations`,
    `SNS ${usd(prices.snsPerMillionPublishes)} per 1M publishes, e-mail ${usd(prices.snsEmailPer100k)} per 100k, SMS to Japan ` +
      `~${usd(prices.snsSmsPerMessage)} per message (approximate: SMS rates vary by country and change; check before relying on it)`,
    `S3 Standard ${usd(prices.s3StandardGbMonth)}/GB-month, PUT/COPY/POST/LIST ${usd(prices.s3PutPer1k)} per 1k, GET ` +
      `${usd(prices.s3GetPer1k)} per 1k; lifecycle expiration and same-region transfer to Lambda free`,
    `CloudWatch Logs ingestion ${usd(prices.logsIngestionPerGb)}/GB, storage ${usd(prices.logsStoragePerGbMonth)}/GB-month`,
    `CloudWatch custom metric ${usd(prices.cloudwatchMetricMonth)}/month, standard alarm ${usd(prices.cloudwatchAlarmMonth)}/month, ` +
      `dashboard ${usd(prices.cloudwatchDashboardMonth)}/month`,
    `KMS customer managed key ${usd(prices.kmsKeyMonth)}/month, ${usd(prices.kmsPer10kRequests)} per 10k requests`,
    `CloudWatch Synthetics ${usd(prices.syntheticsPerCanaryRun)} per canary run (plus the canary's own Lambda, S3 and Logs use)`,
    `Route 53 health check ${usd(prices.route53AwsEndpointCheck)}/month (AWS endpoint) or ` +
      `${usd(prices.route53NonAwsEndpointCheck)}/month (non-AWS); each optional feature (HTTPS, string matching, fast interval, latency ` +
      `measurement) ${usd(prices.route53AwsOptionalFeature)} (AWS) or ${usd(prices.route53NonAwsOptionalFeature)} (non-AWS) per check ` +
      `per month`,
    'SQS (dead-letter queue, normally empty): within the 1M requests/month free tier; SSM Run Command on EC2 and standard-tier hybrid ' +
      'nodes: no charge; SSM Parameter Store standard parameters at standard throughput: no charge',
  ];
}
