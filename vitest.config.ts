import { defineConfig } from 'vitest/config';

// One suite. Interop tests (test/interop) need the Python venv and Spark jars that
// scripts/test.sh provisions; they fail loudly, never skip, when those are missing.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A failed (timed-out) test describes and kills the children it left running.
    setupFiles: ['test/setup/hang-report.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // 2 cores: more workers only thrash DuckDB and the JVM.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
