import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../lib/ops-autopilot-app.js';
import { CDK_CONTEXT, config as deployable, scratch } from '../support/cdk-app.js';
import { validateConfig } from '../../../functions/kinds/config.js';

/**
 * Issue 23, "who sees it": private by default (the page is an object in the bucket, answered by a function URL to a
 * signed link, and no bucket policy lets anyone else read it); with `statusPage.public`, a CloudFront distribution
 * with origin access control that can read the public page object and nothing else, TLS 1.2 or later on the
 * config's own name, security headers, and cdk-nag clean.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const base = {
  timezone: 'Asia/Tokyo',
  language: 'ja',
  // Two subscribers: with one, the stack warns that undelivered notices would go unheard (not this test's subject).
  subscribers: { critical: ['oncall@example.com'], digest: ['team@example.com'] },
  targets: {
    shop: {
      health: [{ name: 'storefront', url: 'https://shop.example.com/health' }],
      postgres: [{ name: 'orders', host: 'db.shop.internal', database: 'orders', user: 'autopilot', passwordParameter: '/shop/db' }],
    },
  },
};

function synth(raw: unknown) {
  const dirs = scratch();
  // No bundling: these assertions are on the template, and cdk-nag runs all the same.
  const built = createApp({
    config: deployable(raw),
    entriesDir: dirs.entriesDir,
    env: { account: '123456789012', region: 'ap-northeast-1' },
    appProps: { context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] }, outdir: dirs.outdir },
  });
  const assembly = built.app.synth();
  const template = assembly.getStackByName(built.stack.stackName).template as { Resources: Resources; Outputs: Record<string, any> };
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ violations?: unknown[] }>;
  };
  return {
    resources: template.Resources,
    outputs: template.Outputs,
    violations: report.pluginReports.flatMap((r) => r.violations ?? []),
    dirs,
  };
}

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (resources: Resources, type: string, prefix = '') => {
  const found = ofType(resources, type).filter(([id]) => id.startsWith(prefix));
  expect(
    found.map(([id]) => id),
    `${type} ${prefix}`,
  ).toHaveLength(1);
  return found[0]!;
};
/** `Fn::Join` ARNs as text, Refs and GetAtts as `<Id>` / `<Id.Attr>`. */
const render = (r: unknown): string => {
  if (typeof r === 'string') return r;
  const v = r as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(render).join('');
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  if (v.Ref) return `<${v.Ref}>`;
  return JSON.stringify(r);
};
const statementsOfRole = (resources: Resources, role: string) =>
  ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>)
    .map((s) => ({ effect: s.Effect, actions: [s.Action].flat().sort(), resources: [s.Resource].flat().map(render).sort() }));
const bucketStatements = (resources: Resources, bucket: string) =>
  ofType(resources, 'AWS::S3::BucketPolicy')
    .filter(([, p]) => p.Properties.Bucket.Ref === bucket)
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);

describe('the status page, private by default', () => {
  let resources: Resources;
  let outputs: Record<string, any>;
  let violations: unknown[];
  let cleanup: () => void;
  beforeAll(() => {
    const built = synth(base);
    ({ resources, outputs, violations } = built);
    cleanup = built.dirs.cleanup;
  }, 240_000);
  afterAll(() => cleanup?.());

  it('serves the page through a function URL whose token is the authorization, and no CloudFront', () => {
    const [, url] = one(resources, 'AWS::Lambda::Url');
    expect(url.Properties.AuthType).toBe('NONE');
    expect(url.Properties.Cors).toBeUndefined();
    expect(url.Properties.TargetFunctionArn).toEqual({
      'Fn::GetAtt': [one(resources, 'AWS::Lambda::Function', 'StatusPageFunction')[0], 'Arn'],
    });
    expect(ofType(resources, 'AWS::CloudFront::Distribution')).toEqual([]);
    expect(outputs.PublicStatusPageUrl).toBeUndefined();
    expect(outputs.StatusPageUrl.Value).toEqual({ 'Fn::GetAtt': [one(resources, 'AWS::Lambda::Url')[0], 'FunctionUrl'] });
  });

  it('lets no one read the bucket by policy: its only Allow statements are the access-log delivery on the log bucket', () => {
    const [bucket] = one(resources, 'AWS::S3::Bucket', 'StorageBucket');
    const statements = bucketStatements(resources, bucket);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
  });

  it('gives the page function a role that reads the one page object and the link key, nothing else', () => {
    const [fnId, fn] = one(resources, 'AWS::Lambda::Function', 'StatusPageFunction');
    const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const [bucket] = one(resources, 'AWS::S3::Bucket', 'StorageBucket');
    const [secret] = one(resources, 'AWS::SecretsManager::Secret', 'StatusPageLinkKey');
    expect(statementsOfRole(resources, role)).toEqual([
      {
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`<${one(resources, 'AWS::Logs::LogGroup', 'StatusPageFunctionLogs')[0]}.Arn>`],
      },
      { effect: 'Allow', actions: ['s3:GetObject'], resources: [`<${bucket}.Arn>/status/index.html`] },
      { effect: 'Allow', actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [`<${secret}>`] },
    ]);
    expect(resources[role]!.Properties.ManagedPolicyArns).toBeUndefined();
    // A flood at the public URL takes at most two of the account's concurrent executions, never the health job's.
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(2);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([
      'AUTOPILOT_BUCKET',
      'AUTOPILOT_LINK_KEY_SECRET',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
    ]);
    expect(fnId).toMatch(/^StatusPageFunction/);
  });

  it('generates the link key at deploy (64 characters), and every job role that publishes may read it', () => {
    const [secret, resource] = one(resources, 'AWS::SecretsManager::Secret', 'StatusPageLinkKey');
    expect(resource.Properties.GenerateSecretString).toEqual({ PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false });
    const readers = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secret}"`))
      .flatMap(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref))
      .map((role) => role.replace(/[0-9A-F]{8}$/, ''))
      .sort();
    expect(readers).toEqual(['DigestFunctionRole', 'HealthFunctionRole', 'StatusPageFunctionRole']);
  });

  it('is cdk-nag clean', () => {
    expect(violations).toEqual([]);
  });
});

