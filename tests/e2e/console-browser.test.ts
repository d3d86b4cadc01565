// The newcomer's path in a real browser: Debian's Chromium driven by playwright-core, the real console,
// the real brain (in-process) and a fake OpenAI-compatible model that streams slowly enough to show drafts.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startWebBot, type RunningWebBot } from '../../bots/web/web-bot.ts';
import { createLogger } from '../../mesh/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { dropPrefix, startTestBrain, testConfig, testPrefix } from '../helpers/mesh-harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const cleanups: Array<() => Promise<unknown>> = [];
let browser: Browser;
let bot: RunningWebBot;
let model: FakeOpenAi;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const prefix = testPrefix();
  model = await startFakeOpenAi();
  cleanups.push(() => model.close(), () => dropPrefix(prefix));
  const config = testConfig(prefix, { web: { port: 0 }, llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, model: 'fake' } } });
  const brain = await startTestBrain(config);
  cleanups.push(() => brain.close());
  bot = await startWebBot({ config, redisUrl: config.redis.url!, log: createLogger('web', 'silent') });
  cleanups.push(() => bot.close());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  cleanups.push(() => browser.close());
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('web console in Chromium', () => {
  test('GIVEN the page WHEN a person types a message and presses Enter THEN the reply streams in and ends as one final message, which survives a reload', async () => {
    const answer = 'Hello there! It is lovely to meet you. <img src=x onerror="window.pwned=1"> What shall we talk about today?';
    model.setReply(answer);
    model.setChunkDelay(100);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(bot.url);
    await page.locator('#status[data-state="online"]').waitFor();

    await page.locator('#text').fill('hi Helix');
    await page.locator('#text').press('Enter');
    await page.locator('[data-testid="user-message"]', { hasText: 'hi Helix' }).waitFor();
    const final = page.locator('[data-testid="helix-message"][data-final="true"]');
    await final.waitFor({ timeout: 15_000 });
    // While the model streamed, the same bubble showed the reply as growing drafts (counted by the page,
    // so a fast final cannot hide them from the test).
    expect(Number(await final.getAttribute('data-drafts'))).toBeGreaterThanOrEqual(1);
    expect(await final.textContent()).toBe(answer);
    expect(await page.locator('[data-testid="helix-message"]').count()).toBe(1);
    expect(await page.locator('.draft').count()).toBe(0);
    // Reply text is text: the markup is shown, not run.
    expect(await page.locator('#log img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();

    await page.reload();
    await page.locator('[data-testid="helix-message"][data-final="true"]').waitFor();
    expect(await page.locator('[data-testid="user-message"]').allTextContents()).toEqual(['hi Helix']);
    expect(await page.locator('[data-testid="helix-message"]').allTextContents()).toEqual([answer]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('GIVEN two tabs of one browser THEN a message sent in one appears, with its reply, in both', async () => {
    model.setReply('Both tabs see this.');
    model.setChunkDelay(0);
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const p of [a, b]) {
      await p.goto(bot.url);
      await p.locator('#status[data-state="online"]').waitFor();
    }
    await a.locator('#text').fill('from tab a');
    await a.locator('#send').click();
    for (const p of [a, b]) {
      await p.locator('[data-testid="user-message"]', { hasText: 'from tab a' }).waitFor();
      await p.locator('[data-testid="helix-message"][data-final="true"]', { hasText: 'Both tabs see this.' }).waitFor();
    }
    expect(await b.locator('[data-testid="user-message"]').count()).toBe(1);
    await context.close();
  });
});
