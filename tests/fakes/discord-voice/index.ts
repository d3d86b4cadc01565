// startFakeVoice(): a fake Discord voice server (wss voice gateway v8 + UDP media, AES-GCM rtpsize, DAVE
// declined) attached to the fake Discord gateway, so the real @discordjs/voice joins it through
// `guild.voiceAdapterCreator`:
//   const fake = await startFakeDiscord();
//   await using voice = await startFakeVoice({ discord: fake });   // op 4 now gets VOICE_SERVER_UPDATE for it
//   trustInProcess(voice.cert)                                      // or NODE_EXTRA_CA_CERTS=voice.certPath for a child process
// then, once the bot joined: voice.speak(userId, encodeOpus(await speechPcm('hello')))  and  voice.decodePlayed().
import type { FakeDiscord } from '../discord/index.ts';
import { makeSelfSignedCert } from './tls.ts';
import { FakeVoiceServer, VoiceClose, type FakeVoiceServerOptions } from './voice-server.ts';

export { correlation, decodeOpus, encodeOpus, frameRms, speechPcm, voicedMs, FRAME_BYTES, FRAME_SAMPLES } from './audio.ts';
export { AES_GCM_MODE, OPUS_SILENCE_FRAME, decryptRtp, encryptRtp } from './rtp.ts';
export { trustInProcess } from './tls.ts';
export { FakeVoiceServer, VoiceClose, VoiceOp, corruptOpus } from './voice-server.ts';
export type { FakeVoiceSession, ReceivedPacket, SpeakOptions, VoiceGrant } from './voice-server.ts';

export interface FakeVoice extends FakeVoiceServer {
  /** The self-signed certificate (PEM) the voice gateway serves. */
  readonly cert: string;
  /** The same on disk, for NODE_EXTRA_CA_CERTS. */
  readonly certPath: string;
}

export interface FakeVoiceOptions extends Partial<Omit<FakeVoiceServerOptions, 'key' | 'cert'>> {
  /** The fake gateway to attach to (answers the bot's op 4 with this server's endpoint). */
  discord?: FakeDiscord;
}

export async function startFakeVoice(opts: FakeVoiceOptions = {}): Promise<FakeVoice> {
  const tls = await makeSelfSignedCert();
  const server = new FakeVoiceServer({ ...opts, key: tls.key, cert: tls.cert });
  await server.listen();
  opts.discord?.setVoiceServer({
    endpoint: server.endpoint,
    grant: (g) => server.grant(g),
    // Someone left voice: op 13 to the bot's session; the bot itself removed (by a moderator): close 4014, as Discord does.
    userLeft: (guildId, userId) => {
      const session = server.session(guildId);
      if (!session) return;
      if (session.userId === userId) server.drop(VoiceClose.Disconnected, guildId);
      else server.clientDisconnect(userId, guildId);
    },
  });
  const close = server.close.bind(server);
  let closing: Promise<void> | undefined;
  return Object.assign(server, {
    cert: tls.cert,
    certPath: tls.certPath,
    close: () =>
      (closing ??= (async () => {
        opts.discord?.setVoiceServer(null);
        await close();
        await tls.dispose();
      })()),
  });
}
