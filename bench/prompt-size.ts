// 4. Prompt size for "hi": the prompt exactly as the brain builds it (default persona, web, empty history),
// counted with js-tiktoken (o200k_base, the GPT-4o family's encoding; cl100k_base if that is missing).
import { randomUUID } from 'node:crypto';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { personaBlock, promptMessages } from '../brain/turn/stages/build-prompt.ts';
import { toInboundTurn } from '../bots/web/normalize.ts';
import { loadPersona } from '../config/index.ts';
import { newTraceparent } from '../mesh/index.ts';
import { check, info, type Metric } from './report.ts';

/** OpenAI's chat framing: ~3 tokens per message plus 3 to prime the reply. */
const PER_MESSAGE = 3;
const PRIMING = 3;

async function encoder(): Promise<{ name: string; enc: Tiktoken }> {
  try {
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default as TiktokenBPE;
    return { name: 'o200k_base', enc: new Tiktoken(ranks) };
  } catch {
    const ranks = (await import('js-tiktoken/ranks/cl100k_base')).default as TiktokenBPE;
    return { name: 'cl100k_base', enc: new Tiktoken(ranks) };
  }
}

export async function benchPromptSize(): Promise<{ metrics: Metric[]; notes: string[] }> {
  const persona = loadPersona();
  const turn = toInboundTurn({ clientMessageId: randomUUID(), sessionId: 'bench_prompt', text: 'hi' }, new Date(), newTraceparent());
  const messages = promptMessages(persona, { platform: 'web', conversation: turn.conversation, now: new Date(), blocks: [], history: [], turns: [turn] });
  const { name, enc } = await encoder();
  const count = (s: string) => enc.encode(s).length;
  const content = messages.reduce((n, m) => n + count(m.content), 0);
  const framed = content + messages.length * PER_MESSAGE + PRIMING;
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  return {
    metrics: [
      check('tokens', 'prompt tokens (chat-framed)', framed, 'tokens', '<=', 1_500),
      info('content_tokens', 'message text tokens', content, 'tokens'),
      info('persona_tokens', 'of which persona block', count(personaBlock(persona)), 'tokens'),
      info('system_tokens', 'system message', count(system), 'tokens'),
      info('chars', 'prompt characters', messages.reduce((n, m) => n + m.content.length, 0), 'chars'),
      info('messages', 'chat messages', messages.length),
    ],
    notes: [`encoding ${name}; framing +${PER_MESSAGE}/message +${PRIMING}; promptMessages() with loadPersona() default, platform web, dm, no blocks, no history`],
  };
}
