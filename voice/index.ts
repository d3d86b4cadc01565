// What other folders (bots/discord) may use from voice/. Types are exported as types.
export { VoicePipeline } from './pipeline.ts';
export type { VoicePipelineOptions, VoicePipelineEvents, VoicePipelineStats, Utterance, Transcript, DroppedTranscript } from './pipeline.ts';
export { speak, toDiscordPcm } from './tts/speak.ts';
export type { SpeakOptions, ReplyText } from './tts/speak.ts';
export { SentenceSplitter } from './tts/sentences.ts';
export { BargeIn, DefaultBargeInOptions } from './barge-in.ts';
export type { BargeInOptions, BargeInDecision } from './barge-in.ts';
export { createSttEngine, createTtsEngine, pipelineOptionsFrom } from './engines.ts';
export type { VoiceConfig } from './engines.ts';
export { transcribeBounded } from './stt/engine.ts';
export type { SttEngine, SttResult, BoundedTranscript } from './stt/engine.ts';
export type { TtsEngine } from './tts/engine.ts';
export type { Pcm } from './audio/pcm.ts';
export { encodeOpusFrames, OPUS_RATE, OPUS_CHANNELS, FRAME_MS } from './audio/opus.ts';
