/**
 * The callback URLs we hand the gateway for one attempt. Both name the attempt, so a callback
 * matches its attempt even before the create-call response (and the call uuid) is stored, and
 * both carry the deployment's unguessable token: under KPN the Vonage signature secret may
 * belong to KPN's account, so the token is our own proof that a callback came from our calls.
 */
export interface WebhookBase {
  publicUrl: string;
  webhookToken: string;
}

export function eventUrl(base: WebhookBase, attemptId: string): string {
  return callbackUrl(base, '/webhooks/event', attemptId);
}

export function answerUrl(base: WebhookBase, attemptId: string): string {
  return callbackUrl(base, '/webhooks/answer', attemptId);
}

/** Where an `input` action without its own eventUrl sends its result (issue 13). */
function inputUrl(base: WebhookBase, attemptId: string): string {
  return callbackUrl(base, '/webhooks/input', attemptId);
}

/**
 * The NCCO with callcast's own input URL on every `input` action that names none, so callcast
 * stores the answer and replies with the matching NCCO. Actions with their own eventUrl are the
 * customer's and are left alone.
 */
export function withOwnInputUrls(ncco: readonly unknown[], base: WebhookBase, attemptId: string): unknown[] {
  return ncco.map((action) => {
    const fields = action as Record<string, unknown> | null;
    if (fields?.action !== 'input' || fields.eventUrl !== undefined) return action;
    return { ...fields, eventUrl: [inputUrl(base, attemptId)], eventMethod: 'POST' };
  });
}

function callbackUrl(base: WebhookBase, path: string, attemptId: string): string {
  const url = new URL(path, `${base.publicUrl}/`);
  url.searchParams.set('attempt', attemptId);
  url.searchParams.set('token', base.webhookToken);
  return url.toString();
}
