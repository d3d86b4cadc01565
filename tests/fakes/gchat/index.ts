export { startFakeGoogleChat, CHAT_ISSUER, CHAT_BOT_SCOPE, type FakeGoogleChat, type FakeGoogleChatOptions, type RecordedMessage, type TokenOptions } from './server.ts';
export { messageEvent, spaceEvent, ALICE, HELIX_APP, type MessageEventOptions, type ChatUserShape } from './events.ts';
export { rsaKeyPair, signJwt, decodeJwt, rs256Valid, type RsaKeyPair } from './jwt.ts';
