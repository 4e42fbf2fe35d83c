import { describe, expect, it } from 'vitest';
import { duplicateKeys, parseConfigJson } from '../../../../functions/core/config/json-text.js';
import { ConfigError } from '../../../../functions/core/errors.js';

describe('parseConfigJson', () => {
  it('drops a leading byte order mark', () => {
    expect(parseConfigJson('\uFEFF{ "targets": {} }', 'ops.config.json')).toEqual({ targets: {} });
  });

  it('reports invalid JSON as a config error naming the file', () => {
    expect(() => parseConfigJson('{ "targets": ', 'ops.config.json')).toThrow(/^config: ops\.config\.json is not valid JSON: /);
    expect(() => parseConfigJson('{ "targets": ', 'ops.config.json')).toThrow(ConfigError);
  });

  it('refuses a duplicate target key, which JSON.parse would drop silently', () => {
    const text = '{\n  "targets": {\n    "web": { "health": [] },\n    "web": { "postgres": [] }\n  }\n}';
    expect(JSON.parse(text)).toEqual({ targets: { web: { postgres: [] } } });
    let error: unknown;
    try {
      parseConfigJson(text, 'ops.config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(['targets.web: duplicate key "web" (lines 3 and 4); JSON would keep only the last one']);
    expect((error as ConfigError).message).toBe(
      'invalid config: targets.web: duplicate key "web" (lines 3 and 4); JSON would keep only the last one',
    );
  });
});

describe('duplicateKeys', () => {
  it('finds duplicates at any depth, inside arrays too, with their paths', () => {
    const text = JSON.stringify({ a: 1 }).replace('}', ',"a":2}');
    expect(duplicateKeys(text)).toEqual(['a: duplicate key "a" (line 1); JSON would keep only the last one']);
    const nested = '{"targets":{"web":{"health":[{"url":"u"},{"url":"v","expect":{"json":{"a.b":1,"a.b":2}}}]}}}';
    expect(duplicateKeys(nested)).toEqual([
      'targets.web.health[1].expect.json.a.b: duplicate key "a.b" (line 1); JSON would keep only the last one',
    ]);
  });

  it('compares keys after unescaping and is not fooled by braces, quotes or escapes inside strings', () => {
    expect(duplicateKeys('{"a":"}{\\"a\\":","\\u0061":1}')).toEqual(['a: duplicate key "a" (line 1); JSON would keep only the last one']);
    expect(duplicateKeys('{"x":{"a":1},"y":{"a":1},"z":[{"a":1},{"a":[1,2,{"a":null}]}],"w":"a","v":true,"u":-1.5e3}')).toEqual([]);
  });

  it('lets the same key appear in sibling objects', () => {
    expect(duplicateKeys('[{"a":1},{"a":2}]')).toEqual([]);
    expect(duplicateKeys('{}')).toEqual([]);
    expect(duplicateKeys('[]')).toEqual([]);
    expect(duplicateKeys(' "text" ')).toEqual([]);
  });
});
