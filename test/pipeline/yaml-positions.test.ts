import { describe, expect, it } from 'vitest';
import { formatDiagnostic, validatePipelineText, validateProjectText } from '../../src/pipeline/index.js';

const at = (text: string) => validatePipelineText(text, '/p/a.yaml', {}).diagnostics.map(formatDiagnostic);

describe('YAML indentation errors', () => {
  it('a key indented deeper than the keys above it is reported once, on its own line', () => {
    const text = 'name: a\nsource:\n  kind: csv\n  path: a.csv\n\ntarget:\n  table: raw.a\n   mode: append\n';
    expect(at(text)).toEqual([
      "/p/a.yaml:8:4: YAML: this line is indented deeper than the keys above it, so it is read as part of the value on line 7: a mapping's keys must start at the same column",
    ]);
  });

  it('a key indented less than its siblings is reported at that key, not at the line break before it', () => {
    const text = 'name: a\nsource:\n  kind: csv\n  path: a.csv\ntarget:\n  table: raw.a\n  write:\n mode: append\n';
    expect(at(text)).toEqual(['/p/a.yaml:8:2: YAML: All mapping items must start at the same column']);
  });

  it('the same in floe.yaml', () => {
    const r = validateProjectText('warehouse: ./w\ncatalog:\n  name: c\n    uri: x\n', '/p/floe.yaml', {});
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^\/p\/floe\.yaml:4:5: YAML: this line is indented deeper .* on line 3/)]);
  });
});
