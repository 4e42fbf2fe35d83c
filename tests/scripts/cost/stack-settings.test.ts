import { describe, expect, it } from 'vitest';
import { healthIntervals } from '../../../lib/health/health-plan.js';
import { settingsFromTemplate, synthesizeStackSettings } from '../../../scripts/cost/stack-settings.js';
import { loadConfigFile } from '../../../functions/kinds/config.js';

describe('settingsFromTemplate', () => {
  it('reads memory per job, counts, log retention and the noncurrent-version expiry', () => {
    const settings = settingsFromTemplate({
      Resources: {
        H: {
          Type: 'AWS::Lambda::Function',
          Properties: { MemorySize: 512, Timeout: 60, Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'autopilot-health' } } },
        },
        B: {
          Type: 'AWS::Lambda::Function',
          Properties: { MemorySize: 1024, Timeout: 900, Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'autopilot-backup' } } },
        },
        Other: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 128 } },
        S1: { Type: 'AWS::Scheduler::Schedule' },
        S2: { Type: 'AWS::Scheduler::Schedule' },
        A: { Type: 'AWS::CloudWatch::Alarm' },
        K: { Type: 'AWS::KMS::Key' },
        L: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } },
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            LifecycleConfiguration: { Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }, { ExpirationInDays: 30 }] },
          },
        },
      },
    });
    expect(settings.functions).toEqual({ health: { memoryMb: 512, timeoutSeconds: 60 }, backup: { memoryMb: 1024, timeoutSeconds: 900 } });
    expect(settings).toMatchObject({ schedules: 2, alarms: 1, dashboards: 0, kmsKeys: 1, logRetentionDays: 90, noncurrentVersionDays: 7 });
  });
});

describe('synthesizeStackSettings', () => {
  it('synthesizes the real stack for the example config without bundling', async () => {
    const config = await loadConfigFile('examples/runbooks.config.ts', { forDeployment: true });
    const settings = await synthesizeStackSettings(config);
    expect(settings.functions.health?.memoryMb).toBeGreaterThanOrEqual(128);
    expect(settings.schedules).toBeGreaterThanOrEqual(healthIntervals(config).length);
    expect(settings.kmsKeys).toBeGreaterThanOrEqual(1);
    expect(settings.noncurrentVersionDays).toBeGreaterThan(0);
    // A whole stack's synth (cdk-nag included) takes about 15 s alone and over a minute on a busy 2-core machine.
  }, 180_000);
});
