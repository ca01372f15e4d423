import { describe, expect, it } from 'vitest';
import { displayWidth, formatTable } from '../../src/text-table.js';

/** The terminal column where each `|` of a line is, counting wide characters as two. */
const bars = (line: string) => {
  const at: number[] = [];
  let col = 0;
  for (const ch of line) {
    if (ch === '|') at.push(col);
    col += displayWidth(ch);
  }
  return at;
};

describe('text table with wide characters', () => {
  it('measures CJK, fullwidth and emoji as two columns, combining marks as none', () => {
    expect(displayWidth('城市')).toBe(4);
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('ＡＢ')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('서울')).toBe(4);
    expect(displayWidth('🙂')).toBe(2);
    expect(displayWidth('naïve')).toBe(5);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(displayWidth('🇯🇵🇫🇷')).toBe(4);
  });

  it('aligns a CJK column name and values with ASCII ones', () => {
    const out = formatTable(['城市', 'n', 'end'], [['東京', 1, '|'], ['Paris', 22, '|'], ['e\u0301', 3, '|']]).split('\n');
    expect(out[0]).toBe('城市   n   end');
    expect(out[1]).toBe('-----  --  ---');
    // Every row's third column starts at the same terminal column.
    expect(out.slice(2).map(bars)).toEqual([[11], [11], [11]]);
    expect(out[2]).toBe('東京   1   |');
  });
});
