import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { Persona, loadPersona, personaFromEliza } from '../../../config/index.ts';
import { personaBlock } from '../../../brain/turn/stages/build-prompt.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** An ElizaOS character in the 0.x shape (`user` speakers), with fields Helix does not take. */
const ELIZA = {
  name: 'Juniper',
  modelProvider: 'openai',
  settings: { secrets: { OPENAI_API_KEY: 'sk-never-copied' } },
  bio: ['Juniper is a gardener who talks to plants.', 'She grew up by the sea.'],
  lore: ['Once grew a pumpkin the size of a car.', 'Keeps bees.', 'Names every tree.', 'Hates slugs.'],
  adjectives: ['patient', 'earthy', 'wry'],
  topics: ['composting', 'bees'],
  style: { all: ['short sentences'], chat: ['asks about your plants'], post: ['uses hashtags'] },
  messageExamples: [
    [
      { user: '{{user1}}', content: { text: 'my basil is dying' } },
      { user: 'Juniper', content: { text: 'Too much water, probably. Let it dry out.' } },
    ],
    [
      { name: '{{name1}}', content: { text: 'hello' } },
      { name: 'Juniper', content: { text: 'Hi! Dirt under your nails today?' } },
    ],
  ],
  postExamples: ['#compost'],
};

describe('ElizaOS character import', () => {
  test('GIVEN an Eliza character THEN name, bio, lore, style (all + chat), adjectives, topics and example exchanges carry over', () => {
    const { persona, notes } = personaFromEliza(ELIZA);
    const p = Persona.parse(persona);
    expect(p.name).toBe('Juniper');
    expect(p.bio).toEqual(ELIZA.bio);
    expect(p.lore).toEqual(ELIZA.lore);
    expect(p.style).toEqual(['short sentences', 'asks about your plants']);
    expect(p.adjectives).toEqual(['patient', 'earthy', 'wry']);
    expect(p.topics).toEqual(['composting', 'bees']);
    expect(p.examples).toEqual([
      { user: 'my basil is dying', helix: 'Too much water, probably. Let it dry out.' },
      { user: 'hello', helix: 'Hi! Dirt under your nails today?' },
    ]);
    expect(notes.join('\n')).toContain('settings');
    expect(JSON.stringify(p)).not.toContain('sk-never-copied');
  });

  test('GIVEN the imported persona THEN the prompt shows its traits, the first lore lines and its topics', () => {
    const block = personaBlock(Persona.parse(personaFromEliza(ELIZA).persona));
    expect(block).toContain('You are Juniper.');
    expect(block).toContain('patient, earthy, wry');
    expect(block).toContain('Once grew a pumpkin');
    expect(block).not.toContain('Hates slugs');
    expect(block).toContain('composting, bees');
  });

  test('GIVEN a .json Eliza character as persona.file THEN it loads directly; GIVEN a broken one THEN the error names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'persona-'));
    const good = join(dir, 'juniper.json');
    writeFileSync(good, JSON.stringify(ELIZA));
    expect(loadPersona(good)).toMatchObject({ name: 'Juniper', topics: ['composting', 'bees'] });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ messageExamples: [] }));
    expect(() => loadPersona(bad)).toThrow(/bad\.json.*ElizaOS/s);
  });

  test('GIVEN npm run persona:import THEN it prints a valid Helix persona YAML; a missing file exits 1 with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'persona-'));
    const file = join(dir, 'juniper.json');
    writeFileSync(file, JSON.stringify(ELIZA));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'identity', 'persona-import.ts'), file], { cwd: ROOT });
    expect(Persona.parse(parse(stdout))).toMatchObject({ name: 'Juniper', lore: ELIZA.lore });
    expect(stderr).toContain('note:');
    const yamlFile = join(dir, 'persona.yaml');
    writeFileSync(yamlFile, stdout);
    expect(loadPersona(yamlFile).examples).toHaveLength(2);
    const missing = await promisify(execFile)(process.execPath, [join(ROOT, 'identity', 'persona-import.ts'), join(dir, 'nope.json')], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 1 });
    expect((missing as { stderr: string }).stderr).toContain('cannot import');
  });
});
