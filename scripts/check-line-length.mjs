// `npm run lint`'s second half: no line of source over 140 characters. Biome's formatter wraps code
// at 140 but leaves long strings and comments alone; those are the lines this finds. A line that
// holds a URL, or is a Markdown table row inside a comment, may run longer. Plain JavaScript: it
// runs before anything is compiled.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MAX_LINE = 140;
const SOURCE = /\.(ts|mts|mjs|js|sh)$/;
const EXEMPT = [/https?:\/\//, /^\s*(\/\/|\*|#)\s*\|.*\|\s*$/];

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => SOURCE.test(f));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree, not yet in the index
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX_LINE && !EXEMPT.some((re) => re.test(line))) long.push(`${file}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length) {
  console.error(`${long.length} line(s) over ${MAX_LINE} characters (wrap the string or comment):\n${long.join('\n')}`);
  process.exitCode = 1;
} else {
  console.log(`no line over ${MAX_LINE} characters in ${files.length} files`);
}
