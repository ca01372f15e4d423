/** A strict XML 1.0 check for the check-report tests: Python's expat. */
import { spawnSync } from 'node:child_process';

/** Parses with Python's expat, a strict XML 1.0 parser; returns its complaint, or '' when well formed. */
export function strictXmlProblem(xml: string): string {
  const r = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())'], { input: Buffer.from(xml, 'utf8') });
  if (r.error) throw r.error;
  return r.status === 0 ? '' : (r.stderr.toString().trim().split('\n').at(-1) ?? 'unknown');
}
