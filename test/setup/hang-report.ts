/**
 * When a test fails (a timeout above all), every child process it left running is described
 * on stderr and killed: see test/helpers/hang-watch.ts.
 */
import { beforeEach } from 'vitest';
import { reportAndKillLive } from '../helpers/hang-watch.js';

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(async () => {
    const text = await reportAndKillLive();
    if (text) process.stderr.write(`\n[${task.name}]\n${text}\n\n`);
  });
});
