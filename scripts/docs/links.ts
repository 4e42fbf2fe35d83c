import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/*
 * What the docs must not do: link to a file (or a heading) that is not there, or send a user outside the repository.
 * Links are Markdown's inline `[text](target)` and reference definitions `[label]: target`, outside code.
 */

export interface DocProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Files outside the repository, and the name of a document users of the project do not have. */
export const FORBIDDEN = [
  { pattern: /CONTRACT/, why: 'names a document users of the project do not have; document the behaviour itself' },
  { pattern: /\.\.\/shared/, why: 'points outside the repository' },
] as const;

/** Each line of the Markdown with code blocks and inline code blanked out (same line numbers), where links are not links. */
export function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const opener = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (opener && opener[1]!.startsWith(fence)) fence = undefined;
      return '';
    }
    if (opener) {
      fence = opener[1]!;
      return '';
    }
    return line.replace(/(`+)(?:(?!\1).)+?\1/g, '');
  });
}

const INLINE_LINK = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;

/** The link targets of one file with their lines. */
export function linksOf(text: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  proseLines(text).forEach((line, i) => {
    for (const match of line.matchAll(INLINE_LINK)) links.push({ target: match[1]!, line: i + 1 });
    const reference = REFERENCE.exec(line);
    if (reference) links.push({ target: reference[1]!, line: i + 1 });
  });
  return links;
}

/**
 * GitHub's anchor of a heading: lower case, markup and punctuation dropped, spaces to hyphens; a repeated heading gets
 * `-1`, `-2`, ... HTML anchors (`<a id="...">`, `<a name="...">`) count too.
 */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const prose = proseLines(text);
  text.split('\n').forEach((raw, i) => {
    for (const m of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(prose[i] === '' ? '' : raw);
    if (!heading) return;
    const base = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  });
  return anchors;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Broken relative links (missing file, or a missing heading in a Markdown file) of one file under `root`. */
export function brokenLinks(root: string, file: string, text: string): DocProblem[] {
  const problems: DocProblem[] = [];
  for (const { target, line } of linksOf(text)) {
    if (EXTERNAL.test(target)) continue;
    const [pathPart, anchor] = splitAnchor(safeDecode(target));
    const resolved = pathPart === '' ? file : normalize(join(dirname(file), pathPart));
    if (resolved.startsWith('..')) {
      problems.push({ file, line, message: `link ${target} leaves the repository` });
      continue;
    }
    const absolute = join(root, resolved);
    if (!existsSync(absolute)) {
      problems.push({ file, line, message: `link ${target}: no such file ${relative(root, absolute) || '.'}` });
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && statSync(absolute).isFile()) {
      const anchors = resolved === file ? anchorsOf(text) : anchorsOf(readFileSync(absolute, 'utf8'));
      if (!anchors.has(anchor)) problems.push({ file, line, message: `link ${target}: no heading #${anchor} in ${resolved}` });
    }
  }
  return problems;
}

function safeDecode(target: string): string {
  try {
    return decodeURIComponent(target);
  } catch {
    return target;
  }
}

function splitAnchor(target: string): [string, string | undefined] {
  const hash = target.indexOf('#');
  return hash < 0 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}

/** Lines that name CONTRACT or point at ../shared, anywhere in the file (code included: users read that too). */
export function forbiddenReferences(file: string, text: string): DocProblem[] {
  const problems: DocProblem[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { pattern, why } of FORBIDDEN) {
      const match = pattern.exec(line);
      if (match) problems.push({ file, line: i + 1, message: `"${match[0]}" ${why}` });
    }
  });
  return problems;
}
