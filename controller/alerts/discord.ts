// Discord webhook: one embed (title, description, fields, link). Mentions are disabled so a template
// or tag can never ping @everyone. https://discord.com/developers/docs/resources/webhook
import { DEFAULT_ALERT_EVENT, type AlertEvent } from '../../domain/alerts/events.js';
import { bodyText, clip, facts, subjectText, type AlertMessage } from './message.js';

/** Discord markdown control characters, escaped in values. */
export function escapeDiscord(s: string): string {
  return s.replace(/([\\*_~`|>#[\]()-])/g, '\\$1');
}

const GREEN = 0x2eb67d;
const RED = 0xe01e5a;
const AMBER = 0xecb22e;

/** Embed colour by event: good news green, failures red, things that wait for someone amber. */
const COLOURS: Record<AlertEvent, number> = {
  Updated: GREEN,
  Recovered: GREEN,
  Failed: RED,
  RolledBack: RED,
  ApprovalPending: AMBER,
  Held: AMBER,
};

// Embed limits: title 256, description 4096, field name 256 / value 1024, 25 fields.
export function discordPayload(m: AlertMessage): Record<string, unknown> {
  const t = m.notification.time;
  return {
    username: 'Tagpilot',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: clip(subjectText(m), 256),
        description: clip(bodyText(m, escapeDiscord), 4096),
        color: COLOURS[m.notification.event ?? DEFAULT_ALERT_EVENT],
        ...(m.link ? { url: m.link } : {}),
        fields: facts(m).map((f) => ({
          name: f.label,
          value: clip(`\`${f.value}\``, 1024),
          inline: f.label !== 'Digest',
        })),
        timestamp: typeof t === 'string' ? t : t.toISOString(),
        footer: { text: 'tagpilot' },
      },
    ],
  };
}
