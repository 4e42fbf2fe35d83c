import type { Change, PlannedItem, PlannedNotification } from '../notice.js';

/** The order items appear in every body, and each change's section. */
export const SECTIONS: ReadonlyArray<{ changes: readonly Change[]; id: 'new' | 'repeat' | 'flapping' | 'stable' | 'resolved' }> = [
  { id: 'new', changes: ['opened', 'escalated'] },
  { id: 'repeat', changes: ['repeat'] },
  { id: 'flapping', changes: ['flapping'] },
  { id: 'stable', changes: ['stable'] },
  { id: 'resolved', changes: ['resolved'] },
];
export type SectionId = (typeof SECTIONS)[number]['id'];

export function sectionOf(change: Change): SectionId {
  return SECTIONS.find((s) => s.changes.includes(change))!.id;
}

/** The items in section order (new, still open, flapping, stable again, resolved), config order within. */
export function orderedItems(planned: PlannedNotification): PlannedItem[] {
  const order = SECTIONS.map((section) => section.id);
  return [...planned.items].sort((a, b) => order.indexOf(sectionOf(a.change)) - order.indexOf(sectionOf(b.change)));
}

/** Whether an item still needs someone: failing and not just resolved. */
export function needsAction(item: PlannedItem): boolean {
  return item.severity !== 'ok' && item.change !== 'resolved';
}
