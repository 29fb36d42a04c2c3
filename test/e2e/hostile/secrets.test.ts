// Sentinels in every kind of secret the controller holds, sent to peers that echo back what they received
// (request path and query, headers, body, credentials; in other letter cases too) in their error answers.
// Nothing of any sentinel may reach a log line of the real controller program (its stdout and stderr),
// an Event or a status, in any letter case.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startControllerProcess, type ControllerProcess } from '../../testenv/controller-process.js';
import { pushImage } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
/** Every secret below contains this; it appears nowhere else (object names, hosts, tags). */
const SENTINEL = `Snt${randomBytes(5).toString('hex')}`;
/** Random tails, to spot an echo of part of a secret without matching its readable kind name. */
const tails: string[] = [];
const kinds = new Map<string, string>();
const secret = (kind: string) => {
  const tail = randomBytes(6).toString('hex');
  tails.push(tail);
  kinds.set(tail, kind);
  return `${SENTINEL}${tail}`;
};

const S = {
  slackTeam: secret('SlackTeam'),
  slackToken: secret('SlackToken'),
  discordToken: secret('DiscordToken'),
  teamsKey: secret('TeamsKey'),
  hmac: secret('Hmac'),
  header: secret('HeaderValue'),
  smtpUser: secret('SmtpUser'),
  smtpPassword: secret('SmtpPassword'),
  pullPassword: secret('PullPassword'),
  pullIdentity: secret('PullIdentity'),
  pullRegistryToken: secret('PullRegistryToken'),
  hook: secret('Hook'),
};

let ns: string;
let controller: ControllerProcess | undefined;
const closers: (() => Promise<void>)[] = [];

/**
 * What a careless peer sends back: everything it got, credentials first (clients cut long errors), as is,
 * decoded, and in other letter cases.
 */
function echo(req: IncomingMessage, body: string): string {
  const auth = req.headers.authorization ?? '';
  const basic = /^Basic (.+)$/i.exec(auth)?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  const first = `invalid_token for ${req.url} (${decoded} ${auth} ${body.slice(0, 300)})`;
  const rest = `headers=${JSON.stringify(req.headers)}`;
  return `${first}; ${first.toUpperCase()}; ${first.toLowerCase()}; ${rest}; ${rest.toUpperCase()}`;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<number> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An SMTP server that refuses AUTH quoting the user name and password it got. */
async function echoSmtp(): Promise<number> {
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    hideSTARTTLS: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      const said = `user ${auth.username ?? ''} with password ${auth.password ?? ''}`;
      cb(new Error(`Authentication failed for ${said} (${said.toUpperCase()})`));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  ns = await createTestNamespace(env, 'hostile-secrets');
  controller = await startControllerProcess(env, {
    name: `secrets-${ns}`,
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    args: ['--registry-cache-ttl=1s', '--cron-jitter=0s', '--registry-timeout=5s'],
    env: { TAGPILOT_HOOK_SECRET_DISTRIBUTION: S.hook, TAGPILOT_HOOK_SECRET_GENERIC: S.hook },
  });
});

afterAll(async () => {
  await controller?.stop();
  for (const close of closers) await close();
});

/** Every text the cluster holds about this namespace: Image and AlertConfig statuses and all Events. */
async function clusterTexts(): Promise<string> {
  const texts: string[] = [];
  for (const plural of ['images', 'alertconfigs']) {
    const list = (await cluster.custom.listNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural,
      namespace: ns,
    })) as { items: { status?: unknown }[] };
    for (const item of list.items) texts.push(JSON.stringify(item.status ?? {}));
  }
  const events = await cluster.core.listNamespacedEvent({ namespace: ns });
  for (const e of events.items) texts.push(`${e.reason}: ${e.message}`);
  return texts.join('\n');
}

/** What would count as a leak: the sentinel, or 8 characters in a row of a secret's random tail. */
function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  if (lower.includes(SENTINEL.toLowerCase())) found.push(SENTINEL);
  for (const tail of tails) {
    for (let i = 0; i + 8 <= tail.length; i++) {
      if (lower.includes(tail.slice(i, i + 8))) {
        found.push(`${kinds.get(tail)} (${tail})`);
        break;
      }
    }
  }
  return found;
}

