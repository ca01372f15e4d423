/**
 * floe.yaml `storage.s3.connect_timeout` and `idle_timeout` (docs/S3.md "Settings"):
 * durations with a unit, defaults 5s and 10s, `${VAR}` from the environment, and every bad
 * value reported at its line and column.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_S3_SETTINGS, s3ClientConfig, s3SettingsFromProject } from '../../src/io/s3-settings.js';
import { formatDiagnostic, validateProjectText } from '../../src/pipeline/index.js';

const FILE = '/srv/lake/floe.yaml';

/** A floe.yaml with an S3 warehouse; `lines` go into `storage.s3` (line 5 onwards). */
function yaml(...lines: string[]): string {
  return ['warehouse: s3://lake/wh', 'catalog: { uri: "sqlite:./catalog.db" }', 'storage:', '  s3:', '    region: eu-west-1', ...lines.map((l) => `    ${l}`), ''].join('\n');
}

function timeouts(text: string, env: Record<string, string> = {}) {
  const r = validateProjectText(text, FILE, env);
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
  const settings = s3SettingsFromProject(r.value!.storage.s3);
  return { connect: settings.connectTimeoutMs, idle: settings.idleTimeoutMs, client: s3ClientConfig(settings).requestHandler };
}

function errors(text: string, env: Record<string, string> = {}): string[] {
  const r = validateProjectText(text, FILE, env);
  expect(r.value).toBeUndefined();
  return r.diagnostics.map(formatDiagnostic);
}

describe('storage.s3 connect_timeout and idle_timeout', () => {
  it('default to 5 s and 10 s, so that a silent endpoint fails in well under a minute', () => {
    expect(timeouts(yaml())).toEqual({ connect: 5_000, idle: 10_000, client: { connectionTimeout: 5_000, socketTimeout: 10_000 } });
    expect([DEFAULT_S3_SETTINGS.connectTimeoutMs, DEFAULT_S3_SETTINGS.idleTimeoutMs]).toEqual([5_000, 10_000]);
  });

  it('take durations with a unit and reach the SDK client as milliseconds', () => {
    expect(timeouts(yaml('connect_timeout: 250ms', 'idle_timeout: 2m'))).toEqual({
      connect: 250,
      idle: 120_000,
      client: { connectionTimeout: 250, socketTimeout: 120_000 },
    });
    expect(timeouts(yaml('connect_timeout: 1m30s', 'idle_timeout: 1h'))).toMatchObject({ connect: 90_000, idle: 3_600_000 });
  });

  it('read ${VAR} from the environment, with ${VAR:-default} when it is unset', () => {
    const text = yaml('connect_timeout: ${S3_CONNECT_TIMEOUT:-3s}', 'idle_timeout: ${S3_IDLE_TIMEOUT}');
    expect(timeouts(text, { S3_CONNECT_TIMEOUT: '750ms', S3_IDLE_TIMEOUT: '45s' })).toMatchObject({ connect: 750, idle: 45_000 });
    expect(timeouts(text, { S3_IDLE_TIMEOUT: '5s' })).toMatchObject({ connect: 3_000, idle: 5_000 });
    expect(errors(text, {})).toEqual([expect.stringMatching(/^\/srv\/lake\/floe\.yaml:7:19: .*S3_IDLE_TIMEOUT is not set/)]);
  });

  it('reject zero, more than an hour, a bare number and a malformed duration, each at its line and column', () => {
    const text = yaml('connect_timeout: 0s', 'idle_timeout: 2h');
    expect(errors(text)).toEqual([
      "/srv/lake/floe.yaml:6:22: storage.s3.connect_timeout: '0s' is out of range: a timeout must be more than 0s and at most 1h",
      "/srv/lake/floe.yaml:7:19: storage.s3.idle_timeout: '2h' is out of range: a timeout must be more than 0s and at most 1h",
    ]);
    expect(errors(yaml('connect_timeout: 5'))).toEqual(['/srv/lake/floe.yaml:6:22: storage.s3.connect_timeout: expected string, got number']);
    expect(errors(yaml('idle_timeout: soon'))).toEqual([
      "/srv/lake/floe.yaml:6:19: storage.s3.idle_timeout: invalid duration 'soon': expected a duration with a unit, e.g. 500ms, 10s or 2m",
    ]);
    expect(errors(yaml('idle_timout: 5s'))).toEqual([expect.stringMatching(/^\/srv\/lake\/floe\.yaml:6:5: storage\.s3\.idle_timout: unknown key 'idle_timout' \(did you mean 'idle_timeout'\?\)/)]);
  });

  it('a bad value from the environment is reported at the reference', () => {
    expect(errors(yaml('connect_timeout: ${CT}'), { CT: '-1s' })).toEqual([
      "/srv/lake/floe.yaml:6:22: storage.s3.connect_timeout: invalid duration '-1s': expected a duration with a unit, e.g. 500ms, 10s or 2m",
    ]);
  });
});
