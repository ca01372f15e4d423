/**
 * The docs are true (README.md, docs/*.md): every `floe <command> --option` they show exists
 * in that command's `--help`, listed values match the option's choices, every option of
 * every command is shown somewhere, every YAML example passes `floe validate`, and the
 * README's Quick tour runs as written. Cheap: one `--help` per command, one `validate` for
 * all pipeline examples, one per floe.yaml example, and the tour's dozen commands.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, FLOE_BIN, ROOT, childEnv } from '../helpers/floe-process.js';
import { assertBuilt, floe, floeIn, show, useTmpDirs } from '../cli/helpers.js';
import {
  GLOBAL_OPTIONS,
  helpChoices,
  helpCommands,
  helpOptions,
  invocations,
  invocationsIn,
  optionMentions,
  readDocs,
  yamlBlocks,
  type CommandTree,
  type Invocation,
} from './doc-text.js';

/**
 * Options of other programs that the docs show (npm, node, spark-sql, the interop helper
 * scripts, a secret-looking option in an audit-log example). Anything else written as
 * `--option` in code must be a floe option.
 */
const FOREIGN_OPTIONS: Record<string, readonly string[]> = {
  'README.md': ['--quick', '--import'],
  'docs/CATALOG.md': ['--packages', '--conf'],
  'docs/GOVERNANCE.md': ['--token', '--password'],
  'docs/INTEROP.md': [
    '--add-opens', '--catalog-uri', '--catalog-name', '--warehouse', '--table', '--filter', '--snapshot-id', '--summary-only',
    '--fixture', '--schema-json', '--rows-json', '--appends-json', '--with-rows', '--catalog-prop', '--sql', '--ops-json',
  ],
};

const docs = readDocs(ROOT);
const tmp = useTmpDirs('floe-docs-');
/** `--help` text per command path ('' is the program), read once. */
const helps = new Map<string, string>();
const tree: CommandTree = new Map();
let invs: Invocation[] = [];

const where = (i: { file: string; line: number }) => `${i.file}:${i.line}`;

beforeAll(async () => {
  assertBuilt();
  const help = async (cmd: string[]) => {
    const r = await floe([...cmd, '--help']);
    expect(r.code, show(r)).toBe(0);
    helps.set(cmd.join(' '), r.stdout);
    return r.stdout;
  };
  // A few at a time: the machine is shared, and each is a node start-up.
  const inBatches = async <T>(items: T[], f: (x: T) => Promise<unknown>) => {
    for (let i = 0; i < items.length; i += 3) await Promise.all(items.slice(i, i + 3).map(f));
  };
  for (const c of helpCommands(await help([]))) tree.set(c, new Set());
  await inBatches([...tree.keys()], async (c) => {
    for (const s of helpCommands(await help([c]))) tree.get(c)!.add(s);
  });
  await inBatches([...tree].flatMap(([c, subs]) => [...subs].map((s) => [c, s])), (cs) => help(cs));
  invs = invocations(docs, tree);
});

describe('the doc parser', () => {
  it('reads commands, alternatives, options and listed values out of a usage line', () => {
    const t: CommandTree = new Map([['snapshot', new Set(['tag', 'branch'])], ['check', new Set()]]);
    const [a] = invocationsIn('floe snapshot tag|branch <table> <name> [--snapshot ID] [--replace]', t);
    expect(a!.commands).toEqual([['snapshot', 'tag'], ['snapshot', 'branch']]);
    expect(a!.options).toEqual(['--snapshot', '--replace']);
    const [b] = invocationsIn('floe --project /srv check --all --format junit > x.xml  # CI --warn-error', t);
    expect(b!.commands).toEqual([['check']]);
    expect(b!.options).toEqual(['--all', '--format']);
    const [c] = invocationsIn('floe check [table...] | --all [--format text|json|junit]', t);
    expect(c!.values).toEqual([{ option: '--format', values: ['text', 'json', 'junit'] }]);
    expect(invocationsIn('the floe check step', t)).toEqual([]);
  });

  it('reads help texts', () => {
    const h = 'Options:\n  --format <f>  output (choices: "a",\n                "b", default: "a")\n  -V, --version  v\n\nCommands:\n  run [options]  x\n  help [command]  y\n';
    expect([...helpOptions(h)]).toEqual(['--format', '--version']);
    expect(helpChoices(h).get('--format')).toEqual(['a', 'b']);
    expect(helpCommands(h)).toEqual(['run']);
  });
});

