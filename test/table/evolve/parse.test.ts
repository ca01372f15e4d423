import { describe, expect, it } from 'vitest';
import { parseAddColumn, parsePair, parsePartitionField, parseSortField } from '../../../src/table/evolve/parse.js';

describe('evolve option parsing', () => {
  it('reads --add-column with type, position and doc', () => {
    expect(parseAddColumn('email string')).toEqual({ name: 'email', type: 'string' });
    expect(parseAddColumn('amount decimal(12, 2) after id doc \'the amount\'')).toEqual({ name: 'amount', type: 'decimal(12,2)', position: { after: 'id' }, doc: 'the amount' });
    expect(parseAddColumn('addr.zip string first')).toEqual({ name: 'addr.zip', type: 'string', position: { first: true } });
    expect(parseAddColumn('k long required doc plain words here')).toEqual({ name: 'k', type: 'long', required: true, doc: 'plain words here' });
    expect(parseAddColumn('h fixed[16]')).toEqual({ name: 'h', type: 'fixed[16]' });
    expect(() => parseAddColumn('lonely')).toThrow(/--add-column 'lonely': expected/);
    expect(() => parseAddColumn('x int sideways')).toThrow(/cannot read 'sideways'/);
    expect(() => parseAddColumn('tags list<string>', '--column')).toThrow(/--column 'tags list<string>': nested types \(list<\.\.\.>\) are not supported here/);
    expect(() => parseAddColumn('lonely', '--column')).toThrow(/^--column 'lonely': expected/);
  });

  it('reads pairs, partition fields and sort fields', () => {
    expect(parsePair('--rename-column', 'a=b', 'old=new')).toEqual({ key: 'a', value: 'b' });
    expect(parsePair('--set-property', 'k=v=w', 'key=value')).toEqual({ key: 'k', value: 'v=w' });
    expect(() => parsePair('--rename-column', 'ab', 'old=new')).toThrow(/--rename-column 'ab': expected old=new/);
    expect(parsePartitionField('--add-partition-field', 'bucket(8, id) as id_b')).toEqual({ sourceName: 'id', transform: 'bucket[8]', name: 'id_b' });
    expect(parsePartitionField('--partition-by', 'days(ts)')).toEqual({ sourceName: 'ts', transform: 'day' });
    expect(() => parsePartitionField('--partition-by', 'weeks(ts)')).toThrow(/unknown transform 'weeks'/);
    expect(parseSortField('--sort-by', 'ts desc nulls first')).toEqual({ sourceName: 'ts', transform: 'identity', direction: 'desc', nullOrder: 'nulls-first' });
  });
});