describe('statusPage.public', () => {
  let resources: Resources;
  let outputs: Record<string, any>;
  let violations: unknown[];
  let cleanup: () => void;
  beforeAll(() => {
    const built = synth({
      ...base,
      statusPage: { public: true, hide: ['shop/orders'], domain: { name: 'status.example.com', certificateArn: CERTIFICATE } },
    });
    ({ resources, outputs, violations } = built);
    cleanup = built.dirs.cleanup;
  }, 240_000);
  afterAll(() => cleanup?.());

  it('serves the public page object alone through CloudFront with origin access control', () => {
    const [distributionId, distribution] = one(resources, 'AWS::CloudFront::Distribution');
    const d = distribution.Properties.DistributionConfig;
    expect(d.DefaultRootObject).toBe('index.html');
    expect(d.Origins).toHaveLength(1);
    expect(d.Origins[0].OriginPath).toBe('/status/public');
    expect(d.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    const [oac, oacResource] = one(resources, 'AWS::CloudFront::OriginAccessControl');
    expect(d.Origins[0].OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oac, 'Id'] });
    expect(oacResource.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(d.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(d.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);

    const [bucket] = one(resources, 'AWS::S3::Bucket', 'StorageBucket');
    const allows = bucketStatements(resources, bucket).filter((s) => s.Effect === 'Allow');
    // One statement: CloudFront, reading the one public object, only for this distribution.
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allows[0]!.Action).toBe('s3:GetObject');
    expect(render(allows[0]!.Resource)).toBe(`<${bucket}.Arn>/status/public/index.html`);
    expect(render(allows[0]!.Condition.StringEquals['AWS:SourceArn'])).toBe(
      `arn:aws:cloudfront::123456789012:distribution/<${distributionId}>`,
    );
    expect(outputs.PublicStatusPageUrl.Value).toBe('https://status.example.com/');
  });

  it('serves TLS 1.2 or later on the config name with its us-east-1 certificate', () => {
    const d = one(resources, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig;
    expect(d.Aliases).toEqual(['status.example.com']);
    expect(d.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
  });

  it('answers with security headers and caches a minute at most', () => {
    const [headersId, headers] = one(resources, 'AWS::CloudFront::ResponseHeadersPolicy');
    const d = one(resources, 'AWS::CloudFront::Distribution')[1].Properties.DistributionConfig;
    expect(d.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    const security = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toMatch(/^default-src 'none'; style-src 'unsafe-inline';/);
    expect(security.ContentSecurityPolicy.ContentSecurityPolicy).not.toContain('script-src');
    expect(security.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 730 * 86_400, IncludeSubdomains: true });
    expect(security.FrameOptions.FrameOption).toBe('DENY');
    expect(security.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    const cache = one(resources, 'AWS::CloudFront::CachePolicy')[1].Properties.CachePolicyConfig;
    expect([cache.DefaultTTL, cache.MaxTTL]).toEqual([60, 60]);
  });

  it('is cdk-nag clean (geo restriction, WAF and access logs acknowledged with reasons)', () => {
    expect(violations).toEqual([]);
  });
});

describe('statusPage config', () => {
  it('refuses public: true without a domain for a deployment, naming the field (TLS 1.2 needs your own name)', () => {
    expect(() => validateConfig({ ...base, statusPage: { public: true } }, { forDeployment: true })).toThrow(
      /statusPage\.domain: required with public: true/,
    );
    // A local run may draw the public variant without a name to serve it on.
    expect(validateConfig({ ...base, statusPage: { public: true } }).statusPage.public).toBe(true);
  });

  it('names an unknown target or check in hide, a certificate outside us-east-1 and a bad name', () => {
    const issues = (statusPage: unknown) => {
      try {
        validateConfig({ ...base, statusPage });
        return [];
      } catch (error) {
        return (error as { issues: string[] }).issues;
      }
    };
    expect(issues({ hide: ['nosuch'] })).toEqual(['statusPage.hide[0]: unknown target "nosuch"']);
    expect(issues({ hide: ['shop', 'shop/nosuch'] })).toEqual(['statusPage.hide[1]: unknown check "nosuch" in target shop']);
    expect(issues({ hide: ['shop/storefront', 'shop/orders'] })).toEqual([]);
    expect(
      issues({ public: true, domain: { name: 'status.example.com', certificateArn: CERTIFICATE.replace('us-east-1', 'eu-west-1') } }),
    ).toEqual(['statusPage.domain.certificateArn: invalid certificate ARN (an ACM certificate in us-east-1: CloudFront only uses those)']);
    expect(issues({ public: true, domain: { name: 'Status Page', certificateArn: CERTIFICATE } })).toEqual([
      'statusPage.domain.name: invalid domain name (lowercase, e.g. status.example.com)',
    ]);
    expect(issues({ public: 'yes' })[0]).toMatch(/^statusPage\.public: /);
  });
});
