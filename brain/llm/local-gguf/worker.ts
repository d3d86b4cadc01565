// Child-process entry: runs llama.cpp (node-llama-cpp) for LocalGgufProvider and answers over IPC.
// llama.cpp aborts the process on some bad model files (GGML_ASSERT), and a native crash cannot be caught in
// JavaScript, so the model lives here and never in the brain. Started with child_process.fork; Node 24 runs
// this .ts file directly (type stripping), so it uses only erasable syntax and type-only Helix imports.
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import type { ChatMessage } from '../provider.ts';

/** Parent → worker: what to load (sent once, first). */
export interface WorkerLoad {
  type: 'load';
  modelPath: string;
  /** CPU threads; 0 lets llama.cpp choose. */
  threads: number;
  gpu: boolean;
  /** Upper bound; the context may be smaller when memory or the model's trained size is. */
  contextSize: number;
}

/** Parent → worker. One generation runs at a time; the parent queues the rest. */
export type WorkerRequest =
  | WorkerLoad
  | { type: 'generate'; id: number; messages: ChatMessage[]; maxTokens: number; temperature: number }
  | { type: 'cancel'; id: number };

/** Where loading failed: `engine` (llama.cpp itself), `model` (the file), `context` (memory for the context). */
export type LoadStage = 'engine' | 'model' | 'context';

/** Worker → parent. */
export type WorkerReply =
  | { type: 'ready'; chatWrapper: string; contextSize: number; trainContextSize: number }
  | { type: 'load-failed'; stage: LoadStage; message: string; llamaLog: string[] }
  | { type: 'chunk'; id: number; text: string }
  | { type: 'done'; id: number; stopReason: string }
  | { type: 'failed'; id: number; message: string };

/** llama.cpp's last warnings and errors, attached to a load failure (node-llama-cpp's own error is generic). */
const llamaLog: string[] = [];
const LOG_LINES = 20;

let llama: Llama | undefined;
let model: LlamaModel | undefined;
let context: LlamaContext | undefined;
let chat: LlamaChat | undefined;
let current: { id: number; abort: AbortController } | undefined;

function reply(msg: WorkerReply): void {
  // A closed channel means the parent is gone; the 'disconnect' handler below exits.
  process.send?.(msg, undefined, {}, () => undefined);
}

async function load(req: WorkerLoad): Promise<void> {
  let stage: LoadStage = 'engine';
  try {
    llama = await getLlama({
      gpu: req.gpu ? 'auto' : false,
      ...(req.threads > 0 ? { maxThreads: req.threads } : {}),
      // Never compile or download here: a missing binary is a clear error, not minutes of silent work.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const line = message.trimEnd();
        if (!line) return;
        llamaLog.push(`${level}: ${line}`);
        if (llamaLog.length > LOG_LINES) llamaLog.shift();
        process.stderr.write(`[llama.cpp ${level}] ${line}\n`);
      },
    });
    stage = 'model';
    model = await llama.loadModel({ modelPath: req.modelPath, ...(req.gpu ? {} : { gpuLayers: 0 }) });
    stage = 'context';
    context = await model.createContext({ contextSize: { max: req.contextSize }, sequences: 1, ...(req.threads > 0 ? { threads: req.threads } : {}) });
    // "auto" picks the wrapper from the file's tokenizer.chat_template (ChatML, Llama 3, Gemma…).
    chat = new LlamaChat({ contextSequence: context.getSequence() });
    reply({ type: 'ready', chatWrapper: chat.chatWrapper.wrapperName, contextSize: context.contextSize, trainContextSize: model.trainContextSize });
  } catch (err) {
    reply({ type: 'load-failed', stage, message: err instanceof Error ? err.message : String(err), llamaLog: [...llamaLog] });
    // The parent stops a worker that failed to load; this is the backstop if it does not.
    setTimeout(() => process.exit(1), 5_000);
  }
}

/** The brain's chat messages as node-llama-cpp history; an assistant message becomes a model turn. */
function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem =>
    m.role === 'assistant' ? { type: 'model', response: [m.content] } : m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content },
  );
}

async function generate(req: Extract<WorkerRequest, { type: 'generate' }>): Promise<void> {
  if (!chat) return reply({ type: 'failed', id: req.id, message: 'the model is not loaded' });
  if (current) return reply({ type: 'failed', id: req.id, message: `generation ${current.id} is still running` });
  const abort = new AbortController();
  current = { id: req.id, abort };
  try {
    const result = await chat.generateResponse(toHistory(req.messages), {
      maxTokens: req.maxTokens,
      temperature: req.temperature,
      signal: abort.signal,
      // A cancel ends the generation quietly; the parent already told its caller why.
      stopOnAbortSignal: true,
      onTextChunk: (text) => {
        if (text) reply({ type: 'chunk', id: req.id, text });
      },
    });
    reply({ type: 'done', id: req.id, stopReason: abort.signal.aborted ? 'abort' : result.metadata.stopReason });
  } catch (err) {
    reply({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
  } finally {
    current = undefined;
  }
}

process.on('message', (msg: WorkerRequest) => {
  switch (msg.type) {
    case 'load':
      void load(msg);
      return;
    case 'generate':
      void generate(msg);
      return;
    case 'cancel':
      if (current?.id === msg.id) current.abort.abort();
      return;
  }
});

// The brain is gone (exited, crashed, or closed the channel): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
