export { startFakeOpenAi, defaultReply, type FakeOpenAi, type RecordedRequest } from './fake-openai.ts';
