import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupKeys } from '../../functions/core/layout.js';
import { runAutopilot } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'autopilot-restore-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('autopilot restore --list without --target', () => {
  it('lists every target with the databases it backs up and what the store holds of each', async () => {
    const config = join(dir, 'ops.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        targets: {
          shop: {
            postgres: [
              { host: 'db', database: 'shop', user: 'u', backup: {} },
              { name: 'audit', host: 'db', database: 'audit', user: 'u' },
            ],
            sqlite: [{ name: 'tasks', path: '/srv/tasks.db', backup: { via: 'ssm' } }],
          },
          web: { health: [{ url: 'https://example.com/' }] },
        },
      }),
    );
    const store = join(dir, 'store');
    // One archive of shop/shop without its manifest (a run in progress): listed, never verified.
    const key = backupKeys('shop', 'shop', new Date('2026-12-01T02:00:00Z')).archiveKey;
    mkdirSync(dirname(join(store, key)), { recursive: true });
    writeFileSync(join(store, key), 'PGDMP');
    const result = await runAutopilot(['restore', '--list', '--local', '--store', store, '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      `2 target(s) in the config, backups in ${store}`,
      '  shop',
      '    shop             postgres 1 backup(s), none verified',
      '    tasks            sqlite   0 backup(s)',
      '  web: no database backed up',
      "autopilot restore --list --target <name> lists one target's backups",
      '',
    ]);
    const json = await runAutopilot(['restore', '--list', '--json', '--local', '--store', store, '--config', config]);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        target: 'shop',
        databases: [
          { database: 'shop', kind: 'postgres', backups: 1 },
          { database: 'tasks', kind: 'sqlite', backups: 0 },
        ],
      },
      { target: 'web', databases: [] },
    ]);
  });
});
