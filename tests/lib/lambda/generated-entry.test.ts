import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, writeGeneratedEntry } from '../../../lib/lambda/generated-entry.js';
import { config, scratch } from '../support/cdk-app.js';

const dirs = scratch();
afterAll(() => dirs.cleanup());

const deployable = config({
  timezone: 'Asia/Tokyo',
  targets: { mycats: { health: [{ name: 'api', url: 'https://mycats.example.com/health' }] } },
});

describe('writeGeneratedEntry', () => {
  it('writes the config JSON and an entry importing it and the job handler by a relative .js path', () => {
    const entry = writeGeneratedEntry({
      name: 'health',
      config: deployable,
      handlerFile: 'functions/health/handler.ts',
      entriesDir: dirs.entriesDir,
    });
    expect(entry).toBe(join(dirs.entriesDir, 'health.ts'));
    const source = readFileSync(entry, 'utf8');
    expect(source).toContain("import config from './health.config.json' with { type: 'json' };");
    expect(source).toContain('import { createHandler } from "../../../functions/health/handler.js";');
    expect(source).toContain('export const handler = createHandler(config);');
    expect(JSON.parse(readFileSync(join(dirs.entriesDir, 'health.config.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(deployable)));
  });

  it('bundles with esbuild: the JSON import and the .js -> .ts mapping resolve, and the config lands in the bundle', async () => {
    const fixture = join(dirs.entriesDir, 'echo-handler.ts');
    writeFileSync(fixture, 'export function createHandler(config: { timezone: string }) { return async () => config.timezone; }\n');
    const entry = writeGeneratedEntry({ name: 'echo', config: deployable, handlerFile: fixture, entriesDir: dirs.entriesDir });
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      absWorkingDir: PROJECT_ROOT,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).toContain('Asia/Tokyo');
    const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as {
      handler: () => Promise<string>;
    };
    expect(await module.handler()).toBe('Asia/Tokyo');
  });

  it('refuses a missing handler module and an unsafe entry name', () => {
    expect(() =>
      writeGeneratedEntry({ name: 'nope', config: deployable, handlerFile: 'functions/nope/handler.ts', entriesDir: dirs.entriesDir }),
    ).toThrow(/does not exist/);
    expect(() =>
      writeGeneratedEntry({ name: '../x', config: deployable, handlerFile: 'functions/health/handler.ts', entriesDir: dirs.entriesDir }),
    ).toThrow(/invalid entry name/);
  });
});
