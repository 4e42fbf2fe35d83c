import { z } from 'zod';

/*
 * The config reference table, read from the zod schema itself: every key with its type, its default and the description
 * the schema gives it (`.describe('...')`, or `.meta({ description })`). A key the schema gains shows up here at the next
 * `npm run docs`; one without a description shows an empty cell, which tests/scripts/docs/config-keys.test.ts refuses.
 *
 * Two `.meta()` fields shape the table where the zod type alone says too little: `docType` names a string's grammar
 * ("duration"), `docKey` names a record's keys ("target").
 */

export interface ConfigKey {
  /** `targets.<target>.health[].expect.status`: `[]` is an element of a list, `<...>` a key of a map. */
  readonly path: string;
  readonly type: string;
  /** The default as it would be written in a config, or '' when there is none. */
  readonly default: string;
  readonly description: string;
}

interface Meta {
  readonly description?: string;
  readonly docType?: string;
  readonly docKey?: string;
}

type Schema = z.core.$ZodType;

interface Unwrapped {
  readonly core: Schema;
  readonly description: string;
  readonly docType?: string;
  readonly docKey?: string;
  readonly default?: unknown;
  readonly hasDefault: boolean;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch']);

function metaOf(schema: Schema): Meta {
  return (z.globalRegistry.get(schema) as Meta | undefined) ?? {};
}

/** Peels optional/default/... off a schema, keeping the outermost description and default found on the way. */
function unwrap(schema: Schema): Unwrapped {
  let node = schema;
  let description = '';
  let docType: string | undefined;
  let docKey: string | undefined;
  let hasDefault = false;
  let value: unknown;
  for (;;) {
    const meta = metaOf(node);
    description ||= meta.description ?? '';
    docType ??= meta.docType;
    docKey ??= meta.docKey;
    const def = node._zod.def as { type: string; innerType?: Schema; defaultValue?: unknown; in?: Schema };
    if (def.type === 'default' && !hasDefault) {
      hasDefault = true;
      value = def.defaultValue;
    }
    if (WRAPPERS.has(def.type) && def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else break;
  }
  return { core: node, description, docType, docKey, default: value, hasDefault };
}

function formatDefault(u: Unwrapped): string {
  if (!u.hasDefault) return '';
  const value = u.default;
  if (value !== null && typeof value === 'object') {
    // An object's default is its keys' defaults, listed on their own rows; an empty list or map says so.
    if (Array.isArray(value)) return value.length === 0 ? '[]' : JSON.stringify(value);
    return Object.keys(value).length === 0 ? '{}' : '';
  }
  return JSON.stringify(value);
}

function typeName(u: Unwrapped): string {
  if (u.docType) return u.docType;
  const schema = u.core;
  const def = schema._zod.def as {
    type: string;
    entries?: Record<string, string | number>;
    values?: readonly unknown[];
    format?: string;
    options?: readonly Schema[];
    element?: Schema;
    valueType?: Schema;
  };
  switch (def.type) {
    case 'string':
      if (def.format === 'datetime') return 'ISO time';
      if (def.format === 'url') return 'URL';
      return 'string';
    case 'number': {
      const n = schema as unknown as { isInt: boolean; minValue: number | null; maxValue: number | null };
      const kind = n.isInt ? 'integer' : 'number';
      const safe = (v: number | null) => v !== null && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER;
      if (safe(n.minValue) && safe(n.maxValue)) return `${kind} ${n.minValue}-${n.maxValue}`;
      if (safe(n.minValue)) return `${kind} >= ${n.minValue}`;
      return kind;
    }
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(' | ');
    case 'literal':
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(' | ');
    case 'union':
      return [...new Set((def.options ?? []).map((o) => typeName(unwrap(o))))].join(' | ');
    case 'array':
      return `list of ${plural(typeName(unwrap(def.element!)))}`;
    case 'record':
      return `map of ${plural(typeName(unwrap(def.valueType!)))}`;
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

function plural(type: string): string {
  if (type === 'object') return 'objects';
  if (type === 'string' || type === 'boolean' || type === 'duration') return `${type}s`;
  return type.includes('|') ? `(${type})` : type;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Every key under `schema`, parents before their children, in the schema's own order. */
export function configKeys(schema: Schema, path = ''): ConfigKey[] {
  const rows: ConfigKey[] = [];
  walk(schema, path, rows, false);
  return rows;
}

function walk(schema: Schema, path: string, rows: ConfigKey[], skipRow: boolean): void {
  const u = unwrap(schema);
  const def = u.core._zod.def as {
    type: string;
    shape?: Record<string, Schema>;
    element?: Schema;
    valueType?: Schema;
    options?: readonly Schema[];
  };
  // A list of objects is one row (`health`), its elements' keys the next (`health[].url`): the element's own description
  // (a kind's schema describes one check) stands in when the list has none.
  const element = def.type === 'array' ? unwrap(def.element!) : undefined;
  const description = u.description || element?.description || '';
  if (path && !skipRow) rows.push({ path, type: typeName(u), default: formatDefault(u), description });
  switch (def.type) {
    case 'object':
      for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, join(path, key), rows, false);
      break;
    case 'array':
      walkContainer(def.element!, `${path}[]`, rows, false);
      break;
    case 'record':
      walkContainer(def.valueType!, `${path}.<${u.docKey ?? 'name'}>`, rows, true);
      break;
    case 'union':
      // The object choices of a union (`tls: true | { serverName, certificate }`) list their keys under the union's path.
      for (const option of def.options ?? []) {
        const type = unwrap(option).core._zod.def.type;
        if (type === 'object' || type === 'union') walk(option, path, rows, true);
      }
      break;
  }
}

/**
 * A list's element or a map's value: its keys when it is an object (or a union with one), nothing for a plain value. A
 * list's element has no row of its own (the list's row says it all); a map's value does (`targets.<target>`).
 */
function walkContainer(element: Schema, path: string, rows: ConfigKey[], ownRow: boolean): void {
  const inner = unwrap(element).core._zod.def.type;
  if (inner === 'object' || inner === 'union') walk(element, path, rows, !ownRow || inner === 'union');
}
