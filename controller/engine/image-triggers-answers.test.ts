import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Image } from '../../crds/index.js';
import { ImageTriggers } from './image-triggers.js';

const image = (annotations: Record<string, string> = {}, generation = 1): Image => ({
  apiVersion: 'tagpilot.dev/v1alpha1',
  kind: 'Image',
  metadata: { name: 'web', namespace: 'ns', generation, annotations },
  spec: { image: 'r/web', triggers: [{ type: 'crontab', value: '@every 1m' }], rules: [] },
});

function triggers(answerPending: (i: Image) => boolean) {
  const queued: string[] = [];
  const t = new ImageTriggers({
    scheduler: { set: () => [], delete: () => true },
    enqueue: (key, trigger) => void queued.push(`${key} ${trigger}`),
    refreshPending: () => false,
    answerPending,
    forget: () => undefined,
    leading: () => true,
    log: pino({ level: 'silent' }),
  });
  return { t, queued };
}

describe('ImageTriggers and approval answers', () => {
  const answered = (i: Image) =>
    i.metadata.annotations?.['tagpilot.dev/approve'] !== undefined ||
    i.metadata.annotations?.['tagpilot.dev/reject'] !== undefined;

  it.each([
    ['an approve annotation set', {}, { 'tagpilot.dev/approve': '1.2.0' }, ['ns/web approval']],
    ['a reject annotation set', {}, { 'tagpilot.dev/reject': '1.2.0' }, ['ns/web approval']],
    [
      'an approve annotation changed',
      { 'tagpilot.dev/approve': '1.1.0' },
      { 'tagpilot.dev/approve': '1.2.0' },
      ['ns/web approval'],
    ],
    ['the controller removing an answer', { 'tagpilot.dev/approve': '1.2.0' }, {}, []],
    ['another annotation', {}, { other: 'x' }, []],
  ])('%s (no generation change)', (_what, before, after, want) => {
    const { t, queued } = triggers(answered);
    t.onUpdate(image(after), image(before));
    expect(queued).toEqual(want);
  });

  it('queues an Image that carries an answer when this replica starts leading', () => {
    const { t, queued } = triggers(answered);
    t.track({ ...image({ 'tagpilot.dev/approve': '1.2.0' }), status: { result: 'Success' } });
    expect(queued).toEqual(['ns/web approval']);
  });
});
