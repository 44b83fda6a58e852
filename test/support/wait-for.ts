/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  check: () => Promise<T | false | 0 | '' | null | undefined>,
  timeoutMs: number,
  label: string | (() => string) = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof label === 'function' ? label() : label}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
