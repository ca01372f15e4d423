/** `floe compact <table>`: rewrites small files (binpack, sort, zorder). */
import type { Command } from 'commander';

export function registerCompact(_program: Command): void {}
