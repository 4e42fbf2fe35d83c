import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_JOBS } from '../../../bin/cli/commands.js';
import { LOCAL_JOBS } from '../../../bin/cli/jobs.js';
import { ALERTING_JOBS, JOB_REGISTRY, JOBS } from '../../../functions/core/jobs.js';
import { functionNameOutput } from '../../../functions/core/layout.js';
import { parseInvokeEvent } from '../../../functions/core/run/invoke-event.js';
import { PROJECT_ROOT } from '../../../lib/lambda/generated-entry.js';
import { validateConfig } from '../../../functions/kinds/config.js';

describe('the job registry', () => {
  it('is what the CLI, the local runners and the invoke event list, in one order', () => {
    expect(JOBS).toEqual(['health', 'backup', 'disk', 'security', 'digest']);
    expect(RUN_JOBS).toEqual([...JOBS, 'all']);
    // `run all` runs the local runners in this order: the digest last.
    expect(Object.keys(LOCAL_JOBS)).toEqual(JOBS);
    const config = validateConfig({ targets: { site: { health: [{ url: 'https://example.com/' }] } } });
    for (const job of JOBS) expect(parseInvokeEvent({ job }, config).job).toBe(job);
    expect(() => parseInvokeEvent({ job: 'backups' }, config)).toThrow(/event\.job/);
  });

  it('names a handler module that exists for every job, and the digest reads the alerting jobs only', async () => {
    for (const job of JOBS) {
      const file = join(PROJECT_ROOT, JOB_REGISTRY[job].handlerFile);
      expect(existsSync(file), file).toBe(true);
    }
    const { createHandler } = await import('../../../functions/digest/handler.js');
    expect(typeof createHandler).toBe('function');
    expect(ALERTING_JOBS).toEqual(['health', 'backup', 'disk', 'security']);
  });

  it('gives each job one stack output name, distinct', () => {
    const names = JOBS.map(functionNameOutput);
    expect(names).toEqual(['HealthFunctionName', 'BackupFunctionName', 'DiskFunctionName', 'SecurityFunctionName', 'DigestFunctionName']);
    expect(new Set(names).size).toBe(JOBS.length);
  });
});
