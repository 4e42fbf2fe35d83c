import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../../lib/lambda/generated-entry.js';
import { createApp } from '../../../lib/ops-autopilot-app.js';
import type { OpsAutopilotStack } from '../../../lib/ops-autopilot-stack.js';
import type { Config } from '../../../functions/kinds/config.js';
import { validateConfig } from '../../../functions/kinds/config.js';

/** The feature flags of cdk.json, so tests build what `cdk synth` builds. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

/**
 * An app with the cdk.json flags. `cfnValidation: false` skips CDK's built-in template rules
 * (seconds per process); the stack test keeps them, as `cdk synth` does.
 */
export function testApp(options: { outdir?: string; cfnValidation?: boolean } = {}): App {
  const context = options.cfnValidation === false ? { ...CDK_CONTEXT, '@aws-cdk/core:validateAgainstDefaultRules': false } : CDK_CONTEXT;
  return new App({ context, outdir: options.outdir });
}

/** A bare stack for constructs that need no bundling. */
export function bareStack(): Stack {
  return new Stack(testApp({ cfnValidation: false }), 'Test');
}

export function config(raw: unknown): Config {
  return validateConfig(raw, { forDeployment: true });
}

/** A scratch directory; `entries` is under the project root because bundle entries must be. */
export function scratch(): { outdir: string; entriesDir: string; cleanup: () => void } {
  const outdir = mkdtempSync(join(tmpdir(), 'autopilot-cdk-'));
  const entriesRoot = join(PROJECT_ROOT, '.autopilot', 'entries');
  mkdirSync(entriesRoot, { recursive: true });
  const entriesDir = mkdtempSync(join(entriesRoot, 'test-'));
  return {
    outdir,
    entriesDir,
    cleanup: () => {
      rmSync(outdir, { recursive: true, force: true });
      rmSync(entriesDir, { recursive: true, force: true });
    },
  };
}

/** The stack as `cdk synth` builds it (createApp: cdk.json's flags, cdk-nag), synthesized into a scratch directory. */
export interface SynthesizedApp {
  readonly stack: OpsAutopilotStack;
  readonly template: Template;
  readonly resources: Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
  readonly assemblyDir: string;
}

/** Synthesizes `config` with bundling (the assets are inspected); throws on any unacknowledged cdk-nag finding. */
export function synthesizeApp(config: Config, dirs: Pick<ReturnType<typeof scratch>, 'outdir' | 'entriesDir'>): SynthesizedApp {
  const built = createApp({
    config,
    entriesDir: dirs.entriesDir,
    env: { account: '123456789012', region: 'ap-northeast-1' },
    appProps: { context: CDK_CONTEXT, outdir: dirs.outdir },
  });
  const assembly = built.app.synth();
  const artifact = assembly.getStackByName(built.stack.stackName);
  return {
    stack: built.stack,
    template: Template.fromJSON(artifact.template),
    resources: artifact.template.Resources,
    assemblyDir: assembly.directory,
  };
}
