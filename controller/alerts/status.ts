// What the operator writes to AlertConfig status: one entry per channel and the Ready condition.
// Pure: it takes the spec's field errors and a Resolution, so the reconciler decides when to read Secrets.
import { clipMessage, type AlertConfig, type ChannelStatus, type FieldError } from '../../crds/index.js';
import { resolveChannels, type Resolution } from './resolve.js';
import { validateAlertConfigSpec } from './validate.js';
import type { ValueReader } from './values.js';

export interface ReadyCondition {
  status: 'True' | 'False';
  /** ChannelsResolved | InvalidSpec | ChannelsNotResolved */
  reason: 'ChannelsResolved' | 'InvalidSpec' | 'ChannelsNotResolved';
  message: string;
}

export interface AlertConfigReadiness {
  channels: ChannelStatus[];
  ready: ReadyCondition;
}

export function readiness(specErrors: readonly FieldError[], resolution: Resolution): AlertConfigReadiness {
  const failed = new Map(resolution.failures.map((f) => [f.channel, f.message]));
  const channels: ChannelStatus[] = resolution.configured.map((type) => {
    const message = failed.get(type);
    return message === undefined
      ? { type, resolved: true }
      : { type, resolved: false, message: clipMessage(message) };
  });
  if (specErrors.length > 0) {
    return {
      channels,
      ready: {
        status: 'False',
        reason: 'InvalidSpec',
        message: clipMessage(specErrors.map((e) => `${e.field}: ${e.message}`).join('; ')),
      },
    };
  }
  if (failed.size > 0) {
    const names = [...failed.keys()].join(', ');
    return {
      channels,
      ready: {
        status: 'False',
        reason: 'ChannelsNotResolved',
        message: clipMessage(`not resolved: ${names} (${[...failed.values()].join('; ')})`),
      },
    };
  }
  return {
    channels,
    ready: {
      status: 'True',
      reason: 'ChannelsResolved',
      message: `resolved: ${resolution.configured.join(', ')}`,
    },
  };
}

/** Validation and resolution in one call, for the operator's AlertConfig reconciler. */
export async function checkAlertConfig(
  alertConfig: AlertConfig,
  reader: ValueReader,
): Promise<AlertConfigReadiness> {
  const errors = validateAlertConfigSpec(alertConfig.spec);
  return readiness(errors, await resolveChannels(alertConfig, reader));
}
