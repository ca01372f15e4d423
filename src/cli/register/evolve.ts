/** `floe table evolve <table> ...`: schema, partition spec and sort order changes. */
import type { Command } from 'commander';

export function registerEvolve(_table: Command): void {}
