// `npm run bank-stack [-- --dir DIR] [--instances N]`: makes and starts the bank's
// deployment on this machine and keeps it until Ctrl-C (then stops it cleanly).
// From another terminal: `npm run bank-stack -- status|failover|rebuild-standby|stop [--dir DIR]`.
import { parseArgs } from 'node:util';
import { DEFAULT_STACK_DIR, down, failover, readState, rebuildStandby, running, stackPaths, up } from './stack';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      dir: { type: 'string', default: process.env.SETTLEKEY_STACK_DIR ?? DEFAULT_STACK_DIR },
      instances: { type: 'string', default: '2' },
    },
    allowPositionals: true,
  });
  const command = positionals[0] ?? 'up';
  if (command === 'up') {
    const n = Number(values.instances);
    if (!Number.isInteger(n) || n < 2 || n > 8) throw new Error('--instances: 2 to 8 (one is no failover)');
    const stack = await up(values.dir, { instances: n, say });
    const p = stackPaths(stack.state.dir);
    say('');
    say(`SettleKey bank stack running in ${stack.state.dir}`);
    say(
      `  public address   ${stack.url}   (certificate of the bank CA: ${p.pki}/bank-ca.pem — pin it with SETTLEKEY_BANK_CA_FILE)`,
    );
    for (const i of stack.state.instances)
      say(
        `  ${i.name.padEnd(16)} https://127.0.0.1:${i.port}   metrics http://127.0.0.1:${i.metricsPort}/metrics   log ${i.dir}/service.log`,
      );
    say(`  PgBouncer        127.0.0.1:${stack.state.bouncerPort}   (transaction pooling, TLS)`);
    say(
      `  PostgreSQL       primary a 127.0.0.1:${stack.state.clusters.a.port}, synchronous standby b 127.0.0.1:${stack.state.clusters.b.port}`,
    );
    say('Ctrl-C stops it. From another terminal: npm run bank-stack -- failover | rebuild-standby | status | stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const now = readState(stack.state.dir) ?? stack.state;
    await down(now, say);
    return;
  }
  const state = readState(values.dir);
  if (!state) throw new Error(`no stack in ${values.dir}`);
  if (command === 'status') {
    say(
      `primary ${state.primary}, standby ${state.standby ?? 'none'}; running: ${running(state).join(', ') || 'nothing'}`,
    );
  } else if (command === 'stop') await down(state, say);
  else if (command === 'failover') await failover(state, say);
  else if (command === 'rebuild-standby') await rebuildStandby(state, say);
  else throw new Error(`unknown command: ${command} (up, status, failover, rebuild-standby, stop)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bank-stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
