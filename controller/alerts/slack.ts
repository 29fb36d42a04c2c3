// Slack incoming webhook: a Block Kit message (header, body, facts, registry link) with `text` as the
// fallback Slack shows in notifications. https://api.slack.com/messaging/webhooks
import { bodyText, clip, facts, subjectText, type AlertMessage } from './message.js';
import type { ResolvedSlack } from './resolve.js';

/** Slack mrkdwn control characters; values are escaped so a tag cannot inject links or mentions. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Block Kit limits: header text 150, section text 3000, field text 2000.
export function slackPayload(channel: ResolvedSlack, m: AlertMessage): Record<string, unknown> {
  const subject = subjectText(m);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(subject, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(bodyText(m, escapeSlack), 3000) } },
    {
      type: 'section',
      fields: facts(m)
        .slice(0, 4)
        .map((f) => ({ type: 'mrkdwn', text: clip(`*${f.label}*\n\`${escapeSlack(f.value)}\``, 2000) })),
    },
  ];
  if (m.link) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<${m.link}|View ${escapeSlack(m.values.image)} in the registry>` }],
    });
  }
  return {
    text: clip(subject, 3000),
    blocks,
    ...(channel.channel ? { channel: channel.channel } : {}),
    unfurl_links: false,
  };
}
