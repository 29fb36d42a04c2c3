// The dedupe record on a real Image: claim and result written as annotations with resourceVersion
// preconditions, a "restarted controller" (new holder) that does not resend, and the Events the
// controller will create for each channel, accepted by the real apiserver.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type AlertConfig, type Image } from '../../../crds/index.js';
import {
  ALERT_STATE_ANNOTATION,
  imageAlertStateStore,
  imageEvent,
  outcomeEvents,
  parseAlertState,
  sendAlertOnce,
  skipEvent,
  StateConflict,
  type Notification,
} from '../../../controller/alerts/index.js';
import { adminKubeConfig, createTestNamespace } from '../../testenv/kube.js';
import { installCRDsWith } from '../../testenv/crds.js';
import { startHttpPeer, type HttpPeer } from './peers.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);

let namespace: string;
let slack: HttpPeer;
let hook: HttpPeer;

beforeAll(async () => {
  await installCRDsWith(kc);
  namespace = await createTestNamespace(env, 'alerts-once');
  slack = await startHttpPeer();
  hook = await startHttpPeer({ status: 500, body: 'down' });
});
afterAll(async () => {
  await slack?.close();
  await hook?.close();
});

async function createImage(name: string): Promise<Image> {
  const body: Image = {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name, namespace },
    spec: {
      image: 'ghcr.io/acme/web',
      triggers: [{ type: 'webhook' }],
      rules: [
        {
          name: 'minor',
          type: 'semver-minor',
          actions: [{ type: 'alert', alertConfigRef: { name: 'team' } }],
        },
      ],
    },
  };
  return (await custom.createNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace,
    body,
  })) as Image;
}

async function readImage(name: string): Promise<Image> {
  return (await custom.getNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace,
    name,
  })) as Image;
}

function alertConfig(): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace },
    spec: { slack: { webhookURL: { value: slack.url('/slack') } }, webhook: { url: hook.url('/hook') } },
  };
}

const update = (name: string): Notification => ({
  namespace,
  name,
  image: 'ghcr.io/acme/web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:' + 'e'.repeat(64),
  rule: 'minor',
  time: new Date(),
});

const fast = { retry: { attempts: 1 }, sleep: async () => undefined };

describe('sendAlertOnce on a real Image', () => {
  it('records the delivery on the Image and does not resend after a controller restart', async () => {
    await createImage('web');
    const store = imageAlertStateStore(custom, namespace, 'web');
    const first = await sendAlertOnce(alertConfig(), update('web'), {
      store,
      holder: 'controller-1',
      ...fast,
    });
    expect(first.status).toBe('delivered');
    expect(first.status === 'delivered' && first.recorded).toBe(true);
    expect(slack.requests).toHaveLength(1);

    const image = await readImage('web');
    const state = parseAlertState(image.metadata.annotations?.[ALERT_STATE_ANNOTATION]);
    expect(state?.configs.team).toMatchObject({
      state: 'Done',
      by: 'controller-1',
      sent: ['slack'],
      failed: ['webhook'],
    });

    // A new controller process (new holder) sees the same update again, e.g. from a repeated trigger.
    const again = await sendAlertOnce(alertConfig(), update('web'), {
      store,
      holder: 'controller-2',
      ...fast,
    });
    expect(again).toMatchObject({ status: 'skipped', decision: { reason: 'AlreadySent' } });
    expect(slack.requests).toHaveLength(1);
  });

  it('rejects a claim written against a stale resourceVersion', async () => {
    await createImage('stale');
    const store = imageAlertStateStore(custom, namespace, 'stale');
    const { resourceVersion } = await store.read();
    await store.write('{"v":1,"update":"a","configs":{}}', resourceVersion);
    await expect(store.write('{"v":1,"update":"b","configs":{}}', resourceVersion)).rejects.toBeInstanceOf(
      StateConflict,
    );
    expect(parseAlertState((await store.read()).annotation)?.update).toBe('a');
  });

  it('produces Events the apiserver accepts, one per channel, that say which channel failed and why', async () => {
    const image = await createImage('events');
    const store = imageAlertStateStore(custom, namespace, 'events');
    const result = await sendAlertOnce(alertConfig(), update('events'), {
      store,
      holder: 'controller-1',
      ...fast,
    });
    if (result.status !== 'delivered') throw new Error(`expected a delivery, got ${result.status}`);
    const now = new Date();
    for (const spec of outcomeEvents('team', 'v1.4.0 → v1.5.0', result.outcomes)) {
      await core.createNamespacedEvent({ namespace, body: imageEvent(image, spec, now) });
    }
    const skipped = await sendAlertOnce(alertConfig(), update('events'), {
      store,
      holder: 'controller-1',
      ...fast,
    });
    if (skipped.status === 'skipped') {
      const spec = skipEvent('team', 'v1.4.0 → v1.5.0', skipped.decision);
      if (spec) await core.createNamespacedEvent({ namespace, body: imageEvent(image, spec, now) });
    }

    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=events,involvedObject.kind=Image`,
    });
    const got = events.items.map((e) => [e.type, e.reason, e.message]).sort();
    expect(got).toEqual([
      ['Normal', 'AlertSent', 'slack (AlertConfig team, v1.4.0 → v1.5.0): sent (1 attempt)'],
      [
        'Warning',
        'AlertFailed',
        expect.stringMatching(
          /^webhook \(AlertConfig team, v1\.4\.0 → v1\.5\.0\): failed after 1 attempt: 127\.0\.0\.1:\d+: HTTP 500: down$/,
        ),
      ],
    ]);
    expect(events.items.every((e) => e.involvedObject.uid === image.metadata.uid)).toBe(true);
  });
});
