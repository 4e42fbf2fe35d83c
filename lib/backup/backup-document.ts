import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export const BACKUP_SCRIPT = fileURLToPath(new URL('../../functions/backup/scripts/ssm-backup.sh', import.meta.url));

/** How long the script may run on the host (the Lambda waits at most its own 15 minutes). */
export const BACKUP_SCRIPT_TIMEOUT_SECONDS = 900;

const URL_CHARS = 'A-Za-z0-9:/?&=%._~+\\-';

/** The parameters of scripts/ssm-backup.sh; each reaches it as SSM_<name> (interpolationType ENV_VAR). */
export const BACKUP_DOCUMENT_PARAMETERS = [
  { name: 'kind', description: 'postgres or sqlite', allowedPattern: '^(postgres|sqlite)$' },
  { name: 'dbHost', description: 'PostgreSQL host, as seen from the server', allowedPattern: '^[A-Za-z0-9.:_-]*$', default: '' },
  { name: 'dbPort', description: 'PostgreSQL port', allowedPattern: '^[0-9]{0,5}$', default: '' },
  {
    name: 'dbUser',
    description: 'PostgreSQL user (authenticated by the host: peer, trust or .pgpass)',
    allowedPattern: '^[A-Za-z0-9_.$-]{0,63}$',
    default: '',
  },
  { name: 'dbName', description: 'PostgreSQL database', allowedPattern: '^[A-Za-z0-9_$-]{0,63}$', default: '' },
  { name: 'sqlitePath', description: 'SQLite database file', allowedPattern: '^(/[A-Za-z0-9._/-]+)?$', default: '' },
  { name: 'partSize', description: 'Bytes per uploaded part', allowedPattern: '^[0-9]{1,11}$' },
  {
    name: 'partUrls',
    description: 'Presigned S3 UploadPart URLs, space-separated, for parts 1..N',
    allowedPattern: `^[${URL_CHARS}]+( [${URL_CHARS}]+)*$`,
  },
] as const;

/** schemaVersion 2.2, one aws:runShellScript step running the repository's ssm-backup.sh, read at synth. */
export function backupDocumentContent(script = readFileSync(BACKUP_SCRIPT, 'utf8')): Record<string, unknown> {
  if (script.includes('{{'))
    throw new Error('functions/backup/scripts/ssm-backup.sh contains "{{", which SSM would treat as a parameter reference');
  return {
    schemaVersion: '2.2',
    description:
      'ops-autopilot backup on the server: pg_dump -Fc or sqlite3 .backup, uploaded in parts to presigned S3 URLs. Prints one result line.',
    parameters: Object.fromEntries(
      BACKUP_DOCUMENT_PARAMETERS.map((p) => [
        p.name,
        {
          type: 'String',
          description: p.description,
          allowedPattern: p.allowedPattern,
          interpolationType: 'ENV_VAR',
          ...('default' in p ? { default: p.default } : {}),
        },
      ]),
    ),
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'backup',
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: script.replace(/\n$/, '').split('\n'), timeoutSeconds: BACKUP_SCRIPT_TIMEOUT_SECONDS },
      },
    ],
  };
}

/** The Command document the backup function sends for `backup.via: "ssm"` entries. */
export class BackupDocument extends Construct {
  readonly document: ssm.CfnDocument;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.document = new ssm.CfnDocument(this, 'Document', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'Replace',
      content: backupDocumentContent(),
      tags: [{ key: 'ops-autopilot:job', value: 'backup' }],
    });
  }

  get documentName(): string {
    return this.document.ref;
  }

  get documentArn(): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'document',
      resourceName: this.documentName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}
