/**
 * ground_truth.csv: which person each identity-bearing source record belongs to.
 * Kinds of person_id: P… real customers, V… visitors and support-only requesters who appear
 * in no other system, X… test and QA records. Each X id is one record's (or one QA device's)
 * own, so a resolver that links test records to each other or to customers through a blocked
 * value such as test@example.com scores a false positive.
 */
export type SourceTable = 'crm.contacts' | 'billing.accounts' | 'support.tickets' | 'web.events';

export class GroundTruth {
  private readonly rows = new Map<string, { table: SourceTable; id: string; person: string }>();
  private testIds = 0;

  add(table: SourceTable, id: string | number, person: string): void {
    const key = `${table}\u0000${id}`;
    const seen = this.rows.get(key);
    if (seen && seen.person !== person) throw new Error(`${table} ${id} assigned to ${seen.person} and ${person}`);
    this.rows.set(key, { table, id: String(id), person });
  }

  /** A fresh id for a test record or QA actor. */
  testPerson(): string {
    return `X${String(++this.testIds).padStart(4, '0')}`;
  }

  /** CSV text, in source order then generation order. */
  csv(): string {
    const order: SourceTable[] = ['crm.contacts', 'billing.accounts', 'support.tickets', 'web.events'];
    const rows = [...this.rows.values()].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
    return `source_table,source_id,person_id\n${rows.map((r) => `${r.table},${r.id},${r.person}`).join('\n')}\n`;
  }

  count(table?: SourceTable): number {
    return [...this.rows.values()].filter((r) => table === undefined || r.table === table).length;
  }
}
