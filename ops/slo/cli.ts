/**
 * `npm run slo:rules -- <spec.yaml>... [--window-scale N] > rules.yml`: prints the Prometheus recording and
 * alerting rules for SLO spec files. Without spec arguments it reads `slo.specFiles` from the Helix config
 * and writes `slo.rulesOut`. Exit 1 with every problem listed when a spec is invalid.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../config/index.ts';
import { parseSloSpec, type SloSpecFile } from './spec.ts';
import { generateRules, renderRulesYaml } from './rules.ts';

const USAGE = 'usage: node ops/slo/cli.ts [<spec.yaml>...] [--window-scale N] > rules.yml   (no specs: slo.specFiles -> slo.rulesOut)';

function main(argv: string[]): number {
  const files: string[] = [];
  let windowScale = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--window-scale') {
      windowScale = Number(argv[++i]);
      if (!(windowScale > 0)) {
        console.error(`--window-scale must be a positive number\n${USAGE}`);
        return 1;
      }
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return 0;
    } else files.push(arg);
  }
  let out: string | undefined;
  if (files.length === 0) {
    try {
      const { config } = loadConfig({ env: process.env, cwd: process.cwd() });
      files.push(...config.slo.specFiles.map((f) => resolve(process.cwd(), f)));
      out = resolve(process.cwd(), config.slo.rulesOut);
    } catch (err) {
      console.error(err instanceof ConfigError ? err.message : String(err));
      return 1;
    }
    if (files.length === 0) {
      console.error(`slo.specFiles is empty: name spec files there or on the command line.\n${USAGE}`);
      return 1;
    }
  }
  const specs: SloSpecFile[] = [];
  let failed = false;
  for (const file of files) {
    try {
      specs.push(parseSloSpec(readFileSync(file, 'utf8'), file));
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      failed = true;
    }
  }
  if (failed) return 1;
  try {
    const yaml = renderRulesYaml(generateRules(specs, { windowScale }));
    if (out) {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, yaml);
      console.error(`wrote ${out} (${specs.reduce((n, s) => n + s.slos.length, 0)} SLOs)`);
    } else process.stdout.write(yaml);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
