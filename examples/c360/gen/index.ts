/**
 * The Customer 360 example sources, generated from one seed. Same seed and size → the same
 * CSV, JSONL and ground-truth bytes, and the same SQLite and Parquet content.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { breakAccounts, makeAccounts } from './billing.js';
import { billingFiles } from './billing-export.js';
import { makeContacts, writeCrm } from './crm.js';
import { makeLedger } from './ledger.js';
import { writeEventsParquet } from './parquet.js';
import { makePeople } from './people.js';
import { Rng } from './rng.js';
import { makeTickets } from './support.js';
import { GroundTruth } from './truth.js';
import { makeWeb } from './web.js';

export interface GenerateOptions {
  seed: number;
  customers: number;
  /** Output folder; its crm.db, billing/, support/, web/ and ground_truth.csv are replaced. */
  out: string;
}

export const DEFAULTS = { seed: 360, customers: 2000 } as const;

export interface Summary {
  files: Record<string, number>; // path → bytes
  records: Record<string, number>;
}

export async function generate(o: GenerateOptions): Promise<Summary> {
  const root = new Rng(`floe-c360:${o.seed}`);
  const truth = new GroundTruth();
  let visitors = 0;
  const visitor = () => `V${String(++visitors).padStart(5, '0')}`;

  const people = makePeople(root.fork('people'), o.customers);
  const contacts = makeContacts(root.fork('crm'), people, truth);
  const accounts = makeAccounts(root.fork('billing'), people, truth);
  const ledger = makeLedger(root.fork('ledger'), accounts);
  breakAccounts(root.fork('billing-breakage'), accounts);
  const tickets = makeTickets(root.fork('support'), people, ledger.invoices, visitor, truth);
  const events = makeWeb(root.fork('web'), people, ledger.invoices, visitor, truth);

  for (const part of ['crm.db', 'billing', 'support', 'web', 'ground_truth.csv']) rmSync(join(o.out, part), { recursive: true, force: true });
  const text: Record<string, string> = {
    ...billingFiles(root.fork('billing-export'), accounts, ledger),
    'support/tickets.jsonl': tickets,
    'ground_truth.csv': truth.csv(),
  };
  const files: Record<string, number> = {};
  for (const [rel, body] of Object.entries(text)) {
    const path = join(o.out, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    files[rel] = Buffer.byteLength(body);
  }
  mkdirSync(join(o.out, 'web'), { recursive: true });
  writeCrm(join(o.out, 'crm.db'), contacts);
  await writeEventsParquet(join(o.out, 'web', 'events.parquet'), events);
  return {
    files,
    records: {
      people: people.length,
      'crm.contacts': contacts.length,
      'billing.accounts': accounts.length,
      'billing.invoices': ledger.invoices.length,
      'billing.payments': ledger.payments.length,
      'billing.refunds': ledger.refunds.length,
      'support.tickets (distinct)': truth.count('support.tickets'),
      'support.tickets.jsonl lines': tickets.split('\n').length - 1,
      'web.events (rows)': events.length,
      'ground_truth rows': truth.count(),
    },
  };
}
