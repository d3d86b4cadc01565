// Where a round trip's time goes (diagnostic, not part of `npm run bench`):
//   node bench/profile.ts [helix|bare|helix-null-store] [turns]
// Runs sequential round trips after a warmup, CPU-profiles the measured part (written to /tmp as .cpuprofile, open
// it in Chrome DevTools), prints self time by package and the top functions, and Redis commands per round trip
// (from INFO commandstats: global, so other clients of the same Redis add noise).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startBarePipe } from './bare-pipe.ts';
import { startHelixPipe } from './helix-pipe.ts';
import { sequentialTurns, type Pipe } from './pipe.ts';
import { connect } from './redis-keys.ts';
import { commandCalls } from './redis-commands.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const which = process.argv[2] ?? 'helix';
const turns = Number(process.argv[3] ?? 2_000);
const pipe: Pipe = which === 'bare' ? await startBarePipe() : await startHelixPipe({ store: which === 'helix-null-store' ? 'null' : 'pglite' });
const run = sequentialTurns(pipe);

const admin = connect();
const commandStats = () => commandCalls(admin);

await run(300, 'warm');
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const before = await commandStats();
await session.post('Profiler.start');
const t0 = performance.now();
await run(turns, 'prof');
const msPerTurn = (performance.now() - t0) / turns;
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
const after = await commandStats();
const file = `/tmp/helix-bench-${which}-${Date.now()}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const where = (url: string) => {
  if (!url) return '(native: GC, syscalls, idle)';
  const pkg = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  if (url.startsWith('wasm://')) return 'wasm (PGlite)';
  return url.startsWith('node:') ? url : (url.split('/work/main/')[1] ?? url);
};
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const cf = byId.get(id)!.callFrame;
  byPackage.set(where(cf.url), (byPackage.get(where(cf.url)) ?? 0) + us);
  const fn = `${cf.functionName || '(anonymous)'} ${where(cf.url)}:${cf.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}
const top = (m: Map<string, number>, n: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${(us / 1_000 / turns).toFixed(3).padStart(7)} ms/turn  ${k}`).join('\n');
const commands = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / turns] as const).filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1]);

console.log(`${which}: ${msPerTurn.toFixed(2)} ms per round trip over ${turns} (profiler on); profile: ${file}`);
console.log(`self time by package:\n${top(byPackage, 15)}`);
console.log(`top functions:\n${top(byFunction, 20)}`);
console.log(`redis commands per round trip (Lua-internal calls included): ${commands.reduce((s, [, v]) => s + v, 0).toFixed(0)}: ${commands.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
await admin.quit();
await pipe.close();
process.exit(0);
