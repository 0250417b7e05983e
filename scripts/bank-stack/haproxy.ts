// haproxy in front of the instances: HTTPS with the bank CA's certificate for the
// desktops and the markets; HTTPS to each instance, checked against the internal
// CA; an instance gets requests only while its readiness check says 200, so a
// stopping one is drained first. It gives each request an id (X-Request-Id) that
// the instance logs and answers with.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, daemon, signal, waitFor } from './proc';
import { listening } from './pgbouncer';

export interface ProxyLayout {
  dir: string;
  port: number;
  /** The certificate the bank CA issued followed by its key (haproxy's crt file), 0600. */
  pem: string;
  internalCa: string;
  instances: { name: string; port: number }[];
}

export function writeConfig(layout: ProxyLayout): string {
  const file = join(layout.dir, 'haproxy.cfg');
  const servers = layout.instances.map((i) => `  server ${i.name} 127.0.0.1:${i.port}`).join('\n');
  writeFileSync(
    file,
    `# settlekey bank stack — written by scripts/bank-stack
global
  log stdout format raw local0 info
  maxconn 4000
  ssl-default-bind-options ssl-min-ver TLSv1.2
  ssl-default-server-options ssl-min-ver TLSv1.2

defaults
  mode http
  log global
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  # a connection an instance refused (killed, not yet marked down) goes to another; a request
  # that reached one is never sent twice by the proxy (the client's idempotency key does that)
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend public
  bind 127.0.0.1:${layout.port} ssl crt ${layout.pem}
  unique-id-format %[uuid()]
  http-request set-header X-Request-Id %[unique-id]
  log-format "%ci [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B request_id=%ID %HM %HP"
  # /metrics is served on each instance's internal port only; never through here
  http-request deny deny_status 404 if { path_beg /metrics }
  default_backend settlement

backend settlement
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  # two failed checks (a second) take an instance out; a refused connection is sent elsewhere at once
  timeout check 2s
  default-server ssl verify required ca-file ${layout.internalCa} check inter 500ms fall 2 rise 2
${servers}
`,
  );
  return file;
}

export async function start(layout: ProxyLayout): Promise<number> {
  const file = writeConfig(layout);
  const pid = daemon('haproxy', ['-db', '-f', file], { log: join(layout.dir, 'haproxy.log') });
  await waitFor('haproxy listening', 20_000, () => listening(layout.port));
  return pid;
}

export async function stop(pid: number | undefined): Promise<void> {
  signal(pid, 'SIGUSR1'); // soft stop: the connections in hand finish
  await waitFor('haproxy stopped', 20_000, () => !alive(pid)).catch(() => signal(pid, 'SIGKILL'));
}
