/**
 * Deterministic CSV of N rows × 10 columns for the load benchmarks (scenario 1).
 *
 * Every column type an ingestion path has to get right appears once: ids, ints, doubles,
 * decimals written as text, timestamps with microseconds, dates, short and long strings
 * (some quoted, with commas and doubled quotes), booleans, and empty fields as nulls.
 * About 120 bytes a row, so 10M rows is about 1.2 GB.
 *
 * Speed matters at 10M rows. Rows go byte by byte into a 4 MB buffer (ByteWriter) that is
 * written with one awaited write when full: memory stays flat, nothing is allocated per
 * row, and the disk never sees millions of tiny writes. Dates use integer arithmetic, not
 * Date objects. The output is a pure function of (rows, seed): bump GENERATOR_VERSION
 * whenever a change would alter a single byte, because cached files are keyed by it.
 */
import { open, rename, rm } from 'node:fs/promises';
import { ByteWriter } from './byte-writer.js';
import { createPrng, type Prng } from './prng.js';

export const GENERATOR_VERSION = 1;
export const CSV_COLUMNS = [
  'id', // BIGINT, 1..N, never null
  'customer_id', // INT, never null
  'quantity', // INT, 2% null
  'price', // DOUBLE (up to 4 decimals), 2% null
  'amount', // DECIMAL(12,2) as text, 1% null
  'created_at', // TIMESTAMP with microseconds, 1% null
  'birth_date', // DATE, 5% null
  'country', // short string, 1% null
  'comment', // long string (2-9 words), some quoted, 10% null
  'active', // BOOLEAN, 1% null
] as const;

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const COUNTRIES = 'US CA GB DE FR NL ES IT SE PL BR MX JP IN AU ZA'.split(' ').map(ascii);
const WORDS = (
  'account order refund delivery late early damaged perfect support agent called emailed ' +
  'billing invoice discount coupon loyalty points upgrade cancel renew trial premium basic ' +
  'shipping warehouse returned exchanged size colour quality great poor average happy ' +
  'unhappy again never always website mobile app checkout payment card failed retried ' +
  'address changed moved contact phone survey feedback review stars product bundle gift'
)
  .split(' ')
  .map(ascii);
const TRUE = ascii('true');
const FALSE = ascii('false');
const COMMA = 0x2c;
const QUOTE = 0x22;
const SPACE = 0x20;

const DAY_2020_01_01 = 18262;
const DAY_1940_01_01 = -10957;

/** Writes the CSV (header + rows) to `path` atomically: a crash never leaves a truncated file there. */
export async function writeCsv(path: string, rows: number, seed: number): Promise<{ bytes: number }> {
  const rnd = createPrng(seed);
  const partial = `${path}.partial-${process.pid}`;
  const fh = await open(partial, 'w');
  try {
    const out = new ByteWriter(fh);
    out.raw(ascii(CSV_COLUMNS.join(',') + '\n'));
    for (let i = 0; i < rows; i++) {
      writeRow(out, i, rnd);
      if (out.needsFlush) await out.flush();
    }
    await out.flush();
    await fh.close();
    await rename(partial, path);
    return { bytes: out.bytes };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}

// One row. The order of PRNG draws is part of the file format: keep it stable.
function writeRow(out: ByteWriter, i: number, rnd: Prng): void {
  out.uint(i + 1);
  out.byte(COMMA);
  out.uint(rnd.int(1, 2_000_000));
  out.byte(COMMA);
  if (!rnd.chance(0.02)) out.int(rnd.int(-1_000, 100_000));
  out.byte(COMMA);
  if (!rnd.chance(0.02)) writePrice(out, Math.round(rnd.float() * 10_000_000));
  out.byte(COMMA);
  if (!rnd.chance(0.01)) {
    const cents = rnd.int(0, 999_999_999);
    if (rnd.chance(0.05)) out.byte(0x2d);
    out.uint(Math.floor(cents / 100));
    out.byte(0x2e);
    out.padded(cents % 100, 2);
  }
  out.byte(COMMA);
  if (!rnd.chance(0.01)) {
    const secs = rnd.int(0, 86_399);
    const micros = rnd.int(0, 999_999);
    writeDate(out, DAY_2020_01_01 + rnd.int(0, 2_191));
    out.byte(SPACE);
    out.padded(Math.floor(secs / 3600), 2);
    out.byte(0x3a);
    out.padded(Math.floor(secs / 60) % 60, 2);
    out.byte(0x3a);
    out.padded(secs % 60, 2);
    out.byte(0x2e);
    out.padded(micros, 6);
  }
  out.byte(COMMA);
  if (!rnd.chance(0.05)) writeDate(out, DAY_1940_01_01 + rnd.int(0, 24_836));
  out.byte(COMMA);
  if (!rnd.chance(0.01)) out.raw(COUNTRIES[rnd.int(0, COUNTRIES.length - 1)]!);
  out.byte(COMMA);
  if (!rnd.chance(0.1)) writeComment(out, rnd);
  out.byte(COMMA);
  if (!rnd.chance(0.01)) out.raw(rnd.chance(0.7) ? TRUE : FALSE);
  out.byte(0x0a);
}

/** k / 10^4 as the shortest decimal (what String() prints for that double): 288.11, 447.1016, 12. */
function writePrice(out: ByteWriter, k: number): void {
  out.uint(Math.floor(k / 10_000));
  let frac = k % 10_000;
  if (frac === 0) return;
  let width = 4;
  while (frac % 10 === 0) {
    frac /= 10;
    width--;
  }
  out.byte(0x2e);
  out.padded(frac, width);
}

/** Days since 1970-01-01 as YYYY-MM-DD (Howard Hinnant's civil_from_days). */
function writeDate(out: ByteWriter, z: number): void {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out.padded(yoe + era * 400 + (m <= 2 ? 1 : 0), 4);
  out.byte(0x2d);
  out.padded(m, 2);
  out.byte(0x2d);
  out.padded(d, 2);
}

/**
 * 2-9 words. About 3% of gaps get a comma and 1% a word in doubled quotes, so roughly one
 * comment in six is a quoted field (RFC 4180), as free text tends to be.
 */
function writeComment(out: ByteWriter, rnd: Prng): void {
  const n = rnd.int(2, 9);
  const words: Buffer[] = [WORDS[rnd.int(0, WORDS.length - 1)]!];
  const seps: number[] = [];
  let quoted = false;
  for (let k = 1; k < n; k++) {
    words.push(WORDS[rnd.int(0, WORDS.length - 1)]!);
    const r = rnd.float();
    const sep = r < 0.03 ? 1 : r < 0.04 ? 2 : 0;
    if (sep !== 0) quoted = true;
    seps.push(sep);
  }
  if (quoted) out.byte(QUOTE);
  out.raw(words[0]!);
  for (let k = 1; k < n; k++) {
    const sep = seps[k - 1];
    if (sep === 1) {
      out.byte(COMMA);
      out.byte(SPACE);
      out.raw(words[k]!);
    } else if (sep === 2) {
      out.byte(SPACE);
      out.byte(QUOTE);
      out.byte(QUOTE);
      out.raw(words[k]!);
      out.byte(QUOTE);
      out.byte(QUOTE);
    } else {
      out.byte(SPACE);
      out.raw(words[k]!);
    }
  }
  if (quoted) out.byte(QUOTE);
}
