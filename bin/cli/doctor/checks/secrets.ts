import { type DBCluster, type DBInstance, DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import type { Config, PostgresConfig } from '../../../../functions/kinds/config.js';
import { allPages, batches, type CheckLine, type DoctorContext, errorName, fail, ok, warn } from '../report.js';

/** The SSM parameters and Secrets Manager secrets a config names, each with where (its first use). */
export function secretReferences(config: Config): { parameters: Map<string, string>; secrets: Map<string, string> } {
  const parameters = new Map<string, string>();
  const secrets = new Map<string, string>();
  const add = (map: Map<string, string>, name: string, where: string) => void (map.has(name) || map.set(name, where));
  for (const [target, t] of Object.entries(config.targets)) {
    for (const [i, db] of (t.postgres ?? []).entries()) {
      if (db.passwordParameter) add(parameters, db.passwordParameter, `targets.${target}.postgres[${i}].passwordParameter`);
      if (db.secret) add(secrets, db.secret, `targets.${target}.postgres[${i}].secret`);
    }
    for (const [i, check] of (t.health ?? []).entries()) {
      for (const [header, value] of Object.entries(check.headers ?? {})) {
        if (typeof value === 'string') continue;
        const where = `targets.${target}.health[${i}].headers.${header}`;
        if ('parameter' in value) add(parameters, value.parameter, where);
        else add(secrets, value.secret, where);
      }
    }
  }
  return { parameters, secrets };
}

/**
 * Every parameter and secret the config names exists (where the functions will read it), described only: the doctor
 * never reads a value, not even an encrypted one. A parameter stored as a plain String is a warning.
 */
export async function secretsExist({ config, clients, region }: DoctorContext): Promise<CheckLine[]> {
  if (!config) return [];
  const { parameters, secrets } = secretReferences(config);
  const names = [...parameters.keys()];
  const described = (
    await Promise.all(
      batches(names, 50).map((batch) =>
        allPages(async (NextToken) => {
          const page = await clients.ssm.send(
            new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }], NextToken }),
          );
          return { items: page.Parameters ?? [], next: page.NextToken };
        }),
      ),
    )
  ).flat();
  const lines = names.map((name) => {
    const found = described.find((p) => p.Name === name);
    const check = `parameter ${name}`;
    if (!found) {
      return fail(
        check,
        `not found in ${region} (${parameters.get(name)}): \`aws ssm put-parameter --type SecureString --name ${name} --value '...'\``,
      );
    }
    if (found.Type !== 'SecureString') {
      return warn(check, `a plain ${found.Type}: whoever can read parameters sees it; store it again with --type SecureString`);
    }
    return ok(check, `SecureString, version ${found.Version ?? '?'}`);
  });
  for (const [id, where] of secrets) {
    const check = `secret ${id}`;
    try {
      const secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: id }));
      lines.push(
        secret.DeletedDate
          ? fail(check, `scheduled for deletion on ${secret.DeletedDate.toISOString()}: restore it (\`aws secretsmanager restore-secret\`)`)
          : ok(check, `exists${secret.RotationEnabled ? ', rotated' : ''}`),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      lines.push(fail(check, `not found in ${region} (${where}): create it, or fix the name`));
    }
  }
  return lines;
}

/**
 * `iamAuth`: the database must have IAM authentication on; with a resource id, that instance or cluster must exist;
 * without one, the grant covers every database of the account, so the doctor finds it by its host and names its id.
 */
export async function iamDatabases({ config, clients, region }: DoctorContext): Promise<CheckLine[]> {
  const databases = Object.entries(config?.targets ?? {}).flatMap(([target, t]) =>
    (t.postgres ?? []).flatMap((db, i) => (db.iamAuth ? [{ target, db, path: `targets.${target}.postgres[${i}].iamAuth` }] : [])),
  );
  if (!databases.length) return [];
  let everything: { instances: DBInstance[]; clusters: DBCluster[] } | undefined;
  const listAll = async () => {
    everything ??= {
      instances: await allPages(async (Marker) => {
        const page = await clients.rds.send(new DescribeDBInstancesCommand({ Marker }));
        return { items: page.DBInstances ?? [], next: page.Marker };
      }),
      clusters: await allPages(async (Marker) => {
        const page = await clients.rds.send(new DescribeDBClustersCommand({ Marker }));
        return { items: page.DBClusters ?? [], next: page.Marker };
      }),
    };
    return everything;
  };
  const lines: CheckLine[] = [];
  for (const { target, db, path } of databases) {
    const check = `iam auth ${target}/${db.host}`;
    const resourceId = typeof db.iamAuth === 'object' ? db.iamAuth.resourceId : undefined;
    const found = resourceId ? await byResourceId(clients, resourceId) : await byHost(db, await listAll());
    if (!found) {
      lines.push(
        resourceId
          ? fail(
              check,
              `no RDS ${resourceId.startsWith('cluster-') ? 'cluster' : 'instance'} with resource id ${resourceId} in ${region}: ` +
                `check ${path}.resourceId`,
            )
          : warn(
              check,
              `no RDS instance or cluster in ${region} answers at ${db.host}: the login grant covers every database of the account`,
            ),
      );
      continue;
    }
    if (!found.iamEnabled) {
      lines.push(fail(check, `${found.name} has IAM database authentication off: turn it on (Modify, Database authentication)`));
    } else if (!resourceId) {
      lines.push(
        warn(
          check,
          `${found.name} (${found.resourceId}): set ${path} to { resourceId: '${found.resourceId}' } to grant this database only`,
        ),
      );
    } else {
      lines.push(ok(check, `${found.name} (${resourceId}) has IAM database authentication on`));
    }
  }
  return lines;
}

interface FoundDatabase {
  readonly name: string;
  readonly resourceId: string;
  readonly iamEnabled: boolean;
}

function fromInstance(i: DBInstance): FoundDatabase {
  return {
    name: i.DBInstanceIdentifier ?? '?',
    resourceId: i.DbiResourceId ?? '?',
    iamEnabled: i.IAMDatabaseAuthenticationEnabled === true,
  };
}

function fromCluster(c: DBCluster): FoundDatabase {
  return {
    name: c.DBClusterIdentifier ?? '?',
    resourceId: c.DbClusterResourceId ?? '?',
    iamEnabled: c.IAMDatabaseAuthenticationEnabled === true,
  };
}

async function byResourceId(clients: DoctorContext['clients'], resourceId: string): Promise<FoundDatabase | undefined> {
  if (resourceId.startsWith('cluster-')) {
    const { DBClusters } = await clients.rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-resource-id', Values: [resourceId] }] }),
    );
    return DBClusters?.[0] && fromCluster(DBClusters[0]);
  }
  const { DBInstances } = await clients.rds.send(
    new DescribeDBInstancesCommand({ Filters: [{ Name: 'dbi-resource-id', Values: [resourceId] }] }),
  );
  return DBInstances?.[0] && fromInstance(DBInstances[0]);
}

function byHost(db: PostgresConfig, all: { instances: DBInstance[]; clusters: DBCluster[] }): FoundDatabase | undefined {
  const host = db.host.toLowerCase();
  const instance = all.instances.find((i) => i.Endpoint?.Address?.toLowerCase() === host);
  if (instance) return fromInstance(instance);
  const cluster = all.clusters.find((c) =>
    [c.Endpoint, c.ReaderEndpoint, ...(c.CustomEndpoints ?? [])].some((e) => e?.toLowerCase() === host),
  );
  return cluster && fromCluster(cluster);
}
