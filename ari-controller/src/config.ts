import { Type, type Static } from '@sinclair/typebox';
import { defineSection, setting, type SectionValues } from '@dialer/core';

/** One Asterisk server the controller drives. */
export const AriServerSpec = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    url: Type.String({ pattern: '^https?://' }),
    username: Type.String({ minLength: 1 }),
    password: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type AriServerSpec = Static<typeof AriServerSpec>;

/** Settings of the ARI controller. */
export const ariSection = defineSection(
  'ari',
  {
    url: setting({
      env: 'ARI_URL',
      schema: Type.String({ pattern: '^https?://' }),
      default: 'http://127.0.0.1:8088',
      doc: 'Base URL of Asterisk\'s HTTP server (ARI is under /ari).',
    }),
    username: setting({ env: 'ARI_USERNAME', schema: Type.String({ minLength: 1 }), default: 'dialer', doc: 'ARI user (ari.conf).' }),
    password: setting({ env: 'ARI_PASSWORD', schema: Type.String({ minLength: 1 }), optional: true, secret: true, doc: 'ARI password (ari.conf).' }),
    app: setting({
      env: 'ARI_APP',
      schema: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' }),
      default: 'dialer',
      doc: 'Stasis application name; the dialplan\'s Stasis() calls must use it.',
    }),
    servers: setting({
      env: 'ARI_SERVERS',
      schema: Type.Array(AriServerSpec, { minItems: 1, maxItems: 64 }),
      optional: true,
      secret: true,
      doc: 'Several Asterisk servers, as JSON: `[{"id":"pbx1","url":"http://10.0.0.5:8088","username":"dialer","password":"..."}]`. Unset: one server from ARI_URL, ARI_USERNAME and ARI_PASSWORD.',
    }),
    subscribeAll: setting({
      env: 'ARI_SUBSCRIBE_ALL',
      schema: Type.Boolean(),
      default: false,
      doc: 'Open the events WebSocket with subscribeAll=true (every channel and bridge on the server). Default: only the app\'s own.',
    }),
    outboundEndpoint: setting({
      env: 'ARI_OUTBOUND_ENDPOINT',
      schema: Type.String({ minLength: 3, pattern: '\\{(phone|digits)\\}' }),
      default: 'PJSIP/{phone}@trunk',
      doc: 'Dial string for outbound calls; `{phone}` is the E.164 number, `{digits}` the same without `+`.',
    }),
    amdContext: setting({
      env: 'ARI_AMD_CONTEXT',
      schema: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' }),
      default: 'dialer-amd',
      doc: 'Dialplan context that runs AMD() and returns to Stasis with the result (see asterisk/etc/extensions.conf).',
    }),
    tapFormat: setting({
      env: 'ARI_TAP_FORMAT',
      schema: Type.Union([Type.Literal('ulaw'), Type.Literal('alaw'), Type.Literal('slin16')]),
      default: 'ulaw',
      doc: 'Format of the ExternalMedia taps toward the media gateway: ulaw, alaw or slin16.',
    }),
  },
  (v) => {
    const problems: { env: string; message: string }[] = [];
    const ids = new Set<string>();
    for (const s of v.servers ?? []) {
      if (ids.has(s.id)) problems.push({ env: 'ARI_SERVERS', message: `server id ${s.id} appears twice` });
      ids.add(s.id);
    }
    return problems;
  },
);

/** The controller's parsed settings. */
export type AriConfig = SectionValues<(typeof ariSection)['settings']>;

/** The Asterisk servers to drive: ARI_SERVERS, or the single ARI_URL one (id `default`). */
export function ariServers(config: AriConfig): AriServerSpec[] {
  if (config.servers && config.servers.length > 0) return config.servers.map((s) => ({ ...s }));
  const one: AriServerSpec = { id: 'default', url: config.url, username: config.username };
  if (config.password !== undefined) one.password = config.password;
  return [one];
}
