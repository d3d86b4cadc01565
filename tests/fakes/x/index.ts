export { startFakeX, conversationIdOf, type FakeX, type FakeXOptions, type FakePost, type FakeDmEvent, type FakeUser, type Endpoint, type RecordedRequest } from './server.ts';
export { xWeightedLength } from './weighted-length.ts';
export { hmacSha1Signature, baseString, percentEncode, parseAuthorization } from './oauth1.ts';
