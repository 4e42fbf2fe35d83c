import { NestedStack, type Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * CloudFormation allows 500 resources in a stack. A fleet's schedules (one per backed-up
 * database: 400 for a 500-target deployment) do not fit beside the rest, so past the first
 * IN_PARENT schedules they go into nested stacks of at most PER_NESTED_STACK each, every nested
 * stack being one resource of the parent. A small config keeps every schedule, and its logical
 * id, in the main stack.
 */
export const SCHEDULES_IN_PARENT = 100;
export const SCHEDULES_PER_NESTED_STACK = 200;

export class ScheduleStacks {
  private placed = 0;
  private nested: NestedStack | undefined;
  private inNested = 0;
  private nestedCount = 0;

  constructor(private readonly parent: Stack) {}

  /** The scope the next schedule is made in. */
  next(): Construct {
    this.placed++;
    if (this.placed <= SCHEDULES_IN_PARENT) return this.parent;
    if (!this.nested || this.inNested >= SCHEDULES_PER_NESTED_STACK) {
      this.nestedCount++;
      this.nested = new NestedStack(this.parent, `Schedules${this.nestedCount}`, {
        description: `ops-autopilot schedules, part ${this.nestedCount} (a stack holds at most 500 resources)`,
      });
      this.inNested = 0;
    }
    this.inNested++;
    return this.nested;
  }
}
