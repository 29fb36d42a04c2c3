import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Image, ImageSpec, ImageStatus } from '../../crds/index.js';
import { ImageTriggers } from './image-triggers.js';

function image(spec: Partial<ImageSpec>, status: Partial<ImageStatus>): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: {
      image: 'registry.example.com/web',
      triggers: [{ type: 'webhook' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
      ...spec,
    },
    status: {
      result: 'Success',
      conditions: [
        {
          type: 'UpToDate',
          status: 'True',
          reason: 'NoUpdate',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          observedGeneration: 1,
        },
      ],
      ...status,
    },
  } as Image;
}

function track(img: Image): string[] {
  const queued: string[] = [];
  new ImageTriggers({
    scheduler: { set: () => [], delete: () => true },
    enqueue: (key, trigger) => void queued.push(`${key} ${trigger}`),
    refreshPending: () => false,
    answerPending: () => false,
    forget: () => undefined,
    leading: () => true,
    log: pino({ level: 'silent' }),
  }).track(img);
  return queued;
}

describe('ImageTriggers.track: wake-ups after a restart', () => {
  it('an Image checked with nothing pending is not evaluated at start', () => {
    expect(track(image({}, {}))).toEqual([]);
  });

  it('an Image whose decision waits for a window is evaluated once, which re-arms the wake-up', () => {
    const waiting = {
      tag: 'v1.1.0',
      since: '2026-01-01T00:00:00Z',
      opensAt: '2026-01-01T02:00:00Z',
    };
    expect(track(image({}, { waiting }))).toEqual(['ns/web missed']);
  });

  it('an Image with minTagAge is evaluated once (a young candidate may be due)', () => {
    expect(track(image({ minTagAge: '1h' }, {}))).toEqual(['ns/web missed']);
  });
});
