import { App, Stack } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutopilotBucket } from '../../../lib/s3/autopilot-bucket.js';
import { backupExpirations } from '../../../lib/s3/backup-retention.js';
import { bareStack, config } from '../support/cdk-app.js';

interface Rule {
  Id: string;
  Prefix?: string;
  ExpirationInDays?: number;
  Status: string;
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  ExpiredObjectDeleteMarker?: boolean;
}

describe('AutopilotBucket with every database on the default retention', () => {
  let template: Template;
  let bucketId: string;
  let rules: Rule[];

  beforeAll(() => {
    const stack = bareStack();
    const c = config({ targets: { mycats: { postgres: [{ host: 'h', database: 'mycats', user: 'u', backup: {} }] } } });
    new AutopilotBucket(stack, 'Storage', { backupExpirations: backupExpirations(c) });
    template = Template.fromStack(stack);
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    expect(Object.keys(buckets)).toHaveLength(1);
    bucketId = Object.keys(buckets)[0]!;
    rules = buckets[bucketId]!.Properties.LifecycleConfiguration.Rules;
  });

  it('expires backups/ after 30 days, the status page day documents after 10, and nothing else', () => {
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined);
    expect(expiring).toEqual([
      { Id: 'expire-backups/', Prefix: 'backups/', ExpirationInDays: 30, Status: 'Enabled' },
      // Each health run rewrites its group's day document: the versions it replaces go after a day, not a week.
      {
        Id: 'expire-status-history-days',
        Prefix: 'history/days/',
        ExpirationInDays: 10,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      },
    ]);
    // The roll-ups (90 days of bars) are never expired by a rule: the job prunes their rows.
    expect('history/rollup/1m.json'.startsWith(expiring[1]!.Prefix!)).toBe(false);
    expect(rules).toContainEqual({
      Id: 'status-page-versions',
      Prefix: 'status/',
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    });
  });

  it('never expires state/: no expiring rule without a prefix or on state/', () => {
    for (const rule of rules.filter((r) => r.ExpirationInDays !== undefined)) {
      expect(rule.Prefix ?? '').not.toBe('');
      expect('state/x.json'.startsWith(rule.Prefix!)).toBe(false);
    }
  });

  it('aborts incomplete multipart uploads after 1 day and expires noncurrent versions, bucket-wide', () => {
    expect(rules).toContainEqual({
      Id: 'tidy-versions-and-uploads',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      ExpiredObjectDeleteMarker: true,
    });
  });

  it('is versioned, SSE-encrypted, private, and logs access to a separate bucket', () => {
    const bucket = template.toJSON().Resources[bucketId];
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const logBucket = bucket.Properties.LoggingConfiguration.DestinationBucketName.Ref;
    expect(logBucket).not.toBe(bucketId);
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketEncryption: Match.anyValue() }),
      DeletionPolicy: 'Retain',
    });
    expect(template.toJSON().Resources[logBucket].Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('denies every request not made over TLS, on both buckets', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
    const ours = policies.find((p) => p.Properties.Bucket.Ref === bucketId);
    expect(ours).toBeDefined();
  });
});

describe('AutopilotBucket refuses to expire state/', () => {
  it('throws on an expiration rule for state/ or for the whole bucket', () => {
    expect(() => new AutopilotBucket(bareStack(), 'S', { backupExpirations: [{ prefix: 'state/', days: 30 }] })).toThrow(/state\//);
    expect(() => new AutopilotBucket(bareStack(), 'S', { backupExpirations: [{ prefix: '', days: 30 }] })).toThrow(/whole bucket/);
  });
});

describe('AutopilotBucket in an app without the cdk.json flags', () => {
  it('still delivers access logs by bucket policy to an owner-enforced bucket', () => {
    const stack = new Stack(new App(), 'NoFlags');
    const storage = new AutopilotBucket(stack, 'Storage', { backupExpirations: [{ prefix: 'backups/', days: 30 }] });
    const template = Template.fromStack(stack);
    const logBucket = stack.resolve((storage.accessLogBucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    expect(template.toJSON().Resources[logBucket].Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logBucket } } }))[0]!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } }),
    );
  });
});

describe('AutopilotBucket grant methods', () => {
  /** The role's statements as `[actions, resource suffix, s3:prefix condition]`, bucket ARN replaced by `<bucket>`. */
  function grantsOf(grant: (storage: AutopilotBucket, role: iam.Role) => void) {
    const stack = bareStack();
    const storage = new AutopilotBucket(stack, 'Storage', { backupExpirations: [{ prefix: 'backups/', days: 30 }] });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    grant(storage, role);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0]!;
    const render = (r: unknown): string =>
      Array.isArray(r)
        ? r.map(render).join(' ')
        : typeof r === 'object' && r && 'Fn::Join' in r
          ? (r['Fn::Join'] as [string, unknown[]])[1].map(render).join('')
          : r && typeof r === 'object'
            ? '<bucket>'
            : String(r);
    return (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: any }>).map(
      (s) => [s.Action, render(s.Resource), s.Condition?.StringLike?.['s3:prefix']],
    );
  }

  it('grantManifestRead reads backups/*.json only, and lists backups/', () => {
    expect(grantsOf((b, r) => b.grantManifestRead(r))).toEqual([
      ['s3:GetObject', '<bucket>/backups/*.json', undefined],
      ['s3:ListBucket', '<bucket>', ['backups/*']],
    ]);
  });

  it('grantBackupWrite writes, reads back, deletes and aborts uploads under backups/', () => {
    expect(grantsOf((b, r) => b.grantBackupWrite(r))).toEqual([
      [
        ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        '<bucket>/backups/*',
        undefined,
      ],
      ['s3:ListBucket', '<bucket>', ['backups/*']],
    ]);
  });

  it('merges the listing of several grants into one ListBucket statement', () => {
    const statements = grantsOf((b, r) => {
      b.grantAlertState(r);
      b.grantBackupRead(r);
      b.grantPendingRunCleanup(r);
    });
    expect(statements).toEqual([
      [['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], '<bucket>/state/*', undefined],
      ['s3:ListBucket', '<bucket>', ['backups/*', 'state/*']],
      // The previous versions of a damaged alert state, to recover it from.
      ['s3:ListBucketVersions', '<bucket>', ['state/alerts/*']],
      // A job's expired delivery records (state/alerts/<job>.delivery.<time>-...) and collected pending runs, merged into one
      // statement by the CDK; nothing else under state/ is deleted.
      ['s3:DeleteObject', '<bucket>/state/alerts/*.delivery.* <bucket>/state/ssm-pending/*', undefined],
      ['s3:GetObject', '<bucket>/backups/*', undefined],
    ]);
  });

  it('works on a bucket made elsewhere through fromBucket', () => {
    const stack = bareStack();
    const bucket = new s3.Bucket(stack, 'Plain');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    AutopilotBucket.fromBucket(bucket).grantAlertState(role);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0]!;
    expect(policy.Properties.PolicyDocument.Statement).toHaveLength(4);
  });
});
