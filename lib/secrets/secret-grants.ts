import { ArnFormat, Stack } from 'aws-cdk-lib';
import { parameterResources, widenedGrantReason } from '../iam/scoped-names.js';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../nag/wildcards.js';
import type { HealthCheckConfig, PostgresConfig } from '../../functions/kinds/config.js';

/** The secrets one function's checks name: what its role may read, and nothing else. */
export interface SecretReads {
  /** SSM SecureString names (`passwordParameter`, `{ parameter }` header values). */
  readonly parameters: readonly string[];
  /** Secrets Manager names or ARNs (`secret`, `{ secret }` header values). */
  readonly secrets: readonly string[];
  /**
   * Database users that log in with RDS IAM tokens (`iamAuth`), as `<resource id>/<user>` (the rds-db:connect resource name):
   * `*` stands for the resource id when the config does not give it.
   */
  readonly iamUsers: readonly string[];
}

type DatabaseCredentials = Pick<PostgresConfig, 'passwordParameter' | 'secret' | 'iamAuth' | 'user'>;

/** Collects the references of these databases and HTTP checks, sorted and without repeats. */
export function secretReadsOf(
  databases: readonly DatabaseCredentials[],
  httpChecks: readonly Pick<HealthCheckConfig, 'headers'>[] = [],
): SecretReads {
  const parameters = new Set<string>();
  const secrets = new Set<string>();
  const iamUsers = new Set<string>();
  for (const db of databases) {
    if (db.passwordParameter) parameters.add(db.passwordParameter);
    if (db.secret) secrets.add(db.secret);
    if (db.iamAuth) iamUsers.add(`${typeof db.iamAuth === 'object' ? db.iamAuth.resourceId : '*'}/${db.user}`);
  }
  for (const check of httpChecks) {
    for (const value of Object.values(check.headers ?? {})) {
      if (typeof value === 'string') continue;
      if ('parameter' in value) parameters.add(value.parameter);
      else secrets.add(value.secret);
    }
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return { parameters: sorted(parameters), secrets: sorted(secrets), iamUsers: sorted(iamUsers) };
}

/** Statement ids, where a role's policy names its statements. */
export interface SecretGrantSids {
  readonly parameters?: string;
  readonly secrets?: string;
  readonly iamUsers?: string;
  readonly decrypt?: string;
}

/** `arn:...:secret:<name>-??????` for a name (Secrets Manager appends six random characters), the ARN as given otherwise. */
export function secretArn(stack: Stack, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${nameOrArn}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `arn:...:ssm:<region>:<account>:parameter/<name without the leading slash>` */
export function parameterArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: name.replace(/^\//, ''),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Grants exactly these reads: ssm:GetParameter on the named parameters (their path prefix past 40 names), secretsmanager:GetSecretValue
 * on the named secrets, rds-db:connect as the named users, and kms:Decrypt only through SSM or
 * Secrets Manager (for customer-managed keys). Nothing when there is nothing to read.
 */
export function grantSecretReads(grantee: iam.IGrantable, reads: SecretReads, sids: SecretGrantSids = {}): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) throw new Error('grants go to a role defined in this app');
  const stack = Stack.of(principal);
  const anyKey = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
  const viaServices: string[] = [];
  const wildcards: { resource: string; reason: string }[] = [];
  const add = (statement: iam.PolicyStatement) => principal.addToPrincipalPolicy(statement);

  if (reads.parameters.length) {
    // Exact names, widened to their path prefix for a fleet too large for one policy (lib/iam/scoped-names.ts).
    const parameters = parameterResources((name) => parameterArn(stack, name), reads.parameters);
    for (const resource of parameters.wildcards) wildcards.push({ resource, reason: widenedGrantReason(reads.parameters.length) });
    add(new iam.PolicyStatement({ sid: sids.parameters, actions: ['ssm:GetParameter'], resources: parameters.resources }));
    viaServices.push(`ssm.${stack.region}.amazonaws.com`);
  }
  if (reads.secrets.length) {
    const arns = reads.secrets.map((s) => secretArn(stack, s));
    add(new iam.PolicyStatement({ sid: sids.secrets, actions: ['secretsmanager:GetSecretValue'], resources: arns }));
    viaServices.push(`secretsmanager.${stack.region}.amazonaws.com`);
  }
  if (reads.iamUsers.length) {
    const users = reads.iamUsers.map((resourceName) =>
      stack.formatArn({ service: 'rds-db', resource: 'dbuser', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    add(new iam.PolicyStatement({ sid: sids.iamUsers, actions: ['rds-db:connect'], resources: users }));
    for (const resource of users.filter((_, i) => reads.iamUsers[i]!.startsWith('*/')))
      wildcards.push({
        resource,
        reason:
          'rds-db:connect for this database user only; the config gives no iamAuth.resourceId (the DB instance resource id, not ' +
          'known offline at synth), so the instance part is a wildcard.',
      });
  }
  if (viaServices.length) {
    add(
      new iam.PolicyStatement({
        sid: sids.decrypt,
        actions: ['kms:Decrypt'],
        resources: [anyKey],
        conditions: { StringEquals: { 'kms:ViaService': viaServices.length === 1 ? viaServices[0]! : viaServices } },
      }),
    );
    wildcards.push({
      resource: anyKey,
      reason:
        'SecureString parameters and secrets are encrypted with a key chosen by the user (AWS managed or their own); kms:ViaService ' +
        'limits the use to decryption through SSM and Secrets Manager.',
    });
  }
  if (wildcards.length) acknowledgeWildcards(principal, wildcards);
}
