#!/usr/bin/env node
/** The `hushgate` command. Subcommands live in `commands/`, one file each. */
import { Command } from 'commander';
import { setLogScrubber } from '../log/index.js';
import { scrubForLogs } from '../privacy/index.js';
import { registerStartCommand } from './commands/start.js';
import { registerRedactCommand } from './commands/redact.js';
import { registerEraseCommand } from './commands/erase.js';
import { registerTrainingCommand } from './commands/training.js';
import { registerCallCommand } from './commands/call.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerAppsCommand } from './commands/apps.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerCallsCommand } from './commands/calls.js';
import { registerImportCommand } from './commands/import.js';
import { registerReceiptsCommand } from './commands/receipts.js';
import { registerRecordingsCommand } from './commands/recordings.js';
import { registerDialCommand } from './commands/dial.js';
import { PRIVATE_UMASK } from '../store/index.js';

// Whatever a command creates (stores, their -wal/-shm, exports, caches, recordings) is private to
// this user even where no explicit mode is given: the second line behind the modes set at creation.
process.umask(PRIVATE_UMASK);

// Every log line any command writes is scrubbed by the privacy detectors (invariant I1).
setLogScrubber(scrubForLogs);

const program = new Command();
program.name('hushgate').description('Self-hosted voice agent gateway with privacy built in').version('0.1.0');
registerStartCommand(program);
registerRedactCommand(program);
registerEraseCommand(program);
registerTrainingCommand(program);
registerCallCommand(program);
registerKeysCommand(program);
registerAppsCommand(program);
registerAuditCommand(program);
registerCallsCommand(program);
registerImportCommand(program);
registerReceiptsCommand(program);
registerRecordingsCommand(program);
registerDialCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`hushgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
