/** Handle kinds a test file can leave running (sockets, servers, child processes, timers). */
const WATCHED = new Set(['TCPSocketWrap', 'TCPServerWrap', 'ProcessWrap', 'Timeout', 'PipeWrap']);

export type HandleCounts = ReadonlyMap<string, number>;

export function openHandles(): HandleCounts {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (WATCHED.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Handles open now beyond those in `before`, by kind. */
export function handlesOpenedSince(before: HandleCounts): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [name, count] of openHandles()) {
    const more = count - (before.get(name) ?? 0);
    if (more > 0) extra[name] = more;
  }
  return extra;
}

/** Waits up to `graceMs` for handles being closed to go; returns what is still open. */
export async function handlesLeftAfter(before: HandleCounts, graceMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + graceMs;
  let extra = handlesOpenedSince(before);
  while (Object.keys(extra).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    extra = handlesOpenedSince(before);
  }
  return extra;
}
