import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { App, Stack } from 'aws-cdk-lib';
import { validateConfig } from '../../../functions/core/config/validate.js';
import type { Config } from '../../../functions/core/config/schema.js';
import { PROJECT_ROOT } from '../../../lib/lambda/generated-entry.js';

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
