import { describe, expect, it } from 'vitest';
import { backupExpirations, backupPrefix } from '../../../lib/s3/backup-retention.js';
import { config } from '../support/cdk-app.js';

const db = (name: string, backup?: object) => ({
  name,
  host: 'db.internal',
  database: name,
  user: 'autopilot',
  passwordParameter: `/pw/${name}`,
  backup,
});

/** Every key a rule set expires, with the days: overlapping rules show up as two entries. */
function rulesCovering(rules: { prefix: string; days: number }[], key: string) {
  return rules.filter((r) => key.startsWith(r.prefix));
}

describe('backupExpirations', () => {
  it('is one 30-day rule on backups/ when every database keeps the default', () => {
    const rules = backupExpirations(
      config({
        targets: {
          a: { postgres: [db('main', {}), db('other', { retentionDays: 30 })] },
          b: { health: [{ url: 'https://b.example.com/' }] },
        },
      }),
    );
    expect(rules).toEqual([{ prefix: 'backups/', days: 30 }]);
  });

  it('gives a longer or shorter retention its own prefix, and no default rule covers it', () => {
    const rules = backupExpirations(
      config({
        targets: {
          a: { postgres: [db('main', { retentionDays: 90 }), db('plain', {}), db('scratch', { retentionDays: 3 })] },
          b: { postgres: [db('main', {})] },
          c: { sqlite: [{ name: 'tasks', path: '/srv/app/tasks.db', backup: { retentionDays: 14 } }] },
        },
      }),
    );
    expect(rules).toEqual([
      { prefix: 'backups/a/main/', days: 90 },
      { prefix: 'backups/a/plain/', days: 30 },
      { prefix: 'backups/a/scratch/', days: 3 },
      { prefix: 'backups/b/', days: 30 },
      { prefix: 'backups/c/tasks/', days: 14 },
    ]);
    // S3 deletes at the earliest matching expiration, so each key must match exactly one rule.
    for (const key of [
      'backups/a/main/2026-11-23T02:00:00Z.dump',
      'backups/a/plain/x.dump',
      'backups/a/scratch/x',
      'backups/b/main/x',
      'backups/c/tasks/x.db',
    ]) {
      expect(rulesCovering(rules, key), key).toHaveLength(1);
    }
    expect(rulesCovering(rules, 'backups/a/main/x')[0]!.days).toBe(90);
    expect(rulesCovering(rules, 'backups/a/mainline/x')).toHaveLength(0);
    expect(rulesCovering(rules, 'state/a/main.json')).toHaveLength(0);
  });

  it('names a database by its check name, else its database', () => {
    expect(backupPrefix('mycats', 'main')).toBe('backups/mycats/main/');
    const rules = backupExpirations(
      config({ targets: { a: { postgres: [{ host: 'h', database: 'shop', user: 'u', backup: { retentionDays: 60 } }] } } }),
    );
    expect(rules).toEqual([{ prefix: 'backups/a/shop/', days: 60 }]);
  });
});
