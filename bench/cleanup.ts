// What the bench has open (in-process pipes), so Ctrl-C can close it before the keys are dropped.

const open = new Set<() => Promise<void>>();

/** Registers a close function; returns the function that unregisters it. */
export function track(close: () => Promise<void>): () => void {
  open.add(close);
  return () => open.delete(close);
}

/** Closes everything still open, each bounded by `timeoutMs`. */
export async function closeAllOpen(timeoutMs = 10_000): Promise<void> {
  await Promise.allSettled([...open].map((close) => Promise.race([close(), new Promise((r) => setTimeout(r, timeoutMs))])));
}