describe('secrets never leak through echoing peers', () => {
  it('alerts, pull secrets and hooks: no sentinel in logs, Events or status', async () => {
    // Alert peers that fail with 403 and echo the request.
    const httpPort = await listen((req, res, body) => res.writeHead(403).end(echo(req, body)));
    const smtpPort = await echoSmtp();
    const peer = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
    await cluster.custom.createNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'alertconfigs',
      namespace: ns,
      body: {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'AlertConfig',
        metadata: { name: 'echo' },
        spec: {
          slack: { webhookURL: { value: peer(`/services/${S.slackTeam}/B0123456/${S.slackToken}`) } },
          discord: { webhookURL: { value: peer(`/api/webhooks/123456789/${S.discordToken}`) } },
          msteams: { webhookURL: { value: peer(`/webhookb2/x/IncomingWebhook/${S.teamsKey}`) } },
          webhook: {
            url: peer('/hook'),
            secret: { value: S.hmac },
            headers: [{ name: 'X-Api-Key', value: { value: S.header } }],
          },
          email: {
            host: '127.0.0.1',
            port: smtpPort,
            tlsMode: 'None',
            username: { value: S.smtpUser },
            password: { value: S.smtpPassword },
            from: 'tagpilot@example.com',
            to: ['ops@example.com'],
          },
        },
      },
    });
    const repo = `hostile-secrets-${randomBytes(3).toString('hex')}/app`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createImage(
      ns,
      'alerting',
      imageSpec(anon, repo, {
        baseTag: 'v1.0.0',
        actions: [{ type: 'alert', alertConfigRef: { name: 'echo' } }],
      }),
    );
    await cluster.waitForStatus(ns, 'alerting', 'first check', (s) => s.result === 'Success');
    await pushImage(anon, repo, 'v1.0.1');

    // A registry that refuses every credential, quoting it (Basic user:password, bearer tokens, the
    // refresh token posted to its token endpoint) in its error.
    let registryPort = 0;
    registryPort = await listen((req, res, body) => {
      const errors = (message: string) => JSON.stringify({ errors: [{ code: 'DENIED', message }] });
      if (req.url?.startsWith('/token')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(errors(echo(req, body)));
        return;
      }
      if (!req.headers.authorization) {
        const challenge = req.url?.includes('bearer')
          ? `Bearer realm="http://127.0.0.1:${registryPort}/token",service="echo"`
          : 'Basic realm="echo"';
        res
          .writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
          .end(errors('auth'));
        return;
      }
      res.writeHead(403, { 'content-type': 'application/json' }).end(errors(echo(req, body)));
    });
    const host = `127.0.0.1:${registryPort}`;
    const pullSecret = async (name: string, entry: Record<string, string>) =>
      cluster.core.createNamespacedSecret({
        namespace: ns,
        body: {
          metadata: { name },
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [host]: entry } })).toString('base64'),
          },
        },
      });
    await pullSecret('basic', {
      // The user name is no secret: messages name it on purpose, to tell which pull secret was used.
      auth: Buffer.from(`robot:${S.pullPassword}`).toString('base64'),
    });
    await pullSecret('identity', { identitytoken: S.pullIdentity });
    await pullSecret('registrytoken', { registrytoken: S.pullRegistryToken });
    const pulling = [
      ['pull-basic', 'basic', 'team/app'],
      ['pull-basic-bearer', 'basic', 'bearer/app'],
      ['pull-identity', 'identity', 'bearer/app'],
      ['pull-registrytoken', 'registrytoken', 'team/app'],
    ] as const;
    for (const [name, secretName, path] of pulling) {
      await cluster.createImage(ns, name, {
        image: `${host}/${path}`,
        baseTag: 'v1.0.0',
        imagePullSecrets: [{ name: secretName }],
        triggers: [{ type: 'crontab', value: '@every 10s' }],
        rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
      });
    }

    // Hook requests carrying the hook secret in a body that is not JSON (its parse error quotes it).
    for (const [path, headers] of [
      ['/v1/hooks/distribution', { authorization: `Bearer ${S.hook}` }],
      [`/v1/hooks/distribution?token=${S.hook}`, {}],
    ] as const) {
      const res = await fetch(`${controller!.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: `{"token": "${S.hook}", "also": "${S.hook.toUpperCase()}" oops`,
      });
      expect(res.status).toBe(400);
    }

    // Wait until every channel and every pull secret has failed at least once, as Events say.
    await cluster.waitForStatus(
      ns,
      'alerting',
      'the update with failed alerts',
      (s) => s.tag === 'v1.0.1',
      120_000,
    );
    for (const [name] of pulling) {
      await cluster.waitForStatus(
        ns,
        name,
        'a failed check',
        (s) => s.result !== undefined && s.result !== 'Success',
      );
    }
    const texts = await waitFor(
      'AlertNotSent/AlertFailed Events for every channel',
      async () => {
        const t = await clusterTexts();
        return ['slack', 'discord', 'msteams', 'webhook', 'email'].every((c) => t.includes(`${c} (`))
          ? t
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // The peers did echo the secrets (the test would prove nothing otherwise) ...
    expect(texts).toMatch(/HTTP 403/);
    expect(texts).toMatch(/invalid_token for/);
    expect(texts).toMatch(/\[redacted\]/);
    // ... and nothing of them is left anywhere.
    expect(leaks(texts)).toEqual([]);
    const logs = controller!.output();
    expect(logs).toMatch(/check failed/);
    expect(logs).toMatch(/webhook with a bad payload/);
    expect(leaks(logs)).toEqual([]);
  });
});
