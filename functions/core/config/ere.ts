/**
 * Is a log pattern a POSIX extended regular expression that the servers' `grep -E` (GNU grep, LC_ALL=C) compiles,
 * and compiles quickly? Checked here, in the config validator, by reading the syntax: a JavaScript RegExp is not
 * ERE (`\d`, lookaheads, `(?:` mean other things or nothing there), and running `grep -E` at validation time would
 * judge by whatever grep the validating machine has (BSD grep on a Mac, none in the Lambda runtime), spawn a process
 * per pattern inside a pure function, and still hang on the expressions that are the real danger (below).
 *
 * Refused, as GNU grep -E refuses them: an unmatched `(`, an unterminated bracket expression, an unknown character
 * class (`[[:foo:]]`), `[:space:]` outside brackets, a range whose end sorts before its start or is a class, a
 * collating element of more than one character, an interval `{m,n}` with m > n or a count over 32767, `{}`, a
 * trailing backslash, and a back-reference to a group that is not closed yet.
 *
 * Refused although GNU grep accepts them, each with a reason in its message:
 * - a repetition operator with nothing to repeat (`*a`, `(+x)`, `a|?`): undefined in POSIX, GNU grep takes it as a
 *   literal with a warning, other greps refuse it; escape it (`\*`) to mean the character;
 * - back-references (`\1`): not POSIX ERE, and they turn grep's matcher into a backtracking one that can take
 *   minutes over a large log;
 * - `\d`, `\D` and other escaped letters GNU grep does not define: grep reads `\d` as a plain `d`, not a digit,
 *   so the pattern would silently count something else (use `[0-9]`); `\w \W \s \S \b \B \< \>` are GNU's and kept;
 * - non-ASCII characters inside a bracket expression: the script runs under LC_ALL=C, where `[é]` is two bytes;
 * - repetition counts whose product passes EXPANSION_LIMIT (`(a{200}){200}`, `a{1,5000}`): GNU grep expands
 *   counted repetitions when it compiles, and these take from seconds to minutes before reading a single line.
 */

/** The largest number of repeated items a pattern may expand to (GNU grep compiles `a{1,1000}` in about 0.2 s). */
export const EXPANSION_LIMIT = 1000;
/** RE_DUP_MAX in glibc. */
const DUP_MAX = 32767;

const CLASSES = new Set(['alpha', 'upper', 'lower', 'digit', 'xdigit', 'space', 'print', 'punct', 'graph', 'cntrl', 'blank', 'alnum']);
/** GNU grep's escapes: word characters, spaces, word boundaries, buffer anchors. */
const GNU_ESCAPES = new Set(['w', 'W', 's', 'S', 'b', 'B', '<', '>', '`', "'"]);

class EreError extends Error {}

interface Frame {
  /** Items this group (or the whole pattern) expands to so far, over all its alternatives. */
  size: number;
  /** Items the last atom expands to: what a repetition that follows multiplies. 0: nothing to repeat. */
  last: number;
}

/** Why `grep -E` would refuse the pattern or take too long to compile it; undefined when it is fine. */
export function ereProblem(pattern: string): string | undefined {
  try {
    check(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof EreError) return error.message;
    throw error;
  }
}

