// Microsoft Teams: an Adaptive Card in a message attachment, the format both Workflows (Power Automate)
// webhooks and the older Incoming Webhook connectors accept.
// https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
import { bodyText, clip, facts, subjectText, type AlertMessage } from './message.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Characters Teams' markdown subset interprets, escaped in values. */
export function escapeTeams(s: string): string {
  return s.replace(/([\\*_~`[\]()#>-])/g, '\\$1');
}

export function teamsPayload(m: AlertMessage): Record<string, unknown> {
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: clip(subjectText(m), 400), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: clip(bodyText(m, escapeTeams), 8000), wrap: true },
      { type: 'FactSet', facts: facts(m).map((f) => ({ title: f.label, value: f.value })) },
    ],
    ...(m.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in the registry', url: m.link }] } : {}),
  };
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
}
