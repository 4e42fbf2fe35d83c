import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Topic } from '../../functions/core/domain/report.js';
import { ENV, PUBLIC_STATUS_PAGE_KEY, PUBLIC_STATUS_PREFIX } from '../../functions/core/layout.js';
import { STATUS_PAGE_HANDLER_FILE } from '../../functions/status-page/boundary.js';
import type { Config } from '../../functions/kinds/config.js';
import { AutopilotFunction } from '../lambda/autopilot-function.js';
import type { AutopilotBucket } from '../s3/autopilot-bucket.js';
import type { GrantPublishOptions, IAlertTopics } from '../sns/alert-topics.js';

/**
 * The headers every answer of the page carries, on the function URL (functions/status-page/serve.ts sets the same)
 * and through CloudFront: no script or frame, no referrer, HSTS, no sniffing.
 */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StatusPageProps {
  readonly config: Config;
  readonly bucket: AutopilotBucket;
  readonly entriesDir?: string;
  /**
   * The page function's reserved concurrency: a flood of requests at its public URL can take at most this many of
   * the account's concurrent executions, never the health job's. Needs an account concurrency limit of at least
   * 100 plus this (the default is 1,000). @default 2
   */
  readonly reservedConcurrency?: number;
}

/**
 * Who sees the status page. Privately: the health job writes it into the bucket; a small function behind a
 * function URL answers it to a link whose token it checks (HMAC-SHA256 with a key generated at deploy in Secrets
 * Manager, valid 7 days); every job function signs such links into its notices. Publicly, only with
 * `statusPage.public`: a CloudFront distribution with origin access control reads the one public page object
 * (the bucket policy names that key alone), with security headers and TLS 1.2 or later on the config's own name.
 */
export class StatusPage extends Construct {
  /** Signs and checks the links' tokens. Rotating it ends every link already sent. */
  readonly linkKey: secretsmanager.Secret;
  readonly function: AutopilotFunction;
  readonly url: lambda.FunctionUrl;
  readonly distribution?: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: StatusPageProps) {
    super(scope, id);
    this.linkKey = new secretsmanager.Secret(this, 'LinkKey', {
      description: 'ops-autopilot: signs the status page links in alerts and the digest (HMAC-SHA256; changing it ends every link)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.linkKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A rotation would end every status page link already sent (each is valid 7 days); the key is rotated by hand when needed ' +
        '(docs/status-page.md), which ends them on purpose.',
    });

    this.function = new AutopilotFunction(this, 'Function', {
      job: 'status-page',
      handlerFile: STATUS_PAGE_HANDLER_FILE,
      config: props.config,
      entriesDir: props.entriesDir,
      memorySize: 256,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency ?? 2,
      description: 'ops-autopilot status page: answers the private page to a signed, unexpired link',
      environment: { [ENV.bucket]: props.bucket.bucket.bucketName, [ENV.linkKeySecret]: this.linkKey.secretArn },
    });
    props.bucket.grantStatusPageRead(this.function);
    this.linkKey.grantRead(this.function);
    // Public by design: the token in the link is the authorization, checked by the function itself.
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });

    if (props.config.statusPage.public) this.distribution = publicDistribution(this, props);
  }

  /** What every job function is given to link the page from its notices. */
  environment(): Record<string, string> {
    return { [ENV.statusPageUrl]: this.url.url, [ENV.linkKeySecret]: this.linkKey.secretArn };
  }

  /** Lets a role that publishes notices sign their links: read the link key. */
  grantLinkSigning(grantee: iam.IGrantable): iam.Grant {
    return this.linkKey.grantRead(grantee);
  }

  /** The alert topics, as the jobs are given them: whoever may publish a notice may also sign its status page link. */
  signingTopics(topics: IAlertTopics): IAlertTopics {
    const page = this;
    return {
      topics: topics.topics as Readonly<Record<Topic, sns.ITopic>>,
      deliveryDeadLetterQueue: topics.deliveryDeadLetterQueue,
      grantPublish(grantee: iam.IGrantable, options?: GrantPublishOptions): iam.Grant {
        page.grantLinkSigning(grantee);
        return topics.grantPublish(grantee, options);
      },
      allowRuleToPublish: (topic: Topic, ruleArn: string) => topics.allowRuleToPublish(topic, ruleArn),
    };
  }
}

/** CloudFront in front of the one public object, through origin access control. */
function publicDistribution(scope: StatusPage, props: StatusPageProps): cloudfront.Distribution {
  const { bucket } = props.bucket;
  const domain = props.config.statusPage.domain;
  if (!domain) {
    throw new Error('statusPage.domain: required with public: true (the page is served with TLS 1.2 or later, on a name of your own)');
  }
  // Imported, so the origin cannot add its own bucket policy statement (it would allow every key); ours names one.
  const originBucket = s3.Bucket.fromBucketAttributes(scope, 'PageOriginBucket', {
    bucketArn: bucket.bucketArn,
    bucketRegionalDomainName: bucket.bucketRegionalDomainName,
  });
  const headers = new cloudfront.ResponseHeadersPolicy(scope, 'SecurityHeaders', {
    comment: 'ops-autopilot public status page: no script, no frames, no referrer, HSTS',
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: PAGE_CSP, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
    },
  });
  // The page changes at least hourly and on every change of a check: a minute at the edge at most.
  const cache = new cloudfront.CachePolicy(scope, 'PageCache', {
    comment: 'ops-autopilot public status page: one minute',
    defaultTtl: Duration.seconds(60),
    maxTtl: Duration.seconds(60),
    minTtl: Duration.seconds(0),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  });
  const distribution = new cloudfront.Distribution(scope, 'PublicDistribution', {
    comment: 'ops-autopilot public status page',
    defaultRootObject: 'index.html',
    domainNames: [domain.name],
    certificate: acm.Certificate.fromCertificateArn(scope, 'PublicCertificate', domain.certificateArn),
    minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    sslSupportMethod: cloudfront.SSLMethod.SNI,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(originBucket, {
        originPath: `/${PUBLIC_STATUS_PREFIX.replace(/\/$/, '')}`,
        originAccessLevels: [cloudfront.AccessLevel.READ],
      }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: cache,
      responseHeadersPolicy: headers,
      compress: true,
    },
  });
  Annotations.of(scope).acknowledgeWarning(
    '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
    'The bucket policy statement is added below, for the public page object alone.',
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'PublicStatusPageThroughCloudFront',
      principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(PUBLIC_STATUS_PAGE_KEY)],
      conditions: {
        StringEquals: {
          'AWS:SourceArn': Stack.of(scope).formatArn({
            service: 'cloudfront',
            region: '',
            resource: 'distribution',
            resourceName: distribution.distributionId,
          }),
        },
      },
    }),
  );
  Validations.of(distribution).acknowledge(
    {
      id: 'AwsSolutions-CFR1',
      reason: 'A status page is for anyone who uses the services, wherever they are: no geographic restriction.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'One static object, read-only (GET and HEAD), cached a minute, from a bucket policy naming that one key: a web ACL ' +
        '(about $6 a month) would guard nothing a request can change.',
    },
    {
      id: 'AwsSolutions-CFR3',
      reason:
        'Standard access logs need a bucket with ACLs enabled, which the suite does not keep; the page is public and static, ' +
        'and its requests are in the CloudFront metrics.',
    },
  );
  return distribution;
}
