import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ALERT_STATE_PREFIX,
  BACKUPS_PREFIX,
  DELIVERY_RECORD_MARK,
  HISTORY_DAYS_PREFIX,
  HISTORY_PREFIX,
  HISTORY_ROLLUP_PREFIX,
  MANIFEST_EXTENSION,
  PENDING_RUNS_PREFIX,
  STATE_PREFIX,
  STATUS_PAGE_KEY,
} from '../../functions/core/layout.js';
import { DAY_DOCUMENT_DAYS } from '../../functions/status-page/boundary.js';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import type { BackupExpiration } from './backup-retention.js';

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
 * What a job needs of the suite's bucket: its name and one grant per way a job uses it, in the
 * style of `AlertTopics.grantPublish`. Implemented by `AutopilotBucket`, and by
 * `AutopilotBucket.fromBucket(bucket)` for a bucket made elsewhere.
 */
export interface IAutopilotBucket {
  readonly bucket: s3.IBucket;
  /**
   * Read and write the alert state under `state/` (and list it, so a first run's missing key is a 404, not a 403), read
   * its earlier versions, and, for a job that sends alerts, delete its expired delivery records.
   */
  grantAlertState(grantee: iam.IGrantable, options?: AlertStateGrantOptions): iam.Grant;
  /** Write, read back, delete and abort multipart uploads under `backups/`, and list it: the backup job. */
  grantBackupWrite(grantee: iam.IGrantable): iam.Grant;
  /** Read archives and manifests under `backups/`, and list it: a restore. */
  grantBackupRead(grantee: iam.IGrantable): iam.Grant;
  /** Read the manifests under `backups/` (`*.json`), never an archive, and list it: freshness and the digest. */
  grantManifestRead(grantee: iam.IGrantable): iam.Grant;
  /** Delete collected server-check runs under `state/ssm-pending/` (with `grantAlertState` for reading and writing them). */
  grantPendingRunCleanup(grantee: iam.IGrantable): iam.Grant;
  /**
   * The status page's history under `history/` (read, write, delete aged-out days, list, earlier roll-up versions)
   * and writing the page under `status/`: the health job.
   */
  grantStatusPageWrite(grantee: iam.IGrantable): iam.Grant;
  /** Read the private page `status/index.html`, that one object only: the status page function. */
  grantStatusPageRead(grantee: iam.IGrantable): iam.Grant;
}

export interface AlertStateGrantOptions {
  /** The grantee runs the alert engine (it records deliveries and deletes expired records). @default true */
  readonly alerting?: boolean;
}

function principalConstruct(grantee: iam.IGrantable): Construct | undefined {
  return Construct.isConstruct(grantee.grantPrincipal) ? grantee.grantPrincipal : undefined;
}

/**
 * The grants of `IAutopilotBucket` on any bucket. Each principal gets one `s3:ListBucket`
 * statement whose `s3:prefix` condition collects the prefixes of every grant it was given, so two
 * grants do not make two list statements.
 */
class BucketGrants implements IAutopilotBucket {
  private readonly listStatements = new Map<iam.IPrincipal, { statement: iam.PolicyStatement; prefixes: Set<string> }>();

  constructor(readonly bucket: s3.IBucket) {}

