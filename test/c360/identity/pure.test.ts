import { describe, expect, it } from 'vitest';
import { chooseCuts, type LinkCandidate } from '../../../src/c360/identity/guard.js';
import { blockKind, identifierKey, keyFamily, phoneRegionOf, withoutSubaddress } from '../../../src/c360/identity/keys.js';
import { assignKeptIds, freshCustomerId, type Overlap } from '../../../src/c360/identity/stable-ids.js';
import { UnionFind } from '../../../src/c360/identity/union-find.js';
import { blockList } from '../../../src/c360/normalize/blocked.js';

describe('UnionFind', () => {
  it('joins transitively and labels each component by its smallest member', () => {
    const uf = new UnionFind(7);
    expect(uf.union(5, 3)).toBe(true);
    expect(uf.union(3, 6)).toBe(true);
    expect(uf.union(6, 5)).toBe(false);
    uf.union(1, 2);
    expect(Array.from(uf.labels())).toEqual([0, 1, 1, 3, 4, 3, 3]);
  });

  it('gives the same labels whatever order the links come in', () => {
    const links: [number, number][] = [[0, 9], [9, 4], [2, 7], [7, 8], [4, 1], [3, 5]];
    const a = new UnionFind(10);
    for (const [x, y] of links) a.union(x, y);
    const b = new UnionFind(10);
    for (const [x, y] of [...links].reverse()) b.union(y, x);
    expect(Array.from(a.labels())).toEqual(Array.from(b.labels()));
    expect(Array.from(a.labels())).toEqual([0, 0, 2, 3, 0, 3, 6, 2, 2, 0]);
  });
});

