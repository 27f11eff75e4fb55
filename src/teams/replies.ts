import { ActivityTypes, type TurnContext } from 'botbuilder';

/**
 * Answering a person in the shape their activity expects: a message for messages, an invoke
 * response for card actions and message-extension submits (Teams shows those inline).
 */
export const CARD_ACTION_INVOKE = 'adaptiveCard/action';

export async function sendInvokeResponse(context: TurnContext, status: number, body?: unknown): Promise<void> {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status, body } });
}

export async function tell(context: TurnContext, text: string): Promise<void> {
  const a = context.activity;
  if (a.type === ActivityTypes.Invoke) {
    if (a.name === CARD_ACTION_INVOKE) {
      await sendInvokeResponse(context, 200, { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text });
      return;
    }
    if (a.name === 'composeExtension/submitAction' || a.name === 'composeExtension/fetchTask' || a.name === 'task/fetch' || a.name === 'task/submit') {
      const task = { type: 'message', value: text };
      await sendInvokeResponse(context, 200, a.name.startsWith('task/') ? { task } : { task });
      return;
    }
    await sendInvokeResponse(context, 200, { message: text });
    return;
  }
  await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
}
