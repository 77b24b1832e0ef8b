import type { Command } from 'commander';
import { ApiClient } from '../client.js';
import { profileFromSession, type SessionReply } from '../context.js';
import { CliError, EXIT, usage } from '../exit.js';
import type { Io } from '../io.js';
import { readConfigFile, updateProfile, writeConfigFile } from '../profile.js';
import { act } from '../program.js';
import { ask, readStdinLine } from '../prompt.js';
import { renderTable, when } from '../output/table.js';

/** The reply of `GET /api/v1/auth/me`. */
export interface MeReply {
  kind: 'user' | 'api_key';
  tenantId: string;
  role: string;
  userId: string | null;
  apiKeyId: string | null;
  agentId: string | null;
  scopes: string[];
  email: string | null;
  name: string | null;
}

/** `login`, `logout`, `whoami`, `profiles`. */
export function authCommands(program: Command, io: Io): void {
  program
    .command('login')
    .description('log in and store the credentials (mode 0600) in the config file')
    .option('--email <email>', 'user e-mail (asked on a terminal when missing)')
    .option('--password-stdin', 'read the password from stdin (first line)')
    .option('--tenant <slug>', 'tenant slug or id, when the e-mail exists in several tenants')
    .option('--api-key-stdin', 'store an API key read from stdin instead of logging in with a password')
    .addHelpText('after', '\nExamples:\n  dialerctl --url https://dialer.example.com login --email ops@example.com\n  echo "$KEY" | dialerctl login --api-key-stdin')
    .action(
      act(io, async (ctx, o: { email?: string; passwordStdin?: boolean; tenant?: string; apiKeyStdin?: boolean }) => {
        const url = ctx.baseUrl;
        const file = ctx.configFile;
        const name = ctx.profileName;
        if (o.apiKeyStdin) {
          const key = (await readStdinLine(io)).trim();
          if (!key) throw usage('no API key on stdin');
          const me = await new ApiClient(url, { bearer: () => key }, ctx.opts.timeout ?? 30_000).get<MeReply>('/api/v1/auth/me');
          updateProfile(file, name, () => ({ url, apiKey: key, user: { role: me.role, tenantId: me.tenantId } }));
          ctx.print({ profile: name, url, kind: me.kind, role: me.role, tenantId: me.tenantId }, () => `stored API key for ${url} (role ${me.role}) in profile ${name}\n`);
          return;
        }
        const email = o.email ?? (await ask(io, 'E-mail: ', { flag: '--email' }));
        if (!email) throw usage('an e-mail is required (--email)');
        const password = o.passwordStdin ? await readStdinLine(io) : await ask(io, 'Password: ', { hidden: true, flag: '--password-stdin' });
        if (!password) throw usage('an empty password');
        const s = await ctx.anonymous().post<SessionReply>('/api/v1/auth/login', { email, password, ...(o.tenant ? { tenant: o.tenant } : {}) });
        updateProfile(file, name, () => profileFromSession(url, s));
        const config = readConfigFile(file);
        if (!config.profiles[config.current]) {
          config.current = name;
          writeConfigFile(file, config);
        }
        ctx.print(
          { profile: name, url, user: s.user, accessTokenExpiresAt: s.accessTokenExpiresAt, refreshTokenExpiresAt: s.refreshTokenExpiresAt },
          () => `logged in to ${url} as ${s.user.email} (${s.user.role}); credentials in ${file} (profile ${name})\n`,
        );
      }),
    );

  program
    .command('logout')
    .description('end the stored login on the server and forget its credentials')
    .action(
      act(io, async (ctx) => {
        const name = ctx.profileName;
        const p = ctx.profile;
        if (!p || (!p.refreshToken && !p.apiKey && !p.accessToken)) {
          ctx.say(`not logged in (profile ${name})`);
          return;
        }
        let serverNote = '';
        if (p.refreshToken) {
          try {
            await new ApiClient(p.url, { bearer: () => undefined }, ctx.opts.timeout ?? 10_000).post('/api/v1/auth/logout', {
              refreshToken: p.refreshToken,
            });
          } catch (err) {
            // Forget the credentials anyway; say the server may still hold the login.
            serverNote = ` (the server was not told: ${(err as Error).message})`;
          }
        }
        updateProfile(ctx.configFile, name, (old) => (old ? { url: old.url } : undefined));
        ctx.print({ profile: name, loggedOut: true }, () => `logged out of ${p.url} (profile ${name})${serverNote}\n`);
      }),
    );

  program
    .command('whoami')
    .description('show who the API sees: user or API key, tenant, role and scopes')
    .action(
      act(io, async (ctx) => {
        const me = await (await ctx.api()).get<MeReply>('/api/v1/auth/me');
        ctx.record(me as unknown as Record<string, unknown>, ['kind', 'email', 'name', 'role', 'tenantId', 'userId', 'agentId', 'apiKeyId', 'scopes']);
      }),
    );

  const profiles = program.command('profile').description('list the stored login profiles or switch between them');
  profiles
    .command('list', { isDefault: true })
    .description('list the profiles in the config file')
    .action(
      act(io, (ctx) => {
        const config = readConfigFile(ctx.configFile, (l) => ctx.note(l));
        const rows = Object.entries(config.profiles).map(([name, p]) => ({
          current: name === config.current ? '*' : '',
          name,
          url: p.url,
          auth: p.apiKey ? 'api key' : p.refreshToken ? 'login' : 'none',
          user: p.user?.email ?? p.user?.role ?? null,
          expires: p.refreshToken ? when(p.refreshTokenExpiresAt) : null,
        }));
        // Never print secrets, even with --json.
        ctx.print({ current: config.current, file: ctx.configFile, profiles: rows }, () =>
          renderTable(rows, [
            { header: '', get: (r) => r.current },
            { header: 'PROFILE', get: (r) => r.name },
            { header: 'URL', get: (r) => r.url },
            { header: 'AUTH', get: (r) => r.auth },
            { header: 'USER', get: (r) => r.user },
            { header: 'LOGIN EXPIRES', get: (r) => r.expires },
          ], `(no profiles in ${ctx.configFile}; run dialerctl login)`),
        );
      }),
    );
  profiles
    .command('use <name>')
    .description('make a profile the current one')
    .action(
      act(io, (ctx, name: string) => {
        const config = readConfigFile(ctx.configFile);
        if (!config.profiles[name]) throw new CliError(`no profile ${name} in ${ctx.configFile}`, EXIT.notFound);
        config.current = name;
        writeConfigFile(ctx.configFile, config);
        ctx.say(`now using profile ${name} (${config.profiles[name]!.url})`);
      }),
    );
}
