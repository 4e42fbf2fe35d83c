import { describe, expect, it } from 'vitest';
import { anchorsOf, linksOf } from '../../../scripts/docs/links.js';
import { endMarker, findBlocks, MarkerError, replaceBlocks, startMarker } from '../../../scripts/docs/markers.js';

const doc = (name: string, content: string) => `${startMarker(name)}\n${content}\n${endMarker(name)}`;

describe('generated blocks', () => {
  it('replaces only what stands between the markers', () => {
    const text = `# Title\n\nby hand\n\n${doc('kinds', 'old table')}\n\nmore by hand\n${doc('env', '')}\n`;
    const out = replaceBlocks(text, 'x.md', (name) => `| ${name} |`);
    expect(out).toBe(`# Title\n\nby hand\n\n${doc('kinds', '| kinds |')}\n\nmore by hand\n${doc('env', '| env |')}\n`);
    expect(findBlocks(out, 'x.md').map((b) => [b.name, b.content, b.line])).toEqual([
      ['kinds', '| kinds |', 5],
      ['env', '| env |', 10],
    ]);
    // Stable: rendering again changes nothing.
    expect(replaceBlocks(out, 'x.md', (name) => `| ${name} |`)).toBe(out);
  });

  it('refuses a block without its end, or one holding another start, naming the file and line', () => {
    expect(() => findBlocks(`a\n${startMarker('kinds')}\nb\n`, 'x.md')).toThrow(MarkerError);
    expect(() => findBlocks(`a\n${startMarker('kinds')}\nb\n`, 'x.md')).toThrow('x.md:2: generated block "kinds" has no end marker');
    expect(() => findBlocks(`${startMarker('a')}\n${startMarker('b')}\n${endMarker('b')}\n${endMarker('a')}`, 'y.md')).toThrow(
      'y.md:1: generated block "a" holds another block\'s start marker',
    );
  });
});

describe('links and headings', () => {
  it('anchors headings as GitHub does: lower case, punctuation and markup dropped, repeats numbered', () => {
    const anchors = anchorsOf(
      [
        '# Backups and restore',
        '## `pg_dump` compression',
        '## Lambda or Fargate?',
        '## Notes',
        '## Notes',
        '```',
        '# not a heading',
        '```',
        '<a id="custom"></a>',
      ].join('\n'),
    );
    expect([...anchors].sort()).toEqual(['backups-and-restore', 'custom', 'lambda-or-fargate', 'notes', 'notes-1', 'pg_dump-compression']);
  });

  it('finds inline and reference links outside code, with their lines', () => {
    const text = 'see [a](a.md) and ![img](i.png "t")\n`[no](code.md)`\n```\n[no](fenced.md)\n```\n[ref]: ref.md#top\n';
    expect(linksOf(text)).toEqual([
      { target: 'a.md', line: 1 },
      { target: 'i.png', line: 1 },
      { target: 'ref.md#top', line: 6 },
    ]);
  });
});
