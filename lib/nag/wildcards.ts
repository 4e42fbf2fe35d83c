import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Renders a resolved CloudFormation value the way cdk-nag names it in a finding:
 * `{ Ref: X }` -> `<X>`, `{ "Fn::GetAtt": [X, "Arn"] }` -> `<X.Arn>`, `Fn::Join` with "" -> the parts joined.
 */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map(render).join(String(join[0]));
  }
  throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(value)}`);
}

export interface Wildcard {
  /** An IAM action (`kms:GenerateDataKey*`) or a resource ARN, tokens allowed (`bucket.arnForObjects('state/*')`). */
  readonly action?: string;
  readonly resource?: string;
  readonly reason: string;
}

/**
 * Acknowledges exactly one AwsSolutions-IAM5 finding per wildcard on `scope` (a role or policy),
 * so a wildcard added later by other code still shows up.
 */
export function acknowledgeWildcards(scope: IConstruct, wildcards: readonly Wildcard[]): void {
  const stack = Stack.of(scope);
  for (const w of wildcards) {
    const finding = w.action !== undefined ? `Action::${w.action}` : `Resource::${render(stack.resolve(w.resource))}`;
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: w.reason });
  }
}
