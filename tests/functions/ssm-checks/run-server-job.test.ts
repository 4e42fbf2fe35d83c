import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../functions/core/adapters/local/local-object-store.js';
import type { Notification } from '../../../functions/core/domain/report.js';
import { runServerJob } from '../../../functions/ssm-checks/handler.js';
import { LocalBash } from '../../../functions/remote/local-bash.js';
import { serverTargets } from '../../../functions/ssm-checks/run-server-checks.js';
import { scratchDir } from './helpers.js';
import { validateConfig } from '../../../functions/kinds/config.js';

const config = validateConfig({
  alerting: { consecutiveFailures: 1 },
  targets: {
    mycats: { servers: { tags: { App: 'mycats' }, disk: { warning: 1, critical: 99 } } },
    'task-manager': { servers: { tags: { App: 'task-manager' }, disk: { warning: 98, critical: 99, paths: ['/no/such/path'] } } },
    site: { health: [{ url: 'https://example.com/' }] },
  },
});

describe('runServerJob, as `autopilot run disk --local` calls it', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());

  it('runs the script once per target with servers, on this machine, and alerts through the engine', async () => {
    const published: Notification[] = [];
    const context = {
      config,
      store: new LocalObjectStore(join(scratch.dir, 'store')),
      notifier: { publish: async (n: Notification) => void published.push(n) },
    };
    const report = await runServerJob('disk', config, { remote: new LocalBash({ host: 'laptop' }) }, context);

    expect(report.job).toBe('disk');
    expect([...new Set(report.findings.map((f) => f.target))].sort()).toEqual(['mycats', 'task-manager']);
    // The same filesystem, judged by each target's own thresholds.
    expect(report.findings.find((f) => f.target === 'mycats' && f.check === 'laptop/disk:/')!.severity).toBe('medium');
    expect(report.findings.find((f) => f.target === 'task-manager' && f.check === 'laptop/disk:/')!.severity).toBe('ok');
    expect(report.findings.find((f) => f.target === 'task-manager' && f.check === 'laptop/disk:/no/such/path')!.severity).toBe('medium');
    expect(report.notifications.map((n) => n.topic)).toEqual(['medium']);
    expect(published).toHaveLength(1);
  });

  it('selects targets by name', () => {
    expect(serverTargets(config, ['mycats']).map((t) => t.target)).toEqual(['mycats']);
    expect(serverTargets(config).map((t) => t.target)).toEqual(['mycats', 'task-manager']);
    expect(serverTargets(config, ['site'])).toEqual([]);
  });
});