describe('identifier keys', () => {
  it('compares Gmail addresses by their match key and keeps the typed address as the value', () => {
    expect(identifierKey('email', '  John.Doe+News@GoogleMail.com ')).toEqual({ value: 'john.doe+news@googlemail.com', key: 'johndoe@gmail.com' });
    expect(identifierKey('work_email', 'JohnDoe@gmail.com')?.key).toBe('johndoe@gmail.com');
    expect(identifierKey('email', 'mary-jane@yahoo.com')?.key).not.toBe(identifierKey('email', 'mary-sue@yahoo.com')?.key);
  });

  it('drops a +tag at every domain, keeping the typed address as the value', () => {
    expect(identifierKey('email', 'Sophie.Koch+Promo@GMX.de')).toEqual({ value: 'sophie.koch+promo@gmx.de', key: 'sophie.koch@gmx.de' });
    expect(identifierKey('email', 'maria.smith+spam@comcast.net')?.key).toBe(identifierKey('email', 'Maria.Smith@Comcast.net')?.key);
    // Dots still matter outside Gmail, and a local part that is only a tag is left alone.
    expect(identifierKey('email', 'maria.smith+x@comcast.net')?.key).not.toBe(identifierKey('email', 'mariasmith@comcast.net')?.key);
    expect(withoutSubaddress('+orders@shop.com')).toBe('+orders@shop.com');
    expect(withoutSubaddress('a+b+c@x.org')).toBe('a@x.org');
  });

  it('drops values that are not of their kind: garbage links nothing', () => {
    expect(identifierKey('email', 'john at gmail.com')).toBeUndefined();
    expect(identifierKey('email', 'n/a')).toBeUndefined();
    expect(identifierKey('phone', 'call me')).toBeUndefined();
    expect(identifierKey('device_id', '   ')).toBeUndefined();
    expect(identifierKey('email', null)).toBeUndefined();
  });

  it('reads phones as E.164 with region US', () => {
    expect(identifierKey('phone', '(415) 555-2671')).toEqual({ value: '+14155552671', key: '+14155552671' });
    expect(identifierKey('phone', '+44 7400 123456')?.key).toBe('+447400123456');
  });

  it("reads national phone numbers in the record's region when one is given", () => {
    expect(identifierKey('phone', '020 8384 5999')).toBeUndefined(); // not a US number
    expect(identifierKey('phone', '020 8384 5999', { phoneRegion: 'GB' })?.key).toBe('+442083845999');
    expect(identifierKey('phone', '+1 415 555 2671', { phoneRegion: 'GB' })?.key).toBe('+14155552671'); // a country code wins
    expect(['en-GB', 'de_DE', 'GB', 'gbr', 'DEU', 'Deutschland', 'U.K.', ' fr '].map(phoneRegionOf)).toEqual(['GB', 'DE', 'GB', 'GB', 'DE', 'DE', 'GB', 'FR']);
    expect([null, '', 'Atlantis', 'en', 'xx-ZZ'].map(phoneRegionOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('compares loyalty numbers without their prefix and leading zeros', () => {
    expect(identifierKey('loyalty_id', 'L00104553')?.key).toBe('104553');
    expect(identifierKey('loyalty_id', ' l00104553')?.key).toBe('104553');
    expect(identifierKey('loyalty_id', '104553')?.key).toBe('104553');
    expect(identifierKey('device_id', 'ABC-1')?.key).toBe('abc-1');
  });

  it('maps kinds to the block list families', () => {
    expect([keyFamily('email'), keyFamily('billing_email'), keyFamily('phone'), keyFamily('loyalty_number'), keyFamily('device_id')]).toEqual(['email', 'email', 'phone', 'loyalty', 'other']);
    expect([blockKind('billing_email'), blockKind('loyalty_number'), blockKind('device_id')]).toEqual(['email', 'loyalty_id', 'device_id']);
  });
});

describe('blocking (blocked.ts defaults + the pipeline list)', () => {
  const blocks = blockList({ email: ['shared.family@gmail.com'] });
  const blocked = (kind: string, raw: string) => {
    const k = identifierKey(kind, raw);
    return k ? blocks.isBlocked(blockKind(kind), k.value) : 'garbage';
  };
  it('blocks test addresses, reserved domains, junk phones and zeroed device ids', () => {
    expect(blocked('email', 'test@example.com')).toBe('reserved-domain');
    expect(blocked('email', 'asdf@asdf.com')).toBe('test-address');
    expect(blocked('email', 'noreply@shop.com')).toBe('placeholder-address');
    expect(blocked('phone', '(212) 555-0100')).toBe('fictional-number');
    expect(blocked('device_id', '00000000-0000-0000-0000-000000000000')).toBe('repeated-characters');
    expect(blocked('loyalty_id', 'L00000000')).toBe('repeated-digits');
    expect(blocked('phone', '0000000000')).toBe('garbage');
  });
  it("blocks the pipeline's values and their Gmail aliases, and nothing else", () => {
    expect(blocked('email', 'Shared.Family+x@gmail.com')).toBe('listed');
    expect(blocked('email', 'jane.doe@gmail.com')).toBeUndefined();
    expect(blocked('phone', '+1 415 555 2671')).toBeUndefined();
  });
});

describe('max_per_profile guard: the weakest link', () => {
  const c = (over: Partial<LinkCandidate>): LinkCandidate => ({ component: 0, overKind: 'email', kind: 'phone', key: '+1', bridged: 2, records: 2, ...over });
  it('cuts, per component, every value tied at the most bridged values of the over-limit kind', () => {
    const cuts = chooseCuts([
      c({ key: 'a', bridged: 2, records: 9 }),
      c({ key: 'b', bridged: 3, records: 3 }),
      c({ component: 7, kind: 'loyalty_id', key: 'x', records: 4 }),
      c({ component: 7, kind: 'device_id', key: 'y', records: 5 }),
    ]);
    expect(cuts.map((x) => [x.component, x.kind, x.key])).toEqual([
      [0, 'phone', 'b'],
      [7, 'device_id', 'y'], // both tied at bridged 2; listed weakest (more records) first
      [7, 'loyalty_id', 'x'],
    ]);
  });
  it('never cuts a value that bridges nothing', () => {
    expect(chooseCuts([c({ bridged: 1, records: 5 })])).toEqual([]);
  });
});

describe('stable ids', () => {
  const o = (component: number, previous: number, overlap: number, previousSize = overlap, previousId = `p${previous}`): Overlap => ({ component, previous, overlap, previousSize, previousId });
  it('a merge keeps the id of the largest previous customer', () => {
    expect(Array.from(assignKeptIds([o(0, 0, 2), o(0, 1, 5)], 1, 2))).toEqual([1]);
  });
  it('a split leaves the id with the part holding most of the records; the rest get fresh ids', () => {
    expect(Array.from(assignKeptIds([o(0, 0, 2, 10), o(1, 0, 8, 10)], 2, 1))).toEqual([-1, 0]);
  });
  it('ties go to the previous customer that was larger, then the smaller id', () => {
    expect(Array.from(assignKeptIds([o(0, 0, 3, 3, 'b'), o(0, 1, 3, 9, 'c'), o(1, 2, 1, 1, 'z')], 2, 3))).toEqual([1, 2]);
    expect(Array.from(assignKeptIds([o(0, 1, 3, 3, 'b'), o(0, 0, 3, 3, 'a')], 1, 2))).toEqual([0]);
  });
  it('fresh ids derive from the smallest member and change with the attempt', () => {
    const id = freshCustomerId('crm.contacts', '1');
    expect(id).toMatch(/^c_[0-9a-f]{16}$/);
    expect(freshCustomerId('crm.contacts', '1')).toBe(id);
    expect(freshCustomerId('crm.contacts', '1', 1)).not.toBe(id);
    expect(freshCustomerId('crm.contacts', '2')).not.toBe(id);
  });
});
