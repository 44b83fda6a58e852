/**
 * NCCO templates: string values may hold `{{name}}` placeholders, filled per recipient from its
 * `data`. A placeholder with no value renders as an empty string, so a half-filled sentence is
 * audible in testing rather than a failed call in production.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export function renderNcco(template: readonly unknown[], data: Readonly<Record<string, unknown>>): unknown[] {
  return template.map((action) => fill(action, data)) as unknown[];
}

function fill(value: unknown, data: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_match, key: string) => stringify(data[key]));
  if (Array.isArray(value)) return value.map((item) => fill(item, data));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner, data)]));
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Placeholder names a template uses, so intake can tell a user which data keys it expects. */
export function placeholdersOf(template: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const match of JSON.stringify(template).matchAll(PLACEHOLDER)) names.add(match[1] as string);
  return [...names];
}

/**
 * Conversation names are global on the Vonage application, shared by every API key: two
 * tenants both naming a conference `sales-room` would hear each other. So every rendered
 * `conversation` action gets its key's namespace, `k<key id without dashes>-<name>`.
 */
export function namespaceConversations(ncco: readonly unknown[], apiKeyId: string): unknown[] {
  const prefix = `k${apiKeyId.replaceAll('-', '')}-`;
  return ncco.map((action) => {
    const step = action as { action?: unknown; name?: unknown } | null;
    if (step?.action !== 'conversation' || typeof step.name !== 'string' || step.name.startsWith(prefix)) return action;
    return { ...step, name: prefix + step.name };
  });
}
