import type { Config, PostgresConfig } from '../../functions/kinds/config.js';

/** Where a database is reached from: inside the configured VPC, or over the internet. */
export function databaseNetwork(config: Pick<Config, 'network'>, db: Pick<PostgresConfig, 'network'>): 'vpc' | 'public' {
  if (!config.network) return 'public';
  return db.network ?? 'vpc';
}

/**
 * The health config split by where its checks must run. `outside`: every HTTP check and the
 * public databases (no NAT needed for public URLs); `vpc`: the VPC databases only, or undefined
 * when there are none. Every target stays in both, so target filters keep working.
 */
export function splitHealthConfig(config: Config): { outside: Config; vpc: Config | undefined } {
  if (!config.network) return { outside: config, vpc: undefined };
  const outside: Config['targets'] = {};
  const vpc: Config['targets'] = {};
  let vpcDatabases = 0;
  for (const [name, target] of Object.entries(config.targets)) {
    const inVpc = (target.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc');
    const outsideDbs = (target.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'public');
    vpcDatabases += inVpc.length;
    outside[name] = { ...target, postgres: outsideDbs };
    vpc[name] = { postgres: inVpc };
  }
  return { outside: { ...config, targets: outside }, vpc: vpcDatabases ? { ...config, targets: vpc } : undefined };
}

/**
 * The AWS APIs called from inside the VPC, as interface endpoint services: SNS always (alerts),
 * SSM for password parameters (and SSM-run backups started by a VPC backup function), Secrets
 * Manager for secrets, and ECR (API and registry) plus CloudWatch Logs for Fargate tasks, which
 * pull the image and ship logs from inside the VPC. S3 goes through the gateway endpoint; KMS
 * is not called directly (SSM, Secrets Manager and SNS decrypt and encrypt on the caller's
 * behalf), nor is STS (Lambda and ECS hand the role's credentials over); IAM auth tokens are
 * signed locally; Lambda ships its own logs from outside the VPC.
 */
export function endpointServicesFor(config: Config): Array<'ssm' | 'secretsmanager' | 'sns' | 'ecr.api' | 'ecr.dkr' | 'logs'> {
  if (!config.network) return [];
  const services = new Set<'ssm' | 'secretsmanager' | 'sns' | 'ecr.api' | 'ecr.dkr' | 'logs'>(['sns']);
  const vpcDatabases = Object.values(config.targets).flatMap((t) =>
    (t.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc'),
  );
  for (const db of vpcDatabases) {
    if (db.passwordParameter) services.add('ssm');
    if (db.secret) services.add('secretsmanager');
    if (db.backup?.runOn === 'fargate') for (const s of ['ecr.api', 'ecr.dkr', 'logs'] as const) services.add(s);
  }
  const backupInVpc = lambdaBackupsInVpc(config);
  const ssmBackups = Object.values(config.targets).some(
    (t) => (t.sqlite ?? []).some((s) => s.backup?.via === 'ssm') || (t.postgres ?? []).some((p) => p.backup?.via === 'ssm'),
  );
  if (backupInVpc && ssmBackups) services.add('ssm');
  return [...services].sort();
}

/** The ports of the databases reached from inside the VPC. */
export function vpcDatabasePorts(config: Config): number[] {
  return [
    ...new Set(
      Object.values(config.targets).flatMap((t) =>
        (t.postgres ?? []).filter((db) => databaseNetwork(config, db) === 'vpc').map((db) => db.port),
      ),
    ),
  ].sort((a, b) => a - b);
}

/** True when the backup function dumps a database inside the VPC (so it runs there). */
export function lambdaBackupsInVpc(config: Config): boolean {
  return Object.values(config.targets).some((t) =>
    (t.postgres ?? []).some(
      (db) => db.backup && db.backup.via === 'lambda' && db.backup.runOn !== 'fargate' && databaseNetwork(config, db) === 'vpc',
    ),
  );
}
