/**
 * Reads the user documentation (README.md, docs/*.md) for the docs test: the `floe ...`
 * invocations it shows, with the options each uses, and its YAML blocks. Pure text work,
 * so the parsing itself is tested on small strings.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface DocFile {
  /** Relative to the repository root, e.g. `docs/S3.md`. */
  name: string;
  text: string;
}

export function readDocs(root: string): DocFile[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs].map((name) => ({ name, text: readFileSync(path.join(root, name), 'utf8') }));
}

/** A `floe ...` invocation found in the docs. */
export interface Invocation {
  file: string;
  line: number;
  /** Each alternative command path: `snapshot tag|branch` gives [['snapshot','tag'], ['snapshot','branch']]. */
  commands: string[][];
  options: string[];
  /** `--opt a|b|c` written with its allowed values: the values, for options that have choices. */
  values: { option: string; values: string[] }[];
  text: string;
}

/** Options every command takes (commander's own and the program's global ones). */
export const GLOBAL_OPTIONS = ['--help', '--project', '--debug', '--version'];

/** Commands and their subcommands, as `floe --help` and the group helps list them. */
export type CommandTree = Map<string, Set<string>>;

/**
 * The pieces of text a `floe` invocation can be in: inline code spans, and each line of a
 * fenced or indented code block. Prose around a span is never read as part of a command.
 */
function codePieces(text: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = text.split('\n');
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*```/.test(l)) {
      fenced = !fenced;
      continue;
    }
    if (fenced || /^ {4}\S/.test(l)) {
      out.push({ line: i + 1, code: l });
      continue;
    }
  }
  // Inline spans may wrap across a line break inside a paragraph: scan paragraphs whole.
  let start = 0;
  const paragraphs: { line: number; text: string }[] = [];
  let buf: string[] = [];
  fenced = false;
  for (let i = 0; i <= lines.length; i++) {
    const l = lines[i];
    const boundary = l === undefined || l.trim() === '' || /^\s*```/.test(l) || fenced || /^ {4}\S/.test(l);
    if (l !== undefined && /^\s*```/.test(l)) fenced = !fenced;
    if (boundary) {
      if (buf.length > 0) paragraphs.push({ line: start + 1, text: buf.join('\n') });
      buf = [];
      start = i + 1;
    } else {
      if (buf.length === 0) start = i;
      buf.push(l!);
    }
  }
  for (const p of paragraphs) {
    // Table cells escape pipes as `\|`; inside code spans that is a literal `|`.
    const re = /`([^`]+)`/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(p.text)) !== null) {
      const line = p.line + p.text.slice(0, m.index).split('\n').length - 1;
      out.push({ line, code: m[1]!.replace(/\\\|/g, '|').replace(/\n/g, ' ') });
    }
  }
  return out;
}

/** Splits a shell-ish command line into words, keeping quoted strings whole. */
export function words(s: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[0]);
  return out;
}

/**
 * Every `floe <command> ...` in a piece of code: the command (alternatives split on `|`),
 * and the `--options` up to the end of that command (a shell `#` comment, `&&`, `;`, `>`,
 * a pipe to another program, or a second `floe`).
 */
