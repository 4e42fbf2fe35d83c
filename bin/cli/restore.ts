import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3ObjectStore } from '../../functions/core/adapters/s3/s3-object-store.js';
import { ConfigError } from '../../functions/core/errors.js';
import { awsFault } from './aws-fault.js';
import type { ObjectStore } from '../../functions/core/ports/object-store.js';
import { formatBytes } from '../../functions/core/text/format-bytes.js';
import { listBackups, type BackupEntry } from '../../functions/restore/list-backups.js';
import { parseTargetUrl, restoreBackup, RestoreRefusedError } from '../../functions/restore/restore-backup.js';
import type { CliArgs } from './args.js';
import { localStore } from './local-context.js';

/** The deployed bucket: AUTOPILOT_BUCKET, else the stack output `BucketName`. */
async function deployedStore(stackName: string): Promise<ObjectStore> {
  if (process.env.AUTOPILOT_BUCKET) return new S3ObjectStore(process.env.AUTOPILOT_BUCKET);
  const { Stacks } = await new CloudFormationClient({})
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .catch((error: unknown) => Promise.reject(awsFault(error, `restore: stack ${stackName}`) ?? error));
  const bucket = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'BucketName')?.OutputValue;
  if (!bucket) throw new ConfigError(`restore: stack ${stackName} has no BucketName output; set AUTOPILOT_BUCKET or pass --local`);
  return new S3ObjectStore(bucket);
}

function listingLine(entry: BackupEntry): string {
  const state = entry.verified ? 'verified' : `UNVERIFIED${entry.problem ? ` (${entry.problem})` : ''}`;
  const tables = entry.manifest ? `${entry.manifest.tables} tables` : '';
  return (
    `  ${entry.startedAt.toISOString()}  ${entry.database.padEnd(16)} ${formatBytes(entry.size).padStart(8)}  ${state.padEnd(10)} ` +
    `${tables}  ${entry.archiveKey}`
  );
}

/** `autopilot restore --list` and `autopilot restore --to <url>` (docs/cli.md). */
export async function restore(args: CliArgs): Promise<void> {
  const store = args.local ? await localStore(args.store) : await deployedStore(args.stack);
  const target = args.targets[0]!;
  if (args.list) {
    const entries = await listBackups(store, target, args.database);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${entries.length} backup(s) of ${target}${args.database ? `/${args.database}` : ''} in ${store.location}, newest first\n`,
      );
      for (const entry of entries) process.stdout.write(`${listingLine(entry)}\n`);
    }
    return;
  }
  try {
    const result = await restoreBackup({ store, target, database: args.database, at: args.at, to: args.to!, clean: args.clean });
    const summary = {
      restored: result.archiveKey,
      into: parseTargetUrl(args.to!).display,
      size: result.size,
      tables: result.tables,
      durationMs: result.durationMs,
    };
    process.stdout.write(
      args.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : `restored ${result.archiveKey} (${formatBytes(result.size)}) into ${parseTargetUrl(args.to!).display}: ${result.tables} tables ` +
            `in ${result.durationMs} ms\n`,
    );
  } catch (error) {
    if (error instanceof RestoreRefusedError) throw new ConfigError(error.message);
    throw error;
  }
}
