import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CLI_ENV, CLI_ENV_DESCRIPTIONS, ENV, ENV_DESCRIPTIONS } from '../../../functions/core/layout.js';
import { KINDS, PROBED_KINDS } from '../../../functions/kinds/catalog.js';
import { configSchema } from '../../../functions/kinds/config.js';
import { configKeys } from '../../../scripts/docs/config-keys.js';

describe('the config reference, read from the schema', () => {
  const keys = configKeys(configSchema);
  const byPath = new Map(keys.map((k) => [k.path, k]));

  it('describes every key: a key the schema gains without .describe() fails here, not silently in the docs', () => {
    const undescribed = keys.filter((k) => k.description.trim() === '').map((k) => k.path);
    expect(undescribed).toEqual([]);
    for (const kind of PROBED_KINDS) {
      expect(
        configKeys(kind.schema)
          .filter((k) => !k.description.trim())
          .map((k) => k.path),
        kind.name,
      ).toEqual([]);
    }
  });

  it('lists each probed kind under its config array, so a new kind shows up without a line in the docs code', () => {
    for (const kind of PROBED_KINDS) {
      const array = byPath.get(`targets.<target>.${kind.configKey}`);
      expect(array?.type, kind.name).toBe('list of objects');
      const own = configKeys(kind.schema).map((k) => `targets.<target>.${kind.configKey}[].${k.path}`);
      expect(own.length, kind.name).toBeGreaterThan(0);
      for (const path of own) expect(byPath.has(path), path).toBe(true);
    }
  });

  it('gives types and defaults as a config writes them', () => {
    expect(byPath.get('alerting.consecutiveFailures')).toMatchObject({ type: 'integer 1-100', default: '2' });
    expect(byPath.get('timezone')).toMatchObject({ type: 'string', default: '"UTC"' });
    expect(byPath.get('language')?.type).toBe('"en" | "ja"');
    expect(byPath.get('schedules.security')).toMatchObject({ type: 'duration', default: '"1d"' });
    expect(byPath.get('silences')).toMatchObject({ type: 'list of objects', default: '[]' });
    expect(byPath.get('targets.<target>.postgres[].backup.at')).toMatchObject({ type: '"HH:MM" or cron(...)', default: '"02:00"' });
    expect(byPath.get('targets.<target>.postgres[].backup.verify')?.type).toBe('boolean | "read-back"');
    expect(byPath.get('targets.<target>.tcp[].tls')).toMatchObject({ type: 'boolean | object', default: 'false' });
    // A union's object choice lists its keys under the union's path; a map's values under `<key>`.
    expect(byPath.has('targets.<target>.tcp[].tls.certificate.warningDays')).toBe(true);
    expect(byPath.has('targets.<target>.health[].headers.<header>.secret')).toBe(true);
    expect(byPath.has('targets.<target>.servers.tags')).toBe(true);
    // An object's default is its keys' defaults, each on its own row.
    expect(byPath.get('alerting')?.default).toBe('');
  });

  it('follows the schema: a key added with a description appears with it', () => {
    const schema = z.strictObject({
      every: z.string().meta({ docType: 'duration' }).default('5m').describe('how often'),
      list: z.array(z.strictObject({ a: z.boolean().describe('an a') })).describe('things'),
    });
    expect(configKeys(schema)).toEqual([
      { path: 'every', type: 'duration', default: '"5m"', description: 'how often' },
      { path: 'list', type: 'list of objects', default: '', description: 'things' },
      { path: 'list[].a', type: 'boolean', default: '', description: 'an a' },
    ]);
  });
});

describe('the other descriptions the generated tables print', () => {
  it('says what breaks every rule of the severity matrix', () => {
    for (const kind of KINDS) {
      for (const [rule, row] of Object.entries(kind.matrix))
        expect(row.description.trim().length, `${kind.name}.${rule}`).toBeGreaterThan(10);
    }
  });

  it('describes every environment variable the stack sets or the CLI reads', () => {
    for (const key of Object.keys(ENV)) expect(ENV_DESCRIPTIONS[key as keyof typeof ENV].length, key).toBeGreaterThan(10);
    for (const key of Object.keys(CLI_ENV)) expect(CLI_ENV_DESCRIPTIONS[key as keyof typeof CLI_ENV].length, key).toBeGreaterThan(10);
  });
});
