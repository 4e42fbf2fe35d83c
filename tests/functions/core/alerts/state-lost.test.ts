import { describe, expect, it } from 'vitest';
import { snsMessageOf } from '../../../../functions/core/alerts/bodies/index.js';
import { renderStateLost } from '../../../../functions/core/alerts/state-lost.js';
import type { StateLostNotice } from '../../../../functions/core/alerts/state.js';
import { alertDocumentSchema, chatbotEventSchema, SMS_MAX_BYTES } from '../../../../functions/core/domain/alert-document.js';
import { makeConfig } from './helpers.js';

const notice: StateLostNotice = {
  job: 'health',
  key: 'state/alerts/health.json',
  location: 's3://autopilot-bucket',
  reason: 'invalid alert state at entries.mycats/api.kind',
  at: '2026-11-30T01:02:03.000Z',
};
const DASHBOARD = 'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:logs-insights';

describe('renderStateLost: the "state lost" notice has a body per SNS protocol, like every alert notice', () => {
  for (const language of ['en', 'ja'] as const) {
    it(`in ${language}: e-mail text, one SMS line within 140 bytes, the alert document and its Chatbot card`, () => {
      const config = makeConfig({ language, severities: { critical: { respondWithin: '10m' } } });
      const n = renderStateLost(notice, config, ['mycats', 'cafemuji'], { dashboard: DASHBOARD });
      const bodies = n.bodies!;
      expect(n.message).toBe(bodies.email);
      expect(bodies.email).toContain('s3://autopilot-bucket state/alerts/health.json: invalid alert state at entries.mycats/api.kind');
      expect(bodies.email).toContain(DASHBOARD);
      expect(bodies.email).toContain('10m');

      expect(Buffer.byteLength(bodies.sms)).toBeLessThanOrEqual(SMS_MAX_BYTES);
      expect(bodies.sms).toMatch(/^CRITICAL ops-autopilot: health/);
      expect(bodies.sms).not.toContain('\n');

      const document = alertDocumentSchema.parse(bodies.json);
      expect(document).toMatchObject({
        job: 'health',
        severity: 'critical',
        needsAction: true,
        respondWithin: '10m',
        dashboard: DASHBOARD,
        counts: { alert: 1, repeat: 0, resolved: 0, flapping: 0 },
        omitted: 0,
      });
      expect(document.alerts).toEqual([
        expect.objectContaining({
          key: 'ops-autopilot/state:health',
          check: 'state:health',
          kind: 'state',
          state: 'alert',
          observed: { location: notice.location, key: notice.key, reason: notice.reason },
          firstSeenAt: notice.at,
        }),
      ]);

      const card = chatbotEventSchema.parse(bodies.https);
      expect(card.content.title).toContain('[CRITICAL] alert state lost: health job');
      expect(JSON.parse(card.metadata.additionalContext.document!)).toEqual(document);
      expect(card.metadata.additionalContext.targets).toBe('mycats,cafemuji');

      // What SNS gets: MessageStructure json with every protocol's body.
      const message = JSON.parse(snsMessageOf(bodies));
      expect(Object.keys(message).sort()).toEqual(['default', 'email', 'firehose', 'https', 'lambda', 'sms', 'sqs']);
      expect(message.sms).toBe(bodies.sms);
      expect(JSON.parse(message.lambda)).toEqual(document);
      expect(n.attributes).toEqual({ severity: 'critical', target: ['mycats', 'cafemuji'], check: ['state:health'] });
    });
  }

  it('keeps a long or multi-line reason to one bounded line', () => {
    const long = { ...notice, reason: `Unexpected token\n${'x'.repeat(5_000)}` };
    const n = renderStateLost(long, makeConfig(), ['mycats']);
    const item = alertDocumentSchema.parse(n.bodies!.json).alerts[0]!;
    expect(String(item.observed!.reason).length).toBeLessThanOrEqual(500);
    expect(String(item.observed!.reason)).not.toContain('\n');
    expect(Buffer.byteLength(n.bodies!.email)).toBeLessThan(4_000);
    expect(n.bodies!.json.dashboard).toBeNull();
  });
});