describe('commands and options in the docs', () => {
  it('finds the commands the docs show (the parser still reads them)', () => {
    const shown = new Set(invs.flatMap((i) => i.commands.map((c) => c.join(' '))));
    for (const c of ['run', 'load', 'query', 'check', 'compact', 'table evolve', 'maintain expire', 'snapshot branch', 'identity explain']) {
      expect(shown, c).toContain(c);
    }
  });

  it('every `floe <command> --option` shown exists in that command\'s --help', () => {
    const bad: string[] = [];
    for (const i of invs) {
      for (const o of i.options) {
        if (GLOBAL_OPTIONS.includes(o)) continue;
        if (!i.commands.some((c) => helpOptions(helps.get(c.join(' ')) ?? '').has(o))) {
          bad.push(`${where(i)}: ${o} is not an option of floe ${i.commands.map((c) => c.join(' ')).join('|')} (in \`${i.text}\`)`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('values listed for an option with choices are exactly its choices', () => {
    const bad: string[] = [];
    for (const i of invs) {
      for (const v of i.values) {
        for (const c of i.commands) {
          const choices = helpChoices(helps.get(c.join(' ')) ?? '').get(v.option);
          if (choices === undefined) continue;
          if ([...v.values].sort().join('|') !== [...choices].sort().join('|')) {
            bad.push(`${where(i)}: floe ${c.join(' ')} ${v.option} ${v.values.join('|')}, but --help says ${choices.join('|')}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('every --option written in code is a floe option (or one of another program the docs name)', () => {
    const known = new Set(GLOBAL_OPTIONS);
    for (const h of helps.values()) for (const o of helpOptions(h)) known.add(o);
    const bad = optionMentions(docs)
      .filter((m) => !known.has(m.option) && !(FOREIGN_OPTIONS[m.file] ?? []).includes(m.option))
      .map((m) => `${where(m)}: ${m.option}`);
    expect(bad).toEqual([]);
  });

  it('every option of every command is shown with that command somewhere in the docs', () => {
    const missing: string[] = [];
    for (const [cmd, h] of helps) {
      if (cmd === '') continue;
      for (const o of helpOptions(h)) {
        if (GLOBAL_OPTIONS.includes(o)) continue;
        if (!invs.some((i) => i.commands.some((c) => c.join(' ') === cmd) && i.options.includes(o))) missing.push(`floe ${cmd} ${o}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the README names every global option', () => {
    const readme = docs.find((d) => d.name === 'README.md')!.text;
    const line = /^Global options: [\s\S]*?\n\n/m.exec(readme)?.[0] ?? '';
    const missing = [...helpOptions(helps.get('')!)].filter((o) => o !== '--help' && !line.includes(`\`${o}`) && !line.includes(`, ${o}`));
    expect(line).not.toBe('');
    expect(missing).toEqual([]);
  });

  it('every command is in the README\'s command table', () => {
    const readme = docs.find((d) => d.name === 'README.md')!.text;
    const table = readme.split('## Commands')[1]!.split('\n## ')[0]!;
    const listed = new Set(invocations([{ name: 'README.md', text: table }], tree).flatMap((i) => i.commands.map((c) => c.join(' '))));
    const all = [...tree].flatMap(([c, subs]) => (subs.size === 0 ? [c] : [...subs].map((s) => `${c} ${s}`)));
    expect(all.filter((c) => !listed.has(c))).toEqual([]);
  });
});

/** Values for the `${VAR}`s of the examples: URLs where a source needs one, else any text. */
function exampleEnv(texts: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const t of texts) {
    for (const m of t.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)) {
      const name = m[1]!;
      // Values of secret-looking variables are masked in messages: keep them unlike any other text.
      env[name] = /MYSQL/.test(name) ? 'mysql://u:p@127.0.0.1:1/db' : /URL/.test(name) ? 'postgresql://u:p@127.0.0.1:1/db' : 'docs-test-value-7f3a';
    }
  }
  return env;
}

const PROJECT_KEYS = new Set(['warehouse', 'catalog', 'storage', 'pipelines']);
const PIPELINE_KEYS = new Set(['name', 'kind', 'description', 'source', 'columns', 'target', 'rejects', 'checks', 'inputs', 'match', 'survivorship', 'outputs']);
/** What a fragment lacks; `NAME` becomes the pipeline's name, so no two write one table. */
const BASE: Record<string, string> = {
  source: 'source: { kind: csv, path: data/*.csv }',
  target: 'target: { table: raw.NAME }',
};

describe('YAML examples in the docs', () => {
  it('every pipeline example, fragment and inline source passes floe validate', async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, 'pipelines'));
    await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\n');
    const written: string[] = [];
    const texts: string[] = [];
    const add = async (at: string, body: string) => {
      const name = at.replace(/^docs\//, '').replace(/\.md:/, '_').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
      const text = `# ${at}\nname: ${name}\n${body.replace(/^name:.*\n/m, '').replace('raw.NAME', `raw.${name}`)}`;
      await writeFile(path.join(dir, 'pipelines', `${name}.yaml`), text);
      written.push(name);
      texts.push(text);
    };
    for (const d of docs) {
      for (const b of yamlBlocks(d)) {
        const at = `${d.name}:${b.line}`;
        const keys = Object.keys((parseYaml(b.yaml) ?? {}) as object);
        if (keys.some((k) => PROJECT_KEYS.has(k))) continue; // floe.yaml: the next test
        expect(keys.every((k) => PIPELINE_KEYS.has(k)), `${at}: a YAML block that is neither floe.yaml nor (part of) a pipeline: ${keys.join(', ')}`).toBe(true);
        // A fragment (`checks:`, `columns:`, `target:` ...) completes a minimal csv pipeline.
        const complete = keys.includes('inputs') || (keys.includes('source') && keys.includes('target'));
        const base = complete ? [] : Object.entries(BASE).filter(([k]) => !keys.includes(k)).map(([, v]) => v);
        await add(at, `${base.join('\n')}\n${b.yaml}`);
      }
      const re = /`(\{ ?kind: [^`]*\})`/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(d.text)) !== null) {
        const line = d.text.slice(0, m.index).split('\n').length;
        await add(`${d.name}:${line}`, `source: ${m[1]!.replace(/\\\|/g, '|')}\n${BASE.target}\n`);
      }
    }
    expect(written.length).toBeGreaterThanOrEqual(15);
    const r = await floeIn(dir, ['validate', '--json'], { env: exampleEnv(texts) });
    expect(r.code, show(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; pipelines: string[]; diagnostics: { file: string; line: number; message: string }[] };
    // A warning on a documented example is a defect too: readers copy examples.
    expect(report.diagnostics.map((x) => `${path.basename(x.file)}:${x.line}: ${x.message}`)).toEqual([]);
    expect(report.ok).toBe(true);
    expect([...report.pipelines].sort()).toEqual([...written].sort());
  });

  it('every floe.yaml example passes floe validate', async () => {
    let n = 0;
    for (const d of docs) {
      for (const b of yamlBlocks(d)) {
        const keys = Object.keys((parseYaml(b.yaml) ?? {}) as object);
        if (!keys.some((k) => PROJECT_KEYS.has(k))) continue;
        const dir = await tmp();
        await mkdir(path.join(dir, 'pipelines'));
        await writeFile(path.join(dir, 'floe.yaml'), b.yaml);
        const r = await floeIn(dir, ['validate'], { env: exampleEnv([b.yaml]) });
        expect(r.code, `${d.name}:${b.line}\n${show(r)}`).toBe(0);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(4);
  });
});

describe('the README Quick tour', () => {
  it('runs as written: every command exits 0', async () => {
    const readme = docs.find((d) => d.name === 'README.md')!.text;
    const tour = /## Quick tour\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(tour).toBeDefined();
    const dir = await tmp();
    // Each command echoes its line first, so a failure names the line.
    const script = ['set -e', 'floe() { echo "+ floe $*" >&2; node "$DOCS_FLOE_BIN" "$@"; }', tour!].join('\n');
    const child = spawn('bash', ['-c', script], { cwd: dir, env: { ...childEnv(), DOCS_FLOE_BIN: FLOE_BIN }, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(child);
    expect(r.code, show(r)).toBe(0);
    expect((tour!.match(/^floe /gm) ?? []).length).toBeGreaterThanOrEqual(10);
    // The tour ran to its end: its last command expired (or kept) raw.orders' snapshots.
    expect(r.stderr, show(r)).toContain('+ floe maintain expire raw.orders');
    // The tour's comment: `floe run --all` runs the scaffolded pipeline, data/*.csv → raw.example.
    expect(tour).toContain('data/*.csv → raw.example');
    expect(r.stdout, show(r)).toMatch(/^example\s+raw\.example\s+ok\s+2\s+2\s/m);
  }, 300_000);
});
