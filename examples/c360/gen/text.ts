/** Small text helpers for the generator (kept apart from src/, which the data is meant to test). */

const EXTRA: Record<string, string> = { ø: 'o', ł: 'l', ß: 'ss', æ: 'ae', ı: 'i' };

/** Lower-case ASCII-ish: 'Søren Müller' → 'soren muller'. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłßæı]/g, (c) => EXTRA[c] ?? c);
}

/** One mailbox, however it is spelled: Gmail ignores dots and +tags. */
export function mailboxKey(address: string): string {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain === 'gmail.com' || domain === 'googlemail.com') return `${local.replace(/\+.*$/, '').replace(/\./g, '')}@gmail.com`;
  return `${local}@${domain}`;
}
