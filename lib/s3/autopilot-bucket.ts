import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STATE_PREFIX, type BackupExpiration } from './backup-retention.js';

export interface AutopilotBucketLifecycleProps {
  /** Expirations under `backups/` (see `backupExpirations(config)`). */
  readonly backupExpirations: readonly BackupExpiration[];
  /** How long an overwritten or deleted object version stays recoverable. @default 7 days */
  readonly noncurrentVersionExpiration?: Duration;
}

export interface AutopilotBucketAccessLogProps {
  /** How long the server access logs are kept. @default 90 days */
  readonly accessLogExpiration?: Duration;
}

export interface AutopilotBucketRemovalProps {
  /** Backups and alert state outlive the stack by default. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export interface AutopilotBucketProps extends AutopilotBucketLifecycleProps, AutopilotBucketAccessLogProps, AutopilotBucketRemovalProps {}

/**
 * The suite's bucket: `state/` (alert state, never expired) and `backups/` (expired per database),
 * plus a separate bucket for its server access logs.
 *
 * Encryption is SSE-S3 rather than SSE-KMS: the objects are ours alone, the CLI's `restore` reads
 * backups from a workstation without needing a key grant, and the access-log bucket cannot use
 * SSE-KMS at all (S3 log delivery only writes to SSE-S3 buckets).
 */
export class AutopilotBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AutopilotBucketProps) {
    super(scope, id);
    // Log delivery by bucket policy (BucketOwnerEnforced, no ACLs), whatever the app's cdk.json says.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: props.accessLogExpiration ?? Duration.days(90) }],
      removalPolicy,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: "This bucket is the destination of the suite bucket's server access logs; logging it too would only log the log delivery.",
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'autopilot/',
      lifecycleRules: lifecycleRules(props),
      removalPolicy,
    });
  }
}

function lifecycleRules(props: AutopilotBucketLifecycleProps): s3.LifecycleRule[] {
  const expirations = props.backupExpirations.map((e): s3.LifecycleRule => {
    if (e.prefix.startsWith(STATE_PREFIX) || !e.prefix)
      throw new Error(`lifecycle: refusing to expire ${e.prefix || 'the whole bucket'} (state/ is never expired)`);
    return { id: `expire-${e.prefix}`, prefix: e.prefix, expiration: Duration.days(e.days) };
  });
  return [
    // No prefix: applies to every key, including state/. It only removes what is already gone
    // (noncurrent versions, leftover delete markers, unfinished uploads), never a current object.
    {
      id: 'tidy-versions-and-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(7),
      expiredObjectDeleteMarker: true,
    },
    ...expirations,
  ];
}
