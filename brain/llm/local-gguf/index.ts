/** Local GGUF models: llama.cpp (node-llama-cpp) in a child process, with the file checked first. */
export { LocalGgufProvider, DefaultLocalGgufOptions, type LocalGgufOptions } from './local-gguf-provider.ts';
export { validateGguf, type GgufSummary } from './validate-gguf.ts';
export { findGgufModel } from './find-model.ts';
