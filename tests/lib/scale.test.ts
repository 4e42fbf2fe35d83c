import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsAutopilotStack } from '../../lib/ops-autopilot-stack.js';
import { overLimits, templateFigures, type TemplateFigures } from '../../scripts/scale/template-limits.js';
import { scaleConfig } from './fixtures/scale.config.js';
import { CDK_CONTEXT } from './support/cdk-app.js';
import { validateConfig } from '../../functions/kinds/config.js';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

describe('a deployment of 500 targets (900 HTTP checks, 400 backed-up databases, 100 SQLite, 400 server targets)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'autopilot-scale-test-'));
  let figures: TemplateFigures[];
  let templates: Record<string, Template>;

  beforeAll(() => {
    // As `cdk synth` builds it, with cdk-nag, but without bundling the functions (the same code for 5 targets or 500).
    const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    new OpsAutopilotStack(app, 'OpsAutopilot', { config: validateConfig(scaleConfig(), { forDeployment: true }) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    figures = templateFigures(outdir);
    templates = Object.fromEntries(
      readdirSync(outdir)
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => [f, JSON.parse(readFileSync(join(outdir, f), 'utf8')) as Template]),
    );
  }, 300_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const resources = (type: string) => Object.values(templates).flatMap((t) => Object.values(t.Resources).filter((r) => r.Type === type));

  it('stays within every CloudFormation and IAM limit, in every template', () => {
    expect(figures.length).toBeGreaterThan(1);
    expect(overLimits(figures)).toEqual([]);
  });

  it('puts the schedules past the first hundred into nested stacks, each one resource of the parent', () => {
    expect(resources('AWS::Scheduler::Schedule').length).toBeGreaterThanOrEqual(400);
    expect(templates['OpsAutopilot.template.json']!.Resources).toSatisfy((r: Template['Resources']) =>
      Object.values(r).some((x) => x.Type === 'AWS::CloudFormation::Stack'),
    );
  });

  it('makes every schedule wait for the schedule role policy: those of the parent directly, the nested ones by their stack', () => {
    const parent = Object.entries(templates['OpsAutopilot.template.json']!.Resources) as Array<[string, any]>;
    const policy = parent.find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ScheduleRoleDefaultPolicy'))![0];
    const inParent = parent.filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
    const nested = parent.filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack');
    expect(inParent.length).toBeGreaterThanOrEqual(100);
    expect(nested.length).toBeGreaterThan(0);
    for (const [id, r] of [...inParent, ...nested]) expect(r.DependsOn, id).toContain(policy);
  });

  it('staggers backups that share a time over a flexible half hour', () => {
    const backups = resources('AWS::Scheduler::Schedule').filter((s) => /backup of/.test(s.Properties.Description ?? ''));
    // 400 PostgreSQL databases and 100 SQLite files.
    expect(backups).toHaveLength(500);
    for (const s of backups) expect(s.Properties.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 });
  });

  it('grants the fleet’s password parameters by their common prefix, and SendCommand by one merged tag condition', () => {
    const statements = resources('AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const parameterGrants = statements.filter((s) => s.Action === 'ssm:GetParameter');
    expect(parameterGrants.length).toBeGreaterThan(0);
    for (const s of parameterGrants) expect(JSON.stringify(s.Resource)).toContain(':parameter/autopilot/*');
    const tagged = statements.filter((s) => s.Action === 'ssm:SendCommand' && s.Condition);
    for (const s of tagged) {
      const values = s.Condition.StringEquals['ssm:resourceTag/Service'];
      expect(Array.isArray(values) ? values.length : 1).toBeGreaterThanOrEqual(1);
    }
    expect(tagged.some((s) => s.Condition.StringEquals['ssm:resourceTag/Service']?.length === 400)).toBe(true);
  });
});

describe('the limit check itself', () => {
  it('names each figure over its limit', () => {
    const over = overLimits([
      {
        file: 'Big.template.json',
        resources: 632,
        bytes: 1_504_853,
        largestManagedPolicyChars: 6_200,
        largestInlinePolicyCharsPerRole: 10_300,
        mostManagedPoliciesOnARole: 11,
        mostDashboardWidgets: 501,
      },
    ]);
    expect(over).toHaveLength(6);
    expect(over[0]).toBe('Big.template.json: 632 resources (limit 500)');
  });

  it('reads a template’s figures from the assembly directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autopilot-limits-'));
    try {
      const policy = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(7000) }] };
      writeFileSync(
        join(dir, 'T.template.json'),
        JSON.stringify({
          Resources: {
            R: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: ['a', 'b'] } },
            M: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: policy, Roles: [{ Ref: 'R' }] } },
          },
        }),
      );
      const [f] = templateFigures(dir);
      expect(f).toMatchObject({ resources: 2, mostManagedPoliciesOnARole: 3 });
      expect(f!.largestManagedPolicyChars).toBeGreaterThan(7000);
      expect(overLimits([f!])).toEqual([expect.stringContaining('a managed policy of')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