export function invocationsIn(code: string, tree: CommandTree): Omit<Invocation, 'file' | 'line'>[] {
  const out: Omit<Invocation, 'file' | 'line'>[] = [];
  const w = words(code.replace(/\s#\s.*$/, ''));
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== 'floe' && !/(^|\/)floe(\.js)?$/.test(w[i]!)) continue;
    if (i > 0 && !/^(\$|&&|;|\||\(|\$\(|npx|node|exec|then|do|\|\||`)$/.test(w[i - 1]!) && !/bin\/floe\.js$/.test(w[i]!)) continue;
    let j = i + 1;
    // Global options before the command.
    while (j < w.length && /^--(project|debug)$/.test(w[j]!)) j += w[j] === '--project' ? 2 : 1;
    const first = w[j];
    if (first === undefined) continue;
    const firstAlts = first.split('|');
    if (!firstAlts.every((c) => tree.has(c))) continue;
    j++;
    let commands: string[][] = firstAlts.map((c) => [c]);
    const subs = tree.get(firstAlts[0]!)!;
    if (subs.size > 0 && w[j] !== undefined) {
      const alts = w[j]!.split('|');
      if (alts.every((s) => subs.has(s))) {
        commands = alts.map((s) => [firstAlts[0]!, s]);
        j++;
      }
    }
    const options: string[] = [];
    const values: { option: string; values: string[] }[] = [];
    for (; j < w.length; j++) {
      const t = w[j]!;
      if (/^(&&|;|>|>>|2>|\|\||#)$/.test(t) || t === 'floe') break;
      if (t === '|' && w[j + 1] !== undefined && !w[j + 1]!.startsWith('-')) break;
      // `[--opt X]`, `--opt=V`, `--opt|--other`: every option name the token carries.
      for (const m of t.matchAll(/(?:^|[[(|])(--[a-z][a-z0-9-]*)/g)) options.push(m[1]!);
      // `[--format text|json|junit]`: a literal list of values (placeholders are upper case).
      const opt = /^\[?(--[a-z][a-z0-9-]*)$/.exec(t);
      const next = w[j + 1]?.replace(/\]$/, '');
      if (opt && next !== undefined && /^[a-z][a-z0-9]*(\|[a-z][a-z0-9]*)+$/.test(next)) values.push({ option: opt[1]!, values: next.split('|') });
    }
    out.push({ commands, options, values, text: w.slice(i, j).join(' ') });
  }
  return out;
}

export function invocations(docs: readonly DocFile[], tree: CommandTree): Invocation[] {
  const out: Invocation[] = [];
  for (const d of docs) {
    for (const p of codePieces(d.text)) {
      for (const inv of invocationsIn(p.code, tree)) out.push({ file: d.name, line: p.line, ...inv });
    }
  }
  return out;
}

/** Every `--option` written anywhere in code in the docs, with where. */
export function optionMentions(docs: readonly DocFile[]): { file: string; line: number; option: string }[] {
  const out: { file: string; line: number; option: string }[] = [];
  for (const d of docs) {
    for (const p of codePieces(d.text)) {
      for (const m of p.code.matchAll(/(?:^|[\s[(|`])(--[a-z][a-z0-9-]*)/g)) out.push({ file: d.name, line: p.line, option: m[1]! });
    }
  }
  return out;
}

/** The fenced ```yaml blocks of a file, with the line of their first line. */
export function yamlBlocks(d: DocFile): { line: number; yaml: string }[] {
  const out: { line: number; yaml: string }[] = [];
  const lines = d.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```/.test(lines[j]!); j++) body.push(lines[j]!);
    out.push({ line: i + 2, yaml: body.join('\n') + '\n' });
    i = j;
  }
  return out;
}

/** The option names a `--help` text lists (`  -x, --name <v>  text`). */
export function helpOptions(help: string): Set<string> {
  const out = new Set<string>();
  for (const m of help.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)) out.add(m[1]!);
  return out;
}

/** The allowed values of each option whose help lists `(choices: "a", "b")`. */
export function helpChoices(help: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  // An option's description runs over indented continuation lines: read it whole.
  for (const m of help.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)[^\n]*(?:\n {6,}[^\n]*)*/gm)) {
    const c = /\(choices: ([^)]*)\)/.exec(m[0].replace(/\s+/g, ' '));
    if (c) out.set(m[1]!, [...c[1]!.split(/,? default:/)[0]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!));
  }
  return out;
}

/** The command names in a `Commands:` section of a `--help` text. */
export function helpCommands(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1];
  if (section === undefined) return [];
  const out: string[] = [];
  for (const m of section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)) if (m[1] !== 'help') out.push(m[1]!);
  return out;
}
