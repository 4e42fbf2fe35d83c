import { describe, expect, it } from 'vitest';
import { scopeNames } from '../../../lib/iam/scoped-names.js';

describe('scopeNames: exact grants while they fit, path prefixes past that', () => {
  it('keeps up to maxExact names exact, sorted and without duplicates', () => {
    expect(scopeNames(['/b/x', '/a/y', '/b/x'], 3)).toEqual({ exact: ['/a/y', '/b/x'], prefixes: [] });
  });

  it('widens a fleet of per-target parameters to their common directory', () => {
    const names = Array.from({ length: 400 }, (_, i) => `/autopilot/svc-${String(i).padStart(3, '0')}/db-password`);
    expect(scopeNames(names, 40)).toEqual({ exact: [], prefixes: ['/autopilot/*'] });
  });

  it('widens one level only when that is enough', () => {
    const names = Array.from({ length: 50 }, (_, i) => `/team-${i % 5}/db/${i}`);
    expect(scopeNames(names, 10)).toEqual({
      exact: [],
      prefixes: ['/team-0/db/*', '/team-1/db/*', '/team-2/db/*', '/team-3/db/*', '/team-4/db/*'],
    });
  });

  it('never widens to a bare "*": names without a directory stay exact', () => {
    const names = Array.from({ length: 12 }, (_, i) => `password-${i}`);
    const scoped = scopeNames(names, 5);
    expect(scoped.prefixes).toEqual([]);
    expect(scoped.exact).toHaveLength(12);
  });

  it('drops exact names that a widened prefix covers', () => {
    const names = [...Array.from({ length: 10 }, (_, i) => `/app/${i}/pw`), 'root-pw'];
    expect(scopeNames(names, 3)).toEqual({ exact: ['root-pw'], prefixes: ['/app/*'] });
  });
});
