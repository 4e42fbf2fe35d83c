import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AlertEntry, AlertStateError, parseAlertState, serializeAlertState } from '../../../functions/core/alerts/state.js';
import type { CheckKind } from '../../../functions/core/domain/finding.js';
import { DEFAULT_MATRIX, KIND_NAMES, KINDS, PROBED_KINDS, type KindName } from '../../../functions/kinds/catalog.js';
import { configSchema } from '../../../functions/kinds/config.js';
import * as registry from '../../../functions/kinds/registry.js';

const T = '2026-11-30T06:00:00.000Z';

/** An alert state entry of one kind, every field set, as the engine writes them. */
function entryOf(kind: string): AlertEntry {
  return {
    target: 'mycats',
    check: `a-${kind}-check`,
    kind: kind as CheckKind,
    severity: 'high',
    lastFailSeverity: 'high',
    consecutiveFailures: 2,
    consecutiveOks: 0,
    failingSince: T,
    history: ['ok', 'fail', 'fail'],
    summary: `${kind}: something is wrong`,
    lastSeenAt: T,
    open: { severity: 'high', openedAt: T, lastNotifiedAt: T, notifiedSeverity: 'high' },
    flapping: null,
  };
}

describe('the check-kind registry', () => {
  it('names each kind by its registry line, once, in a name state, S3 keys and metrics can carry', () => {
    for (const [exported, kind] of Object.entries(registry)) expect(kind.name).toBe(exported);
    expect(new Set(KIND_NAMES).size).toBe(KINDS.length);
    for (const name of KIND_NAMES) expect(name).toMatch(/^[a-z][a-z0-9]{1,19}$/);
    expect(KIND_NAMES).toEqual([...KIND_NAMES].sort());
  });

  it('gives the alert state and the JSON report the registered kinds, which core takes as names without knowing them', () => {
    expectTypeOf<KindName>().toExtend<CheckKind>();
    expectTypeOf<KindName>().toExtend<AlertEntry['kind']>();
    expect(KIND_NAMES).toEqual(expect.arrayContaining(['http', 'postgres', 'backup', 'disk', 'security', 'server']));
  });

  // The silent-reset trap: a stored state that does not parse is replaced by an empty one, so a kind
  // the state schema does not know would make its checks never alert. Every registered kind must
  // round-trip, and an unknown one must be refused (else the round trip proves nothing).
  it.each(KIND_NAMES)('keeps alert state entries of kind %s through serialize and parse', (kind) => {
    const state = { version: 1 as const, entries: { [`mycats/a-${kind}-check`]: entryOf(kind) } };
    expect(parseAlertState(serializeAlertState(state))).toEqual(state);
  });

  // Core does not know the registry: a kind this version lacks (written by a newer one, or a kind since removed) keeps
  // its entry, where refusing it would reset the whole state and drop every open alert with it.
  it('keeps an entry of a kind this version does not register, and refuses a kind that is not a name, naming the field', () => {
    const unknown = { version: 1 as const, entries: { 'mycats/x': entryOf('carrier-pigeon') } };
    expect(parseAlertState(serializeAlertState(unknown))).toEqual(unknown);
    const garbage = { version: 1 as const, entries: { 'mycats/x': entryOf('Carrier Pigeon!') } };
    expect(() => parseAlertState(serializeAlertState(garbage))).toThrow(AlertStateError);
    expect(() => parseAlertState(serializeAlertState(garbage))).toThrow(/entries\.mycats\/x\.kind/);
  });

  it('has at least one matrix row per kind, so every kind can alert, and the matrix is the kinds rows and nothing else', () => {
    const expected: Record<string, unknown> = {};
    for (const kind of KINDS) {
      const rows = Object.entries(kind.matrix);
      expect(rows.length, kind.name).toBeGreaterThan(0);
      for (const [rule, cells] of rows) {
        expect(cells.warning ?? cells.critical, `${kind.name}.${rule}`).toBeDefined();
        expected[`${kind.name}.${rule}`] = cells;
      }
    }
    expect(DEFAULT_MATRIX).toEqual(expected);
  });

  it('gives each probed kind its own config array, a failure rule in its matrix rows, and a plan', () => {
    expect(new Set(PROBED_KINDS.map((k) => k.configKey)).size).toBe(PROBED_KINDS.length);
    for (const kind of PROBED_KINDS) {
      expect(Object.keys(kind.matrix), kind.name).toContain(kind.failureRule);
      expect(Object.keys(configSchema.shape.targets.valueType.shape), kind.name).toContain(kind.configKey);
      expect(kind.label.length, kind.name).toBeGreaterThan(0);
    }
    expect(PROBED_KINDS.map((k) => [k.name, k.configKey])).toEqual(
      expect.arrayContaining([
        ['http', 'health'],
        ['postgres', 'postgres'],
      ]),
    );
  });
});
