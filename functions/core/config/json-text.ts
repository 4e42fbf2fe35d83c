import { ConfigError } from '../errors.js';
import { formatPath, invalidConfig } from './validate.js';

const BOM = '\uFEFF';
/**
 * Deepest nesting a config may have. A config is about eight levels deep; the scan below recurses per level, so a
 * hostile `[[[[...]]]]` (JSON.parse takes 100,000 levels) would otherwise overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses a JSON config's text. A leading byte order mark (Windows editors write one) is dropped;
 * a key given twice in one object is an error naming its path and lines, because JSON.parse
 * silently keeps the last one: a second target called "web" would drop the first without a word.
 */
export function parseConfigJson(text: string, file: string): unknown {
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new ConfigError(`config: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const issues = duplicateKeys(body);
  if (issues.length) throw invalidConfig(issues);
  return value;
}

/** `path: duplicate key ...` for each key given more than once in one object of a text JSON.parse accepted. */
export function duplicateKeys(text: string): string[] {
  const issues: string[] = [];
  let i = 0;
  const lineAt = (index: number): number => {
    let line = 1;
    for (let j = text.indexOf('\n'); j !== -1 && j < index; j = text.indexOf('\n', j + 1)) line++;
    return line;
  };
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: PropertyKey[]): void => {
    skipSpace();
    const c = text[i];
    if ((c === '{' || c === '[') && path.length >= MAX_JSON_DEPTH) throw new TooDeep(path);
    if (c === '{') {
      i++;
      const seen = new Map<string, number>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        const at = i;
        const key = readString();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, at);
        else {
          const [a, b] = [lineAt(first), lineAt(at)];
          const where = a === b ? `line ${a}` : `lines ${a} and ${b}`;
          issues.push(`${formatPath([...path, key])}: duplicate key "${key}" (${where}); JSON would keep only the last one`);
        }
        skipSpace();
        i++; // ':'
        value([...path, key]);
        skipSpace();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value([...path, index]);
        skipSpace();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < text.length && !',]} \n\r\t'.includes(text[i]!)) i++;
  };
  try {
    value([]);
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error;
    issues.push(`${formatPath(error.path)}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return issues;
}

/** Ends the scan of a text nested deeper than MAX_JSON_DEPTH, at the first value too deep. */
class TooDeep {
  constructor(readonly path: PropertyKey[]) {}
}
