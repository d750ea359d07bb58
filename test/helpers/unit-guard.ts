/**
 * Loaded (`--import`) into every file of the unit tier (`*.unit.test.ts`, `npm run test:unit`):
 * a unit test that opens a socket or starts a process fails at that call, naming it, instead of
 * quietly making the fast tier slow and flaky. Such a test belongs in the integration tier (a
 * plain `*.test.ts`). Only test processes are guarded (the runner itself spawns one per file).
 */
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import dgram from 'node:dgram';
import childProcess from 'node:child_process';

function refuse(what: string): never {
  throw new Error(`unit tests open no sockets and start no processes (${what}); make this a *.test.ts integration test`);
}

if (process.env['NODE_TEST_CONTEXT']) {
  const forbid = (obj: object, names: string[], label: string): void => {
    for (const name of names) Object.defineProperty(obj, name, { value: () => refuse(`${label}.${name}`), writable: true, configurable: true });
  };
  forbid(net.Server.prototype, ['listen'], 'net.Server');
  forbid(net.Socket.prototype, ['connect'], 'net.Socket');
  forbid(dgram.Socket.prototype, ['bind', 'send', 'connect'], 'dgram.Socket');
  forbid(childProcess, ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'child_process');
  // `import { spawn } from 'node:child_process'` reads the ESM named exports: bring them in line.
  syncBuiltinESMExports();
}
