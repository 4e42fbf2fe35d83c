/**
 * `ssm:resourceTag/<key>` conditions that admit a node carrying any of the configured tag sets.
 * One statement per tag set made a role's policy grow by ~600 characters per server target, past
 * IAM's limits at a few dozen. Tag sets of one key are merged per key into one condition with a
 * list of values (IAM reads a list as "any of"); sets of several keys must all match, so each of
 * those stays a condition of its own.
 */
export type TagCondition = Readonly<Record<string, string | readonly string[]>>;

export function tagConditions(tagSets: Iterable<Readonly<Record<string, string>>>): TagCondition[] {
  const singleKey = new Map<string, Set<string>>();
  const multiKey = new Map<string, Record<string, string>>();
  for (const tags of tagSets) {
    const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length === 1) {
      const [key, value] = entries[0]!;
      singleKey.set(key, (singleKey.get(key) ?? new Set()).add(value));
    } else {
      multiKey.set(JSON.stringify(entries), Object.fromEntries(entries.map(([k, v]) => [`ssm:resourceTag/${k}`, v])));
    }
  }
  const merged = [...singleKey].map(([key, values]): TagCondition => {
    const sorted = [...values].sort();
    return { [`ssm:resourceTag/${key}`]: sorted.length === 1 ? sorted[0]! : sorted };
  });
  return [...merged, ...multiKey.values()];
}
