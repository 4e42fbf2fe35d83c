import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** CloudFormation's and IAM's limits the synthesized templates must stay within. */
export const LIMITS = {
  resourcesPerStack: 500,
  /** A template uploaded through S3 (how `cdk deploy` passes large ones). */
  templateBytes: 1_000_000,
  /** A managed policy document, white space not counted. */
  managedPolicyChars: 6_144,
  /** All inline policies of one role together. */
  inlinePolicyCharsPerRole: 10_240,
  managedPoliciesPerRole: 10,
  widgetsPerDashboard: 500,
} as const;

export interface TemplateFigures {
  readonly file: string;
  readonly resources: number;
  readonly bytes: number;
  readonly largestManagedPolicyChars: number;
  readonly largestInlinePolicyCharsPerRole: number;
  readonly mostManagedPoliciesOnARole: number;
  readonly mostDashboardWidgets: number;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

const compact = (value: unknown): number => JSON.stringify(value).length;
const refOf = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

/** The figures of every template in a cloud assembly directory, nested stacks included. */
export function templateFigures(assemblyDir: string): TemplateFigures[] {
  return readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .map((file) => {
      const text = readFileSync(join(assemblyDir, file), 'utf8');
      const resources = Object.entries((JSON.parse(text) as { Resources?: Record<string, Resource> }).Resources ?? {});
      const of = (type: string) => resources.filter(([, r]) => r.Type === type);
      const inlinePerRole = new Map<string, number>();
      for (const [, policy] of of('AWS::IAM::Policy')) {
        for (const role of (policy.Properties?.Roles as unknown[]) ?? []) {
          const name = refOf(role) ?? JSON.stringify(role);
          inlinePerRole.set(name, (inlinePerRole.get(name) ?? 0) + compact(policy.Properties?.PolicyDocument));
        }
      }
      const managedPerRole = new Map<string, number>();
      for (const [id, role] of of('AWS::IAM::Role'))
        managedPerRole.set(id, ((role.Properties?.ManagedPolicyArns as unknown[]) ?? []).length);
      for (const [, policy] of of('AWS::IAM::ManagedPolicy')) {
        for (const role of (policy.Properties?.Roles as unknown[]) ?? []) {
          const name = refOf(role) ?? JSON.stringify(role);
          managedPerRole.set(name, (managedPerRole.get(name) ?? 0) + 1);
        }
      }
      const widgets = of('AWS::CloudWatch::Dashboard').map(([, d]) => {
        // The body is a Fn::Join of strings and tokens; the widget count is the number of "type" keys in it.
        const body = JSON.stringify(d.Properties?.DashboardBody);
        return (body.match(/\\"type\\":/g) ?? []).length;
      });
      return {
        file,
        resources: resources.length,
        bytes: Buffer.byteLength(text),
        largestManagedPolicyChars: Math.max(0, ...of('AWS::IAM::ManagedPolicy').map(([, p]) => compact(p.Properties?.PolicyDocument))),
        largestInlinePolicyCharsPerRole: Math.max(0, ...inlinePerRole.values()),
        mostManagedPoliciesOnARole: Math.max(0, ...managedPerRole.values()),
        mostDashboardWidgets: Math.max(0, ...widgets),
      };
    });
}

/** Each figure over its limit, in words; empty when the templates deploy within every limit. */
export function overLimits(figures: readonly TemplateFigures[]): string[] {
  return figures.flatMap((f) => [
    ...(f.resources > LIMITS.resourcesPerStack ? [`${f.file}: ${f.resources} resources (limit ${LIMITS.resourcesPerStack})`] : []),
    ...(f.bytes > LIMITS.templateBytes ? [`${f.file}: ${f.bytes} bytes (limit ${LIMITS.templateBytes})`] : []),
    ...(f.largestManagedPolicyChars > LIMITS.managedPolicyChars
      ? [`${f.file}: a managed policy of ${f.largestManagedPolicyChars} characters (limit ${LIMITS.managedPolicyChars})`]
      : []),
    ...(f.largestInlinePolicyCharsPerRole > LIMITS.inlinePolicyCharsPerRole
      ? [
          `${f.file}: ${f.largestInlinePolicyCharsPerRole} characters of inline policy on one role (limit ` +
            `${LIMITS.inlinePolicyCharsPerRole})`,
        ]
      : []),
    ...(f.mostManagedPoliciesOnARole > LIMITS.managedPoliciesPerRole
      ? [`${f.file}: ${f.mostManagedPoliciesOnARole} managed policies on one role (limit ${LIMITS.managedPoliciesPerRole})`]
      : []),
    ...(f.mostDashboardWidgets > LIMITS.widgetsPerDashboard
      ? [`${f.file}: ${f.mostDashboardWidgets} dashboard widgets (limit ${LIMITS.widgetsPerDashboard})`]
      : []),
  ]);
}
