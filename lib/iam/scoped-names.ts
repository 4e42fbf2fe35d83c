/**
 * IAM managed policies hold 6,144 characters, and a role at most 10 of them: 400 parameter ARNs
 * (about 80 characters each) do not fit. Up to `maxExact` names are granted one by one; past
 * that, names are widened one path level at a time (`/autopilot/svc-001/db-password` ->
 * `/autopilot/svc-001/*` -> `/autopilot/*`) until they fit, and never to a bare `*`: a fleet
 * that keeps its parameters under a common prefix gets one statement for them all.
 */
export interface ScopedNames {
  /** Names granted as they are. */
  readonly exact: readonly string[];
  /** Prefixes ending in `*`, each covering several configured names. */
  readonly prefixes: readonly string[];
}

/** Names at most this many are granted exactly; 40 ARNs of about 100 characters stay far below one policy. */
export const DEFAULT_MAX_EXACT = 40;

export function scopeNames(names: Iterable<string>, maxExact = DEFAULT_MAX_EXACT): ScopedNames {
  const unique = [...new Set(names)].sort();
  if (unique.length <= maxExact) return { exact: unique, prefixes: [] };
  let scopes = unique.map((name) => ({ scope: name, exact: true }));
  for (;;) {
    const widened = widen(scopes);
    if (widened === undefined) break;
    scopes = widened;
    if (scopes.length <= maxExact) break;
  }
  return {
    exact: scopes.filter((s) => s.exact).map((s) => s.scope),
    prefixes: scopes.filter((s) => !s.exact).map((s) => s.scope),
  };
}

interface Scope {
  readonly scope: string;
  readonly exact: boolean;
}

/** Every scope one path level up; undefined when no scope can widen without becoming `*`. */
function widen(scopes: readonly Scope[]): Scope[] | undefined {
  let changed = false;
  const out = new Map<string, Scope>();
  for (const s of scopes) {
    const parent = parentScope(s.scope, s.exact);
    if (parent === undefined) {
      out.set(s.scope, s);
      continue;
    }
    changed = true;
    out.set(parent, { scope: parent, exact: false });
  }
  if (!changed) return undefined;
  // An exact name that a prefix now covers is dropped.
  const prefixes = [...out.values()].filter((s) => !s.exact).map((s) => s.scope.slice(0, -1));
  return [...out.values()]
    .filter((s) => !s.exact || !prefixes.some((p) => s.scope.startsWith(p)))
    .sort((a, b) => a.scope.localeCompare(b.scope));
}

/** `/a/b/c` -> `/a/b/*`; `/a/b/*` -> `/a/*`; `/a/*` or a name without a directory -> undefined. */
function parentScope(scope: string, exact: boolean): string | undefined {
  const base = exact ? scope : scope.slice(0, -2);
  const cut = base.lastIndexOf('/');
  if (cut <= 0 || (!exact && base.indexOf('/', 1) === -1)) return undefined;
  const parent = `${base.slice(0, cut + 1)}*`;
  return parent.replace(/^\/?\*$/, '') === '' ? undefined : parent;
}

/** SSM parameter ARNs for `names` (exact, or widened prefixes past maxExact), and which of them are wildcards. */
export function parameterResources(
  arnOf: (name: string) => string,
  names: Iterable<string>,
  maxExact = DEFAULT_MAX_EXACT,
): { resources: string[]; wildcards: string[] } {
  const scoped = scopeNames(names, maxExact);
  const wildcards = scoped.prefixes.map(arnOf);
  return { resources: [...scoped.exact.map(arnOf), ...wildcards], wildcards };
}

/** Why a widened parameter grant is acceptable, for the cdk-nag acknowledgement. */
export function widenedGrantReason(count: number): string {
  return (
    `${count} configured parameters share this path prefix: granted as one prefix so the role's policy stays within IAM's ` +
    "6,144-character managed policy and 10-policy limits; the prefix is the configured names' own directory."
  );
}
