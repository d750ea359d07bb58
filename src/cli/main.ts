#!/usr/bin/env node
/** The `hushgate` command. Subcommands live in `commands/`, one file each. */
import { Command } from 'commander';
import { registerStartCommand } from './commands/start.js';

const program = new Command();
program.name('hushgate').description('Self-hosted voice agent gateway with privacy built in').version('0.1.0');
registerStartCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`hushgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
