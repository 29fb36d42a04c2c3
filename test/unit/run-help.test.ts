// What `make run` prints: a port in use named with its variable, bad port variables, the access banner.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortsFree, embeddedBanner, portInUseMessage, runPorts } from '../../hack/run-help.js';
import type { TestEnvInfo } from '../testenv/types.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('make run ports', () => {
  it('names the port, what wanted it, the variable to change and the likely cause', async () => {
    const taken = await listen(0);
    const port = (taken.address() as { port: number }).port;
    // Node's own error for a second listener on the same port.
    const err = await listen(port).catch((e: unknown) => e);
    const ports = runPorts({ TAGPILOT_CONTROLLER_PORT: String(port) });
    const message = portInUseMessage(err, ports);
    expect(message).toContain(`port 127.0.0.1:${port} is already in use (wanted for the controller`);
    expect(message).toContain(`TAGPILOT_CONTROLLER_PORT=<port> make run`);
    expect(message).toContain('Another `make run` or `make dev` may still be running');
    expect(portInUseMessage(new Error('something else'), ports)).toBeUndefined();
  });

  it('checks the ports before starting anything', async () => {
    const taken = await listen(0);
    const port = (taken.address() as { port: number }).port;
    // The other two on 0 (any free port): the defaults may be taken by a `make run` on this machine.
    const only = { TAGPILOT_CONTROLLER_PORT: '0', TAGPILOT_OPERATOR_WEBHOOK_PORT: '0' };
    await expect(
      assertPortsFree(runPorts({ ...only, TAGPILOT_OPERATOR_METRICS_PORT: String(port) })),
    ).rejects.toThrow(`port 127.0.0.1:${port} is already in use (wanted for the operator /metrics)`);
    taken.close();
    await new Promise((r) => setTimeout(r, 50));
    const free = runPorts({
      TAGPILOT_CONTROLLER_PORT: '0',
      TAGPILOT_OPERATOR_METRICS_PORT: String(port),
      TAGPILOT_OPERATOR_WEBHOOK_PORT: '0',
    });
    await expect(assertPortsFree(free)).resolves.toBeUndefined();
  });

  it('defaults to 8080, 8081, 9443 and rejects a variable that is not a port', () => {
    const ports = runPorts({});
    expect([ports.controller.port, ports.operatorMetrics.port, ports.operatorWebhook.port]).toEqual([
      8080, 8081, 9443,
    ]);
    expect(runPorts({ TAGPILOT_OPERATOR_WEBHOOK_PORT: '0' }).operatorWebhook.port).toBe(0);
    expect(() => runPorts({ TAGPILOT_OPERATOR_METRICS_PORT: 'eighty' })).toThrow(
      'TAGPILOT_OPERATOR_METRICS_PORT=eighty is not a port number',
    );
  });
});

describe('make run banner', () => {
  it('prints the kubeconfig, the tools PATH, every registry with user and password', () => {
    const info = {
      apiServerURL: 'https://127.0.0.1:6443',
      logDir: '/tmp/logs',
      registries: {
        anonymous: { mode: 'anonymous', host: '127.0.0.1:5000' },
        basic: { mode: 'basic', host: '127.0.0.1:5001', username: 'tagpilot', password: 'p-basic' },
        token: { mode: 'token', host: '127.0.0.1:5002', username: 'tagpilot', password: 'p-token' },
      },
    } as unknown as TestEnvInfo;
    const text = embeddedBanner(
      info,
      { kubeconfig: '/r/.tagpilot/kubeconfig', toolsDir: '/r/.tagpilot/bin' },
      runPorts({}),
    );
    expect(text).toContain('export KUBECONFIG=/r/.tagpilot/kubeconfig');
    expect(text).toContain('export PATH="/r/.tagpilot/bin:$PATH"');
    expect(text).toMatch(/basic auth: 127\.0\.0\.1:5001 +user tagpilot +password p-basic/);
    expect(text).toMatch(/token auth: 127\.0\.0\.1:5002 +user tagpilot +password p-token/);
    expect(text).toContain('9443 (TAGPILOT_OPERATOR_WEBHOOK_PORT)');
  });
});
