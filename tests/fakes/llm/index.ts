export { startFakeOpenAi, defaultReply, type FakeOpenAi, type RecordedRequest } from './fake-openai.ts';
export { startFakeOllama, type FakeOllama } from './fake-ollama.ts';
