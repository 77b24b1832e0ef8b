import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { ApiClient } from '../client.js';
import { usage } from '../exit.js';
import type { Io } from '../io.js';
import { act } from '../program.js';
import { readStdinLine } from '../prompt.js';
import { when } from '../output/table.js';
import { csvList, fetchPages, moreHint, parseTime, resolveByName, withPaging, type PageOptions } from './common.js';

/** A user as the API returns it. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  lockedUntil: number | null;
  lastLoginAt: number | null;
  agentId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** An API key's public fields (the key itself is shown once, at creation). */
export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: string;
  scopes: string[];
  userId: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  createdAt: number;
}

const ROLES = ['admin', 'supervisor', 'agent', 'developer'];

/** A random initial password: 20 characters, about 119 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

function userId(api: ApiClient, ref: string): Promise<string> {
  return resolveByName(api, '/api/v1/users', ref, 'user', (u) => u['email']);
}

/** `dialerctl user ...` and `dialerctl apikey ...`. */
export function userCommands(program: Command, io: Io): void {
  const u = program.command('user').description('users: list, create, change, unlock, delete');

  withPaging(u.command('list').description('list users'))
    .addOption(new Option('--role <role>', 'only this role').choices(ROLES))
    .option('--q <text>', 'part of the name or e-mail')
    .action(
      act(io, async (ctx, o: PageOptions & { role?: string; q?: string }) => {
        const page = await fetchPages<User>(await ctx.api(), '/api/v1/users', { role: o.role, q: o.q }, o);
        ctx.table(
          page,
          page.items,
          [
            { header: 'ID', get: (r) => r.id, max: 36 },
            { header: 'EMAIL', get: (r) => r.email },
            { header: 'NAME', get: (r) => r.name },
            { header: 'ROLE', get: (r) => r.role },
            { header: 'STATUS', get: (r) => (r.lockedUntil && r.lockedUntil > ctx.io.now() ? `${r.status}, locked` : r.status) },
            { header: 'LAST LOGIN', get: (r) => when(r.lastLoginAt) },
          ],
          moreHint(page),
        );
      }),
    );

  u.command('show <user>')
    .description('show a user (by id or e-mail)')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const user = await api.get<User>(`/api/v1/users/${await userId(api, ref)}`);
        ctx.record({ ...user, lockedUntil: when(user.lockedUntil), lastLoginAt: when(user.lastLoginAt), createdAt: when(user.createdAt), updatedAt: when(user.updatedAt) });
      }),
    );

  u.command('create')
    .description('create a user (agents: prefer `dialerctl agent create`)')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .addOption(new Option('--role <role>').choices(ROLES).makeOptionMandatory())
    .option('--password-stdin', 'read the password from stdin (else a random one is generated and printed once)')
    .action(
      act(io, async (ctx, o: { email: string; name: string; role: string; passwordStdin?: boolean }) => {
        const generated = o.passwordStdin ? undefined : generatePassword();
        const password = generated ?? (await readStdinLine(io));
        const user = await (await ctx.api()).post<User>('/api/v1/users', { email: o.email, name: o.name, role: o.role, password });
        ctx.print(generated ? { ...user, password: generated } : user, () => `created ${user.role} ${user.email} (${user.id})${generated ? `\ninitial password (shown once): ${generated}` : ''}\n`);
      }),
    );

  u.command('update <user>')
    .description('change a user\'s name, role or status, or set a new password')
    .option('--name <name>')
    .addOption(new Option('--role <role>').choices(ROLES))
    .addOption(new Option('--status <status>', 'active or disabled').choices(['active', 'disabled']))
    .option('--password-stdin', 'read a new password from stdin (ends the user\'s logins)')
    .action(
      act(io, async (ctx, ref: string, o: { name?: string; role?: string; status?: string; passwordStdin?: boolean }) => {
        const body: Record<string, unknown> = { ...(o.name ? { name: o.name } : {}), ...(o.role ? { role: o.role } : {}), ...(o.status ? { status: o.status } : {}) };
        if (o.passwordStdin) body['password'] = await readStdinLine(io);
        if (Object.keys(body).length === 0) throw usage('nothing to change');
        const api = await ctx.api();
        const user = await api.patch<User>(`/api/v1/users/${await userId(api, ref)}`, body);
        ctx.print(user, () => `updated ${user.email}: ${Object.keys(body).join(', ')}\n`);
      }),
    );

  u.command('unlock <user>')
    .description('unlock a user locked out by failed logins')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const user = await api.post<User>(`/api/v1/users/${await userId(api, ref)}/unlock`);
        ctx.print(user, () => `unlocked ${user.email}\n`);
      }),
    );

  u.command('delete <user>')
    .description('delete a user')
    .action(
      act(io, async (ctx, ref: string) => {
        const api = await ctx.api();
        const id = await userId(api, ref);
        await api.delete(`/api/v1/users/${id}`);
        ctx.print({ id, deleted: true }, () => `deleted user ${id}\n`);
      }),
    );

  const k = program.command('apikey').description('API keys: list, create (the key is shown once), revoke');

  withPaging(k.command('list').description('list API keys (never the keys themselves)')).action(
    act(io, async (ctx, o: PageOptions) => {
      const page = await fetchPages<ApiKeyRow>(await ctx.api(), '/api/v1/api-keys', {}, o);
      ctx.table(
        page,
        page.items,
        [
          { header: 'ID', get: (r) => r.id, max: 36 },
          { header: 'NAME', get: (r) => r.name },
          { header: 'PREFIX', get: (r) => `dk_${r.prefix}_…` },
          { header: 'ROLE', get: (r) => r.role },
          { header: 'SCOPES', get: (r) => r.scopes.join(','), max: 40 },
          { header: 'STATE', get: (r) => (r.revokedAt ? 'revoked' : r.expiresAt && r.expiresAt <= ctx.io.now() ? 'expired' : 'active') },
          { header: 'LAST USED', get: (r) => when(r.lastUsedAt) },
        ],
        moreHint(page),
      );
    }),
  );

  k.command('create')
    .description('create an API key; it is printed once, store it now')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <scopes>', 'comma-separated: * or resource:read|write (e.g. calls:read,leads:write)', csvList)
    .addOption(new Option('--role <role>', 'role of the key (default: yours)').choices(['admin', 'supervisor', 'developer']))
    .option('--expires <when>', 'expiry: ISO date, date-time, or epoch ms')
    .action(
      act(io, async (ctx, o: { name: string; scopes: string[]; role?: string; expires?: string }) => {
        const body = {
          name: o.name,
          scopes: o.scopes,
          ...(o.role ? { role: o.role } : {}),
          ...(o.expires ? { expiresAt: parseTime(o.expires, ctx.io.now(), '--expires') } : {}),
        };
        const r = await (await ctx.api()).post<{ apiKey: ApiKeyRow; key: string }>('/api/v1/api-keys', body);
        ctx.print(r, () => `${r.key}\n`);
        if (!ctx.json) ctx.note(`created API key ${r.apiKey.name} (${r.apiKey.id}, ${r.apiKey.role}, ${r.apiKey.scopes.join(',')}); it is shown only once`);
      }),
    );

  k.command('revoke <id>')
    .description('revoke an API key')
    .action(
      act(io, async (ctx, id: string) => {
        await (await ctx.api()).delete(`/api/v1/api-keys/${encodeURIComponent(id)}`);
        ctx.print({ id, revoked: true }, () => `revoked API key ${id}\n`);
      }),
    );
}
