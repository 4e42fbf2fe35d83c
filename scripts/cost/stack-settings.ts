import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../functions/kinds/config.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface FunctionSettings {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** What the synthesized stack says about sizes and counts the bill depends on. */
export interface StackSettings {
  /** Job name (from POWERTOOLS_SERVICE_NAME `autopilot-<job>`) to its function's settings. */
  readonly functions: Readonly<Record<string, FunctionSettings>>;
  readonly schedules: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly logRetentionDays: number | undefined;
  readonly noncurrentVersionDays: number | undefined;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Reads the settings out of a CloudFormation template. */
export function settingsFromTemplate(template: { Resources?: Record<string, Resource> }): StackSettings {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (type: string): Resource[] => resources.filter((r) => r.Type === type);
  const functions: Record<string, FunctionSettings> = {};
  for (const fn of ofType('AWS::Lambda::Function')) {
    const props = fn.Properties ?? {};
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    const service = variables.POWERTOOLS_SERVICE_NAME;
    if (typeof service !== 'string' || !service.startsWith('autopilot-')) continue;
    functions[service.slice('autopilot-'.length)] = {
      memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    };
  }
  const retention = ofType('AWS::Logs::LogGroup')
    .map((g) => g.Properties?.RetentionInDays)
    .filter((d): d is number => typeof d === 'number');
  const noncurrent = ofType('AWS::S3::Bucket')
    .flatMap((b) => (b.Properties?.LifecycleConfiguration as { Rules?: Array<Record<string, unknown>> } | undefined)?.Rules ?? [])
    .map((rule) => (rule.NoncurrentVersionExpiration as { NoncurrentDays?: number } | undefined)?.NoncurrentDays)
    .filter((d): d is number => typeof d === 'number');
  return {
    functions,
    schedules: ofType('AWS::Scheduler::Schedule').length,
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType('AWS::KMS::Key').length,
    logRetentionDays: retention.length ? Math.max(...retention) : undefined,
    noncurrentVersionDays: noncurrent.length ? Math.min(...noncurrent) : undefined,
  };
}

/**
 * Synthesizes the real stack for `config` (without bundling the functions, so no esbuild run and
 * no Docker) and reads its settings. Writes the generated entries to `.autopilot/entries` as
 * `cdk synth` does. Throws when the stack cannot be built.
 */
export async function synthesizeStackSettings(config: Config): Promise<StackSettings> {
  const [{ App }, { OpsAutopilotStack }] = await Promise.all([import('aws-cdk-lib'), import('../../lib/ops-autopilot-stack.js')]);
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'autopilot-cost-cdk-'));
  try {
    // cdk.json's feature flags apply only under the CDK CLI; an App made here has to be given them.
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const stack = new OpsAutopilotStack(app, 'OpsAutopilotCost', { config });
    const template = app.synth().getStackByName(stack.stackName).template as { Resources?: Record<string, Resource> };
    return settingsFromTemplate(template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
