import { describe, expect, it } from 'vitest';
import { chatbotCard, type ChatbotCardInput } from '../../../../../functions/core/alerts/bodies/chatbot.js';
import { chatbotEventSchema } from '../../../../../functions/core/domain/alert-document.js';

const base: ChatbotCardInput = {
  id: 'digest:2026-11-30',
  title: 'title',
  header: ['Open alerts (3)'],
  lines: [],
  more: (n) => `… and ${n} more`,
  descriptionChars: 3_000,
  nextSteps: [],
  keywords: ['DIGEST', '2026-11-30'],
  summary: 'subject',
  eventType: 'ops-autopilot-digest',
  context: { open: '3' },
  document: { schema: 'ops-autopilot/digest', open: 3 },
};

describe('chatbotCard: the one Chatbot custom-notification envelope of the alert and digest bodies', () => {
  it('wraps header and list in the 1.0 custom envelope, with the document as JSON text in additionalContext', () => {
    const card = chatbotEventSchema.parse(
      chatbotCard({ ...base, lines: ['• a', '• b'], nextSteps: ['Open the dashboard'], dashboard: 'https://console.aws.amazon.com/x' }),
    );
    expect(card).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'digest:2026-11-30',
      content: {
        textType: 'client-markdown',
        title: 'title',
        description: 'Open alerts (3)\n• a\n• b',
        nextSteps: ['Open the dashboard'],
        keywords: ['DIGEST', '2026-11-30'],
      },
      metadata: {
        summary: 'subject',
        eventType: 'ops-autopilot-digest',
        relatedResources: ['https://console.aws.amazon.com/x'],
        additionalContext: { open: '3', document: '{"schema":"ops-autopilot/digest","open":3}' },
      },
    });
  });

  it('cuts the list where the description would pass its limit and counts the rest, including lines the caller left out', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `• check-${String(i).padStart(2, '0')} ${'x'.repeat(40)}`);
    const card = chatbotCard({ ...base, lines, total: 80, descriptionChars: 500 });
    const description = card.content.description.split('\n');
    const shown = description.length - 2;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(50);
    expect(description.at(-1)).toBe(`… and ${80 - shown} more`);
    expect(card.content.description.length).toBeLessThanOrEqual(500);
  });

  it('needs no room for a count when the last line fits; leaves out nextSteps when there are none; keeps six keywords', () => {
    const line = `• ${'y'.repeat(20)}`;
    const exact = base.header[0]!.length + 1 + line.length;
    const card = chatbotCard({ ...base, lines: [line], descriptionChars: exact, keywords: ['1', '2', '3', '4', '5', '6', '7'] });
    expect(card.content.description).toBe(`${base.header[0]}\n${line}`);
    expect(card.content).not.toHaveProperty('nextSteps');
    expect(card.content.keywords).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(card.metadata.relatedResources).toEqual([]);
    expect(chatbotCard({ ...base, title: 't'.repeat(300) }).content.title).toHaveLength(250);
  });
});