function check(pattern: string): void {
  const chars = [...pattern];
  const stack: Frame[] = [{ size: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const fail = (message: string): never => {
    throw new EreError(`invalid extended regular expression (as grep -E reads it): ${message}`);
  };
  const atom = (weight = 1) => {
    top().size += weight;
    top().last = weight;
    if (top().size > EXPANSION_LIMIT) tooBig();
  };
  const tooBig = (): never =>
    fail(
      `it expands to more than ${EXPANSION_LIMIT} repeated items, which grep takes seconds to minutes to compile; ` +
        'use fewer or smaller counts',
    );
  const repeat = (operator: string, count: number) => {
    const frame = top();
    if (frame.last === 0) fail(`"${operator}" has nothing to repeat (escape it as \\${operator[0]} to match the character itself)`);
    // The repeated atom now stands for `count` copies of itself.
    frame.size += frame.last * (count - 1);
    frame.last *= count;
    if (frame.size > EXPANSION_LIMIT) tooBig();
  };

  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    switch (c) {
      case '\\': {
        const next = chars[i + 1];
        if (next === undefined) fail('a trailing backslash escapes nothing');
        if (/[1-9]/.test(next!))
          fail(`back-references (\\${next}) are not extended regular expressions and make grep backtrack over the whole log`);
        if (/[A-Za-z0-9]/.test(next!) && !GNU_ESCAPES.has(next!))
          fail(
            `"\\${next}" is not an escape grep knows: it reads it as a plain "${next}"${next === 'd' ? ' (for a digit write [0-9])' : ''}`,
          );
        // \b \B \< \> \` \' match a position, not a character: nothing to repeat after them.
        if ("bB<>`'".includes(next!)) top().last = 0;
        else atom();
        i += 2;
        break;
      }
      case '(':
        stack.push({ size: 0, last: 0 });
        i++;
        break;
      case ')': {
        if (stack.length === 1) {
          // A ")" without "(" is an ordinary character in POSIX and GNU grep.
          atom();
          i++;
          break;
        }
        const group = stack.pop()!;
        // An empty group "()" still counts as something that can be repeated, as in grep.
        atom(Math.max(group.size, 1));
        i++;
        break;
      }
      case '|':
        top().last = 0;
        i++;
        break;
      case '^':
      case '$':
        top().last = 0;
        i++;
        break;
      case '*':
      case '+':
      case '?':
        repeat(c, 1);
        i++;
        break;
      case '{': {
        const interval = readInterval(chars, i);
        if (!interval) {
          // Not an interval's syntax ("{", "{x", "a{1"): GNU grep matches a literal "{".
          atom();
          i++;
          break;
        }
        if (interval.error) fail(interval.error);
        repeat(interval.text, Math.max(interval.max ?? interval.min, 1));
        i = interval.end;
        break;
      }
      case '[':
        i = readBracket(chars, i, fail);
        atom();
        break;
      default:
        atom();
        i++;
    }
  }
  if (stack.length > 1) fail(`${stack.length - 1} "(" not closed by ")" (write \\( for the character)`);
}

/**
 * An interval at `chars[start]` ("{"): `{m}`, `{m,}`, `{,n}` or `{m,n}`. Undefined when the text is not an
 * interval's syntax (grep then reads "{" as a character); `error` when it is one grep refuses.
 */
function readInterval(
  chars: readonly string[],
  start: number,
): { text: string; min: number; max?: number; end: number; error?: string } | undefined {
  let j = start + 1;
  let minText = '';
  while (j < chars.length && /[0-9]/.test(chars[j]!)) minText += chars[j++];
  let comma = false;
  let maxText = '';
  if (chars[j] === ',') {
    comma = true;
    j++;
    while (j < chars.length && /[0-9]/.test(chars[j]!)) maxText += chars[j++];
  }
  if (chars[j] !== '}') return undefined;
  const end = j + 1;
  const text = chars.slice(start, end).join('');
  // "{}" is an interval with no count, which grep refuses; "{,}" is "{0,}".
  if (!minText && !comma) return { text, min: 0, end, error: `"${text}" gives no count` };
  const min = minText ? Number(minText) : 0;
  const max = comma ? (maxText ? Number(maxText) : undefined) : min;
  if (min > DUP_MAX || (max ?? 0) > DUP_MAX)
    return { text, min, max, end, error: `"${text}": a count over ${DUP_MAX} is too big for grep` };
  if (max !== undefined && min > max) return { text, min, max, end, error: `"${text}": the minimum is greater than the maximum` };
  return { text, min, max, end };
}

/** Reads the bracket expression at `chars[start]` ("["); returns the index after its "]". */
function readBracket(chars: readonly string[], start: number, fail: (message: string) => never): number {
  let j = start + 1;
  if (chars[j] === '^') j++;
  const contentStart = j;
  // A "]" right after "[" or "[^" is an ordinary member.
  let first = true;
  /** The previous member closed a range ("a-c"): a "-" after it cannot start another ("a-c-e"). */
  let afterRange = false;
  while (true) {
    const c = chars[j];
    if (c === undefined) fail('"[" opens a bracket expression that no "]" closes (write \\[ for the character)');
    if (c === ']' && !first) break;
    if (c === '-' && afterRange && chars[j + 1] !== ']') fail('a range in a bracket expression cannot go on from the end of another');
    first = false;
    if (c!.codePointAt(0)! > 0x7f)
      fail(`"${c}" in a bracket expression: the check reads logs as bytes (LC_ALL=C), so use an alternative such as (${c}|…) instead`);
    let member: { code?: number; kind: 'char' | 'class' | 'equivalence' } | undefined;
    if (c === '[' && (chars[j + 1] === ':' || chars[j + 1] === '.' || chars[j + 1] === '=')) {
      const delimiter = chars[j + 1]!;
      const close = findClose(chars, j + 2, delimiter);
      if (close < 0) fail('"[" opens a bracket expression that no "]" closes (write \\[ for the character)');
      const name = chars.slice(j + 2, close).join('');
      if (delimiter === ':') {
        if (!CLASSES.has(name)) fail(`[:${name}:] is not a character class (${[...CLASSES].join(', ')})`);
        member = { kind: 'class' };
      } else if ([...name].length !== 1) {
        fail(`[${delimiter}${name}${delimiter}] is not a single character`);
      } else {
        member = delimiter === '.' ? { kind: 'char', code: name.codePointAt(0)! } : { kind: 'equivalence' };
      }
      j = close + 2;
    } else {
      member = { kind: 'char', code: c!.codePointAt(0)! };
      j++;
    }
    // A range: this member, "-", and an end that is not the closing "]".
    if (chars[j] === '-' && chars[j + 1] !== ']' && chars[j + 1] !== undefined) {
      if (member.kind !== 'char') fail('a range in a bracket expression must start at a single character');
      const endChar = chars[j + 1]!;
      let endCode: number | undefined;
      if (endChar === '[' && chars[j + 2] === '.') {
        const close = findClose(chars, j + 3, '.');
        if (close < 0) fail('"[" opens a bracket expression that no "]" closes (write \\[ for the character)');
        const name = chars.slice(j + 3, close).join('');
        if ([...name].length !== 1) fail(`[.${name}.] is not a single character`);
        endCode = name.codePointAt(0)!;
        j = close + 2;
      } else if (endChar === '[' && (chars[j + 2] === ':' || chars[j + 2] === '=')) {
        fail('a range in a bracket expression must end at a single character, not a class');
      } else {
        if (endChar.codePointAt(0)! > 0x7f)
          fail(`"${endChar}" in a bracket expression: the check reads logs as bytes (LC_ALL=C), so use an alternative instead`);
        endCode = endChar.codePointAt(0)!;
        j += 2;
      }
      if (endCode! < member.code!)
        fail(`the range ${String.fromCodePoint(member.code!)}-${String.fromCodePoint(endCode!)} ends before it starts`);
      afterRange = true;
      continue;
    }
    afterRange = false;
  }
  // GNU grep refuses "[:space:]" (a class written without its outer brackets).
  const content = chars.slice(contentStart, j).join('');
  if (content.length > 2 && content.startsWith(':') && content.endsWith(':') && /[^:]/.test(content))
    fail(`write the character class as [${content}], not ${chars.slice(start, j + 1).join('')}`);
  return j + 1;
}

/** The index of `delimiter` followed by "]" from `from` on, or -1. */
function findClose(chars: readonly string[], from: number, delimiter: string): number {
  for (let k = from; k + 1 < chars.length; k++) if (chars[k] === delimiter && chars[k + 1] === ']') return k;
  return -1;
}
