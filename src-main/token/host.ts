// The token host: the only process that will load pkcs11js (the USB-KEY issue
// fills it in). It runs as an Electron utilityProcess or, in the browser shell,
// a Node child process, and answers requests posted to it by id.
interface HostRequest {
  id: number;
  op: string;
}

interface Port {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: { data: HostRequest } | HostRequest) => void): void;
}

const parentPort = (process as unknown as { parentPort?: Port }).parentPort;

function reply(message: unknown): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

function handle(request: HostRequest): void {
  if (request.op === 'ping') reply({ id: request.id, ok: true, value: { pid: process.pid } });
  else reply({ id: request.id, ok: false, error: { code: 'NOT_AVAILABLE_YET' } });
}

if (parentPort) parentPort.on('message', (message) => handle('data' in message ? message.data : message));
else process.on('message', (message) => handle(message as HostRequest));
