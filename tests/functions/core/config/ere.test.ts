import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXPANSION_LIMIT, ereProblem } from '../../../../functions/core/config/ere.js';

/** What this machine's `grep -E` (GNU grep, as on the servers) says of a pattern, under the scripts' LC_ALL=C. */
function grep(pattern: string): 'accepts' | 'refuses' {
  const result = spawnSync('grep', ['-E', '-e', pattern], { input: '', env: { ...process.env, LC_ALL: 'C' }, timeout: 20_000 });
  if (result.error) throw result.error;
  if (result.status === 2) return 'refuses';
  if (result.status === 0 || result.status === 1) return 'accepts';
  throw new Error(`grep -E ${JSON.stringify(pattern)} ended with ${result.status ?? result.signal}`);
}

/** Refused on purpose although GNU grep compiles them: each message says why. */
const STRICTER = /nothing to repeat|back-references|is not an escape grep knows|the check reads logs as bytes/;

const CORPUS = [
  // The runbooks' and users' kind of patterns.
  '" 50[0-9] "',
  'HTTP/1\\.[01]" 5[0-9]{2} ',
  '(ERROR|FATAL|CRITICAL)',
  '^\\[error\\]',
  'Auth rate limit exceeded',
  'timeout after [0-9]+ ?ms',
  '[[:digit:]]{3}',
  '\\bfailed\\b',
  '\\<panic\\>',
  '\\w+@\\S+',
  'user=[^ ]+ status=(4|5)[0-9][0-9]',
  '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\',
  '認証失敗',
  // Intervals: valid, literal braces, refused.
  'a{,3}',
  'a{,}',
  'x{1,2}{3}',
  'a{1',
  'a{1,',
  'a{1a}',
  'a{ 1}',
  '{',
  'a{',
  'a{x',
  'a\\{1',
  'a{2,1}',
  'a{3,2}b',
  'a{}',
  'a{32768}',
  'a{1,32768}',
  'a{65536}',
  // Groups and alternation.
  '(',
  'a(',
  '((a)',
  ')',
  'a)',
  '(a))',
  '()',
  '(|a)',
  '(a|)',
  '(^|a)',
  'a||b',
  '|',
  '(a)*+',
  'a**',
  'a+*?{2}',
  '^$',
  '(a|b)*c+d?',
  '\\(',
  '\\)',
  '\\{',
  // Brackets.
  '[',
  '[a',
  ']',
  '[]a]',
  '[^]a]',
  '[]',
  '[a-]',
  '[%--]',
  '[--0]',
  '[!--]',
  '[---]',
  '[a-a]',
  '[z-a]',
  '[a-b-c]',
  '[a-cx-z]',
  '[a-c-]',
  '[%--a]',
  '[a-\\]',
  '[\\]',
  '[\\w]',
  '[[:alpha:]]',
  '[[:space:][:digit:]_]',
  '[[:foo:]]',
  '[[:ALPHA:]]',
  '[[:alpha:]',
  '[[:',
  '[[:a',
  '[[.',
  '[[=',
  '[[=a',
  '[[.a.]]',
  '[[.-.]]',
  '[[.-.]-0]',
  '[[.].]]',
  '[[.space.]]',
  '[[.foo.]]',
  '[[=a=]]',
  '[[=a=]-z]',
  '[[:alpha:]-z]',
  '[a-[:alpha:]]',
  '[:space:]',
  '[:abc:]',
  '[^:abc:]',
  '[:a]',
  '[::]',
  '[:]',
  '[a:b:]',
  '[:a:b]',
  // Escapes and back-references.
  '\\',
  'a\\',
  '\\1',
  '(a)\\1',
  '(a)\\2',
  '\\1(a)',
  '(a\\1)',
  '((a)\\2)',
  '\\d+',
  '\\D',
  '\\n',
  '\\t',
  '\\x41',
  // Repetition with nothing to repeat.
  '*a',
  '+a',
  '?',
  '^*',
  'a|*b',
  '{1}',
  'x|{1}',
  '(*a)',
  '(+)',
  '(?)',
  '(*)',
  'a(+)',
  '(|+)',
  '(a|+)',
  '(^*)',
  '($+)',
  // Bytes under LC_ALL=C.
  '[é]',
  '[a-é]',
  'café',
];

describe('log patterns with regex: true are checked as grep -E reads them (GNU grep here is the oracle)', () => {
  it.each(CORPUS)('%s', (pattern) => {
    const problem = ereProblem(pattern);
    const verdict = grep(pattern);
    if (verdict === 'refuses') expect(problem, `grep -E refuses ${pattern}`).toBeDefined();
    else if (problem !== undefined) expect(problem, `grep -E accepts ${pattern}; refused for a stated reason`).toMatch(STRICTER);
    if (problem) expect(problem).toMatch(/^invalid extended regular expression \(as grep -E reads it\): /);
  });

  it('refuses counted repetitions that grep takes seconds or minutes to compile (never run here)', () => {
    for (const pattern of ['(a{200}){200}', 'a{1000}{1000}', 'a{1,5000}', 'a{32767}', '((a{50}){50}){50}', '(x|y{40}){30}'])
      expect(ereProblem(pattern), pattern).toMatch(new RegExp(`expands to more than ${EXPANSION_LIMIT} repeated items`));
    for (const pattern of ['a{1000}', '(a{10}){100}', '.{500}', '[0-9]{1,999}']) expect(ereProblem(pattern), pattern).toBeUndefined();
  });

  it('says what is wrong in words a user can act on', () => {
    expect(ereProblem('(ERROR|WARN')).toContain('1 "(" not closed by ")"');
    expect(ereProblem('[0-9')).toContain('no "]" closes');
    expect(ereProblem('\\d{3}')).toContain('for a digit write [0-9]');
    expect(ereProblem('*error')).toContain('"*" has nothing to repeat (escape it as \\* to match the character itself)');
    expect(ereProblem('[[:number:]]')).toContain('[:number:] is not a character class');
    expect(ereProblem('[z-a]')).toContain('the range z-a ends before it starts');
    expect(ereProblem('x{5,2}')).toContain('"{5,2}": the minimum is greater than the maximum');
  });
});