  grantAlertState(grantee: iam.IGrantable, options: AlertStateGrantOptions = {}): iam.Grant {
    const grant = this.grantObjects(
      grantee,
      // GetObjectVersion: a damaged alert state is recovered from its previous version (the bucket is versioned).
      ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      STATE_PREFIX,
      '*',
      STATE_PREFIX,
      'Alert state objects under state/ (one per job, pending runs, the digest snapshot), named at run time.',
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${ALERT_STATE_PREFIX}*`] } },
      }),
    );
    // Delivery records past their retention are deleted by the job that wrote them; nothing else under state/ is.
    if (options.alerting === false) return grant;
    this.grantObjects(
      grantee,
      ['s3:DeleteObject'],
      ALERT_STATE_PREFIX,
      `*${DELIVERY_RECORD_MARK}*`,
      undefined,
      'A job deletes its own expired delivery records (state/alerts/<job>.delivery.<time>-...), named at run time.',
    );
    return grant;
  }

  grantBackupWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(
      grantee,
      ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      BACKUPS_PREFIX,
      '*',
      BACKUPS_PREFIX,
      'Backup archives and manifests: keys under backups/ carry the backup time, named at run time.',
    );
  }

  grantBackupRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(
      grantee,
      ['s3:GetObject'],
      BACKUPS_PREFIX,
      '*',
      BACKUPS_PREFIX,
      'Backup archives and manifests under backups/, whose keys carry the backup time.',
    );
  }

  grantManifestRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(
      grantee,
      ['s3:GetObject'],
      BACKUPS_PREFIX,
      `*${MANIFEST_EXTENSION}`,
      BACKUPS_PREFIX,
      'Backup manifests only (backups/*.json; archives end in .dump or .sqlite.gz): keys carry the backup time.',
    );
  }

  grantPendingRunCleanup(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(
      grantee,
      ['s3:DeleteObject'],
      PENDING_RUNS_PREFIX,
      '*',
      undefined,
      'A collected run deletes its own pending object under state/ssm-pending/, named at run time.',
    );
  }

  grantStatusPageWrite(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantObjects(
      grantee,
      ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject'],
      HISTORY_PREFIX,
      '*',
      HISTORY_PREFIX,
      'Status page history: a document per local day and schedule group, and a roll-up per group, named at run time.',
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${HISTORY_ROLLUP_PREFIX}*`] } },
      }),
    );
    this.grantObjects(grantee, ['s3:PutObject'], 'status/', '*', undefined, 'The status page and its public variant under status/.');
    return grant;
  }

  grantStatusPageRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects(STATUS_PAGE_KEY)] });
  }

  private grantObjects(
    grantee: iam.IGrantable,
    actions: string[],
    prefix: string,
    pattern: string,
    listPrefix: string | undefined,
    reason: string,
  ): iam.Grant {
    const resource = this.bucket.arnForObjects(`${prefix}${pattern}`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [resource] });
    if (listPrefix) this.allowListing(grantee, listPrefix);
    const scope = principalConstruct(grantee);
    if (scope) acknowledgeWildcards(scope, [{ resource, reason }]);
    return grant;
  }

  private allowListing(grantee: iam.IGrantable, prefix: string): void {
    const principal = grantee.grantPrincipal;
    let entry = this.listStatements.get(principal);
    if (!entry) {
      entry = {
        statement: new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
        prefixes: new Set(),
      };
      this.listStatements.set(principal, entry);
      entry.prefixes.add(`${prefix}*`);
      entry.statement.addCondition('StringLike', { 's3:prefix': [...entry.prefixes].sort() });
      principal.addToPrincipalPolicy(entry.statement);
      return;
    }
    entry.prefixes.add(`${prefix}*`);
    // The statement is rendered at synth, so widening its condition here widens the one statement.
    entry.statement.addCondition('StringLike', { 's3:prefix': [...entry.prefixes].sort() });
  }
}

/**
 * The suite's bucket: `state/` (alert state, never expired) and `backups/` (expired per database),
 * plus a separate bucket for its server access logs.
 *
 * Encryption is SSE-S3 rather than SSE-KMS: the objects are ours alone, the CLI's `restore` reads
 * backups from a workstation without needing a key grant, and the access-log bucket cannot use
 * SSE-KMS at all (S3 log delivery only writes to SSE-S3 buckets).
 */
export class AutopilotBucket extends Construct implements IAutopilotBucket {
  /** The grant methods on a bucket made elsewhere (a test's bare bucket, an imported one). */
  static fromBucket(bucket: s3.IBucket): IAutopilotBucket {
    return new BucketGrants(bucket);
  }

  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  private readonly grants: BucketGrants;

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
    this.grants = new BucketGrants(this.bucket);
  }

  grantAlertState(grantee: iam.IGrantable, options?: AlertStateGrantOptions): iam.Grant {
    return this.grants.grantAlertState(grantee, options);
  }

  grantBackupWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantBackupWrite(grantee);
  }

  grantBackupRead(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantBackupRead(grantee);
  }

  grantManifestRead(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantManifestRead(grantee);
  }

  grantPendingRunCleanup(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantPendingRunCleanup(grantee);
  }

  grantStatusPageWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantStatusPageWrite(grantee);
  }

  grantStatusPageRead(grantee: iam.IGrantable): iam.Grant {
    return this.grants.grantStatusPageRead(grantee);
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
    // The day documents are rolled up two days later (90 days kept in the roll-ups); these are the rest. Each run
    // overwrites its group's document, so the versions it replaces go after a day rather than the default week.
    {
      id: 'expire-status-history-days',
      prefix: HISTORY_DAYS_PREFIX,
      expiration: Duration.days(DAY_DOCUMENT_DAYS + 2),
      noncurrentVersionExpiration: Duration.days(1),
    },
    { id: 'status-page-versions', prefix: 'status/', noncurrentVersionExpiration: Duration.days(1) },
  ];
}
