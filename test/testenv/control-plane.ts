import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { logTail, startProcess, type ManagedProcess } from './procs.js';
import { rsaKeyPair } from './pki.js';
import { waitFor } from './wait.js';

/** kwok's stages: its fast defaults plus Pods that fail for chosen tags (see the file). */
const KWOK_STAGES = fileURLToPath(new URL('./kwok-stages.yaml', import.meta.url));

export const assetBinaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;

export interface ControlPlane {
  kubeconfig: string;
  apiServerURL: string;
  adminToken: string;
  nodeName: string;
  /** Restart only the apiserver (same port, same etcd): for tests of recovery from an apiserver outage. */
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where the control plane binaries are: $TAGPILOT_ASSETS (set by hack/test.sh), else $KUBEBUILDER_ASSETS.
 * A missing binary is an error, never a skip: `hack/testenv-assets.sh` builds them.
 */
export function resolveAssets(): string {
  const dir = process.env.TAGPILOT_ASSETS ?? process.env.KUBEBUILDER_ASSETS;
  if (!dir) {
    throw new Error(
      'no control plane binaries: set TAGPILOT_ASSETS=$(hack/testenv-assets.sh), or run the tests through `make test`',
    );
  }
  const missing = assetBinaries.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) {
    throw new Error(`${dir} lacks ${missing.join(', ')}; run hack/testenv-assets.sh to build them`);
  }
  return dir;
}

function httpsGet(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitHealthy(
  proc: ManagedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
) {
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  try {
    await waitFor(
      `${what} to become healthy`,
      async () => {
        if (exitCode !== undefined) throw new Error(`${what} exited with code ${exitCode}`);
        return check();
      },
      { timeoutMs, intervalMs: 300 },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
    );
  }
}

export async function startControlPlane(opts: {
  stateDir: string;
  dataDir: string;
  logDir: string;
  log: (m: string) => void;
  /** Extra kube-controller-manager flags (the controller bench raises its client's QPS with them). */
  controllerManagerArgs?: readonly string[];
}): Promise<ControlPlane> {
  const assets = resolveAssets();
  const bin = (name: string) => join(assets, name);
  const { stateDir, dataDir, logDir, log } = opts;
  const procs: ManagedProcess[] = [];
  const start = (name: string, args: string[]) => {
    const p = startProcess(stateDir, logDir, name, bin(name), args);
    procs.push(p);
    return p;
  };
  mkdirSync(dataDir, { recursive: true });

  try {
    // etcd
    const [etcdPort, peerPort] = [await freePort(), await freePort()];
    const etcdURL = `http://127.0.0.1:${etcdPort}`;
    const etcd = start('etcd', [
      `--data-dir=${join(dataDir, 'etcd')}`,
      `--listen-client-urls=${etcdURL}`,
      `--advertise-client-urls=${etcdURL}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await waitHealthy(etcd, 'etcd', async () => (await fetch(`${etcdURL}/health`)).ok);
    log(`etcd up on ${etcdURL}`);

    // kube-apiserver: a static admin token (group system:masters) keeps client set-up to one header.
    const certDir = join(dataDir, 'apiserver-certs');
    mkdirSync(certDir, { recursive: true });
    const sa = rsaKeyPair();
    const saKey = join(dataDir, 'sa.key');
    const saPub = join(dataDir, 'sa.pub');
    writeFileSync(saKey, sa.privateKeyPem, { mode: 0o600 });
    writeFileSync(saPub, sa.publicKeyPem);
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(dataDir, 'tokens.csv');
    writeFileSync(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    const apiPort = await freePort();
    const apiServerURL = `https://127.0.0.1:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=${etcdURL}`,
      `--cert-dir=${certDir}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokenFile}`,
      '--enable-priority-and-fairness=false',
      '--event-ttl=1h',
    ];
    let apiserver = start('kube-apiserver', apiArgs);
    const apiReady = async () => (await httpsGet(`${apiServerURL}/readyz`, adminToken)).status === 200;
    await waitHealthy(apiserver, 'kube-apiserver', apiReady, 120_000);
    log(`kube-apiserver up on ${apiServerURL}`);

    const caFile = join(certDir, 'apiserver.crt');
    const kubeconfig = join(dataDir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: tagpilot-test',
        '  cluster:',
        `    server: ${apiServerURL}`,
        `    certificate-authority-data: ${readFileSync(caFile).toString('base64')}`,
        'users:',
        '- name: admin',
        '  user:',
        `    token: ${adminToken}`,
        'contexts:',
        '- name: tagpilot-test',
        '  context: {cluster: tagpilot-test, user: admin, namespace: default}',
        'current-context: tagpilot-test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    const kcmPort = await freePort();
    const kcm = start('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--controllers=*',
      '--concurrent-deployment-syncs=10',
      ...(opts.controllerManagerArgs ?? []),
    ]);
    const schedPort = await freePort();
    const scheduler = start('kube-scheduler', [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
    ]);
    await waitHealthy(
      kcm,
      'kube-controller-manager',
      async () => (await httpsGet(`https://127.0.0.1:${kcmPort}/healthz`, adminToken)).status === 200,
    );
    await waitHealthy(
      scheduler,
      'kube-scheduler',
      async () => (await httpsGet(`https://127.0.0.1:${schedPort}/healthz`, adminToken)).status === 200,
    );
    log('kube-controller-manager and kube-scheduler up');

    // kwok plays the kubelet of one fake node: Pods bound to it go Running without containers, except
    // chosen tags that crash-loop or never become Ready (kwok-stages.yaml says which).
    const nodeName = 'kwok-node-0';
    const kwokPort = await freePort();
    const kwok = start('kwok', [
      `--kubeconfig=${kubeconfig}`,
      `--config=${KWOK_STAGES}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${kwokPort}`,
      '--node-ip=127.0.0.1',
      '--cidr=10.244.0.0/16',
    ]);
    await createFakeNode(apiServerURL, adminToken, nodeName);
    await waitHealthy(kwok, `kwok node ${nodeName}`, async () => {
      const res = await httpsGet(`${apiServerURL}/api/v1/nodes/${nodeName}`, adminToken);
      if (res.status !== 200) return false;
      const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    log(`kwok node ${nodeName} Ready`);

    return {
      kubeconfig,
      apiServerURL,
      adminToken,
      nodeName,
      async restartApiServer() {
        await apiserver.stop();
        procs.splice(procs.indexOf(apiserver), 1);
        apiserver = start('kube-apiserver', apiArgs);
        await waitHealthy(apiserver, 'kube-apiserver (restarted)', apiReady, 120_000);
      },
      async stop() {
        for (const p of [...procs].reverse()) await p.stop();
      },
    };
  } catch (err) {
    for (const p of [...procs].reverse()) await p.stop();
    throw err;
  }
}

async function createFakeNode(apiServerURL: string, token: string, name: string): Promise<void> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '1000' },
      capacity: { cpu: '32', memory: '256Gi', pods: '1000' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
      },
    },
  };
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const body = JSON.stringify(node);
    const req = request(
      `${apiServerURL}/api/v1/nodes`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating node ${name}: HTTP ${res.status} ${res.body}`);
}
