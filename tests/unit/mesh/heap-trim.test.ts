import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HEAP_TRIM = fileURLToPath(new URL('../../../mesh/observe/heap-trim.ts', import.meta.url));
const LOG = fileURLToPath(new URL('../../../mesh/observe/log.ts', import.meta.url));

// A child process (not the test worker, whose heap vitest shares): ~1.5 s of allocation churn that
// leaves V8's heap grown, then quiet. The trimmer must notice the quiet, collect, and hand pages back.
const CHILD = `
import { trimHeapWhenIdle } from ${JSON.stringify(HEAP_TRIM)};
import { createLogger } from ${JSON.stringify(LOG)};
const log = createLogger('test', 'debug');
let churned = 0;
trimHeapWhenIdle(log, { sampleMs: 500 });
let keep = [];
const until = Date.now() + 1500;
while (Date.now() < until) {
  for (let i = 0; i < 1e5; i++) { keep.push({ a: 'x' + i, b: [i, i + 1] }); if (keep.length > 4e5) keep = []; }
  churned++;
  await new Promise((r) => setImmediate(r));
}
keep = null;
setTimeout(() => process.exit(0), 3000);
`;

describe('trimHeapWhenIdle', () => {
  it('hands a grown heap back to the OS once the event loop goes quiet after a burst', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const trims = out.split('\n').filter((l) => l.includes('heap trimmed while idle')).map((l) => JSON.parse(l) as { rss_before_mb: number; rss_after_mb: number });
    expect(trims.length).toBeGreaterThanOrEqual(1);
    const last = trims.at(-1)!;
    expect(last.rss_before_mb - last.rss_after_mb).toBeGreaterThan(30);
  }, 20_000);
});
