// The 500-target deployment of issue 12 (tests/lib/fixtures/scale.config.ts: 900 HTTP checks,
// 400 backed-up databases, 100 SQLite files, 400 server targets), synthesized as `cdk synth` does
// (cdk-nag included, function bundling skipped), with every template's figures against the
// CloudFormation and IAM limits. Usage: npm run synth:scale [-- <targets>]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OpsAutopilotStack } from '../lib/ops-autopilot-stack.js';
import { scaleConfig } from '../tests/lib/fixtures/scale.config.js';
import { CDK_CONTEXT } from '../tests/lib/support/cdk-app.js';
import { LIMITS, overLimits, templateFigures } from './scale/template-limits.js';
import { validateConfig } from '../functions/kinds/config.js';

const targets = Number(process.argv[2] ?? 500);
const outdir = mkdtempSync(join(tmpdir(), 'autopilot-scale-'));
const started = performance.now();
const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
new OpsAutopilotStack(app, 'OpsAutopilot', { config: validateConfig(scaleConfig(targets), { forDeployment: true }) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
const seconds = (performance.now() - started) / 1000;
const figures = templateFigures(outdir);
console.log(`${targets} targets synthesized in ${seconds.toFixed(1)} s (bundling skipped), ${figures.length} templates:`);
for (const f of figures) {
  console.log(
    `  ${f.file}: ${f.resources} resources, ${(f.bytes / 1024).toFixed(0)} KiB, largest managed policy ${f.largestManagedPolicyChars} ` +
      `chars, ` +
      `largest inline policy per role ${f.largestInlinePolicyCharsPerRole} chars, most managed policies on a role ` +
      `${f.mostManagedPoliciesOnARole}, ` +
      `dashboard widgets ${f.mostDashboardWidgets}`,
  );
}
const over = overLimits(figures);
console.log(over.length ? `OVER THE LIMITS:\n  ${over.join('\n  ')}` : `within every limit: ${JSON.stringify(LIMITS)}`);
rmSync(outdir, { recursive: true, force: true });
process.exitCode = over.length ? 1 : 0;
