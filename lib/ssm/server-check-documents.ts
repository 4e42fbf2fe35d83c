import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { SERVER_JOBS, type ServerJob } from '../../functions/ssm-checks/executor.js';
import { DOCUMENT_PARAMETERS, EXECUTION_TIMEOUT_SECONDS } from '../../functions/ssm-checks/parameters.js';
import { readScript } from '../../functions/ssm-checks/scripts.js';
import type { CheckDocuments } from '../../functions/ssm-checks/ssm-executor.js';

/**
 * Every command runs this version. The documents have no fixed name and update by replacement,
 * so a changed script becomes a new document (version 1) whose generated name reaches the
 * functions through the stack: a command always runs exactly the script synthesized with it.
 */
export const DOCUMENT_VERSION = '1';

const DESCRIPTIONS: Readonly<Record<ServerJob, string>> = {
  disk: 'ops-autopilot disk check: space and inode use of every local filesystem and of configured paths. Prints one JSON line, then detail.',
  security:
    'ops-autopilot security check: failed SSH logins, log pattern counts, sshd -T settings, UID 0 accounts, listening ports, pending security updates, world-readable .env files. Prints one JSON line, then detail.',
};

/**
 * The content of a check document: schemaVersion 2.2, one aws:runShellScript step whose script is
 * the repository's `functions/ssm-checks/scripts/<job>.sh`, read at synth. Every parameter has an
 * allowedPattern and `interpolationType: ENV_VAR`, and the script never mentions `{{ }}`: values
 * reach it only as `SSM_<name>` environment variables, never as shell text.
 */
export function documentContent(job: ServerJob): Record<string, unknown> {
  const script = readScript(job);
  if (script.includes('{{'))
    throw new Error(`functions/ssm-checks/scripts/${job}.sh contains "{{", which SSM would treat as a parameter reference`);
  return {
    schemaVersion: '2.2',
    description: DESCRIPTIONS[job],
    parameters: Object.fromEntries(
      DOCUMENT_PARAMETERS[job].map((p) => [
        p.name,
        { type: 'String', description: p.description, default: p.default, allowedPattern: p.allowedPattern, interpolationType: 'ENV_VAR' },
      ]),
    ),
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: `${job}Check`,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: script.replace(/\n$/, '').split('\n'), timeoutSeconds: EXECUTION_TIMEOUT_SECONDS[job] },
      },
    ],
  };
}

/** The two Command documents (`disk`, `security`) the server-check functions run. */
export class ServerCheckDocuments extends Construct {
  readonly documents: Readonly<Record<ServerJob, ssm.CfnDocument>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const documents = {} as Record<ServerJob, ssm.CfnDocument>;
    for (const job of SERVER_JOBS) {
      documents[job] = new ssm.CfnDocument(this, job === 'disk' ? 'Disk' : 'Security', {
        documentType: 'Command',
        documentFormat: 'JSON',
        updateMethod: 'Replace',
        content: documentContent(job),
        tags: [{ key: 'ops-autopilot:job', value: job }],
      });
    }
    this.documents = documents;
  }

  /** The generated document name (the resource's Ref). */
  documentName(job: ServerJob): string {
    return this.documents[job].ref;
  }

  documentArn(job: ServerJob): string {
    return Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'document',
      resourceName: this.documentName(job),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** What the functions get in AUTOPILOT_SSM_DOCUMENTS. */
  refs(): CheckDocuments {
    return {
      disk: { name: this.documentName('disk'), version: DOCUMENT_VERSION },
      security: { name: this.documentName('security'), version: DOCUMENT_VERSION },
    };
  }
}
