// The AdmissionReview load generator shared by bench/admission.ts (the webhook server alone) and
// bench/operator.ts (the whole operator program with its Images from a real apiserver): a realistic Pod
// CREATE review, one HTTPS POST to /mutate, and an open-loop schedule whose latency is measured from each
// request's *scheduled* send time, so a stalled server cannot hide its queueing delay. A module, not a
// bench: hack/bench.sh runs bench/*.ts only.
import { Agent, request } from 'undici';

/** What a review asks about: the Pod's namespace and its init container's and containers' images. */
export interface PodShape {
  namespace: string;
  /** [init container, first container]; a third container (envoy) is never followed. */
  images: readonly [string, string];
}

/** A Pod as the apiserver sends it for a create: three containers, two of them followed by Images. */
export function podReview(uid: string, pod: PodShape): string {
  const container = (name: string, image: string) => ({
    name,
    image,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
    terminationMessagePath: '/dev/termination-log',
    imagePullPolicy: 'IfNotPresent',
  });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: pod.namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:ci:deployer',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'web-',
          namespace: pod.namespace,
          labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop', 'tagpilot.dev/webhook': 'enabled' },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
        },
        spec: {
          initContainers: [container('migrate', pod.images[0])],
          containers: [
            container('web', pod.images[1]),
            container('sidecar', 'docker.io/library/envoy:v1.30.1'),
          ],
          volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'web',
          schedulerName: 'default-scheduler',
        },
        status: {},
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

export interface Target {
  name: string;
  port: number;
  agent: Agent;
  /** The answer must carry a JSON patch (both followed containers pinned). */
  expectPatch: boolean;
}

export const insecureAgent = () => new Agent({ connect: { rejectUnauthorized: false }, connections: 64 });

export async function send(t: Target, body: string): Promise<void> {
  const res = await request(`https://127.0.0.1:${t.port}/mutate`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    dispatcher: t.agent,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}: ${text}`);
  // The real webhook must have pinned the followed containers: otherwise this measures the wrong thing.
  if (t.expectPatch && !text.includes('"patch"')) throw new Error(`${t.name}: no patch in ${text}`);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Open loop: one request every 1/rate s from a fixed schedule; latency from the scheduled time.
 * `review(i)` builds the i-th body. The first error is kept, so a broken run says why.
 */
export async function openLoop(
  t: Target,
  rate: number,
  seconds: number,
  latencies: number[],
  review: (i: number) => string,
): Promise<{ achieved: number; errors: number; firstError?: string; slowBySecond: number[] }> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  let errors = 0;
  let firstError: string | undefined;
  let ok = 0;
  // Requests over 10 ms by the second of the schedule they were due in: a stall shows as one second's spike.
  const slowBySecond = Array.from({ length: Math.ceil(seconds) }, () => 0);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send(t, review(i)).then(
        () => {
          ok++;
          const latency = performance.now() - due;
          latencies.push(latency);
          if (latency > 10) slowBySecond[Math.floor(i / rate)]! += 1;
        },
        (err: unknown) => {
          errors++;
          firstError ??= (err as Error).message;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return {
    achieved: ok / ((performance.now() - start) / 1000),
    errors,
    slowBySecond,
    ...(firstError ? { firstError } : {}),
  };
}
