// Progress lines go to stderr, so stdout carries only the table and the JSON line.

/** Prints one progress line with the seconds since the bench started. */
export function say(message: string): void {
  process.stderr.write(`[bench ${(performance.now() / 1_000).toFixed(1).padStart(6)} s] ${message}\n`);
}
