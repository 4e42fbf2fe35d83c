import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { ShellScript } from '../../functions/remote/boundary.js';
import { DOCUMENT_VERSION, readScript } from '../../functions/remote/boundary.js';
import type { DocumentRef } from '../../functions/remote/boundary.js';

/**
 * The content of a script's Command document: schemaVersion 2.2, one aws:runShellScript step whose
 * script is the repository's file, read at synth. Every parameter has an allowedPattern and
 * `interpolationType: ENV_VAR`, and the script never mentions `{{ }}`: values reach it only as
 * `SSM_<name>` environment variables, never as shell text.
 */
export function documentContent(script: ShellScript, text = readScript(script)): Record<string, unknown> {
  if (text.includes('{{')) throw new Error(`${script.file} contains "{{", which SSM would treat as a parameter reference`);
  return {
    schemaVersion: '2.2',
    description: script.description,
    parameters: Object.fromEntries(
      script.parameters.map((p) => [
        p.name,
        {
          type: 'String',
          description: p.description,
          ...(p.default !== undefined ? { default: p.default } : {}),
          allowedPattern: p.allowedPattern,
          interpolationType: 'ENV_VAR',
        },
      ]),
    ),
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: script.stepName,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand: text.replace(/\n$/, '').split('\n'), timeoutSeconds: script.executionTimeoutSeconds },
      },
    ],
  };
}

export interface ShellScriptDocumentProps {
  /** The script the document carries, verbatim. */
  readonly script: ShellScript;
}

/**
 * One Command document carrying one of the repository's shell scripts (the disk and security
 * checks, the host backup). It has no fixed name and updates by replacement, so a changed script
 * is a new document whose generated name reaches the functions through the stack.
 */
export class ShellScriptDocument extends Construct {
  readonly script: ShellScript;
  readonly document: ssm.CfnDocument;

  constructor(scope: Construct, id: string, props: ShellScriptDocumentProps) {
    super(scope, id);
    this.script = props.script;
    // `Default` keeps the resource's logical id that of this construct's path.
    this.document = new ssm.CfnDocument(this, 'Default', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'Replace',
      content: documentContent(props.script),
      tags: [{ key: 'ops-autopilot:job', value: props.script.id }],
    });
  }

  /** The generated document name (the resource's Ref). */
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

  /** What the functions get to send it: the name and the version every command runs. */
  get ref(): DocumentRef {
    return { name: this.documentName, version: DOCUMENT_VERSION };
  }
}
