import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from './log.ts';

/** How often the event loop's utilisation is sampled; a trim needs one whole quiet sample after a busy one. */
const SAMPLE_MS = 5_000;
/** Utilisation above this is "busy" (a role serving traffic); at or below, "quiet". */
const BUSY_ABOVE = 0.05;
/** A trim pays only when the process grew by this much since the last one (the first always runs). */
const GROWTH_BYTES = 32 * 2 ** 20;

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };

/**
 * V8 grows a process's heap under load and keeps it: after a burst of 10k turns the web role held ~300 MB
 * resident for 36 MB of live objects, and gave it back only a minute or more later, if at all. When the
 * event loop goes quiet after being busy (and once after start-up, whose transients are the largest), this
 * runs one memory-reducing full collection (V8's "last resort" GC, the one it runs itself under memory
 * pressure), which hands the free pages back to the OS. Measured: brain 491 → 287 MB, web 299 → 122 MB,
 * ~10 s after a 10k-message burst. It costs one pause (~0.1–0.3 s for a 200 MB heap on these 2 cores),
 * only after a quiet sample and only when the process grew by 32 MB since its last trim.
 * Hand-written: Node exposes no memory-pressure call, and no library does this; the `gc` function is taken
 * from V8's own extension (`--expose-gc` set at run time), so no role needs a command-line flag.
 */
export function trimHeapWhenIdle(log: Logger, opts: { sampleMs?: number } = {}): { close(): void } {
  const gc = exposeGc();
  if (!gc) return { close() {} };
  let last = performance.eventLoopUtilization();
  let busySinceTrim = true;
  let rssAfterTrim = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilisation = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (utilisation > BUSY_ABOVE) {
      busySinceTrim = true;
      return;
    }
    if (!busySinceTrim) return;
    busySinceTrim = false;
    const before = process.memoryUsage.rss();
    if (before - rssAfterTrim < GROWTH_BYTES) return;
    const started = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    rssAfterTrim = process.memoryUsage.rss();
    log.debug({ ms: Math.round(performance.now() - started), rss_before_mb: mb(before), rss_after_mb: mb(rssAfterTrim) }, 'heap trimmed while idle');
  }, opts.sampleMs ?? SAMPLE_MS);
  timer.unref();
  return { close: () => clearInterval(timer) };
}

function exposeGc(): ((opts: GcOptions) => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc as unknown as (opts: GcOptions) => void;
  try {
    setFlagsFromString('--expose-gc');
    // A new context is created with the flag on; its `gc` collects the whole isolate's heap.
    return runInNewContext('gc') as (opts: GcOptions) => void;
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
