import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** scrypt cost parameters; stored with each hash so they can be raised later without breaking old hashes. */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** The production cost: N=2^15, r=8 (32 MiB, about 50-100 ms on a server core; OWASP's floor is 2^17 with r=8 at p=1 or 2^15 at p=3). */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 2 };

const KEY_LEN = 32;

function maxmem(c: ScryptCost): number {
  return 128 * c.N * c.r * c.p + 16 * 1024 * 1024;
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64), the format of `users.password_hash`. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEY_LEN, { N: cost.N, r: cost.r, p: cost.p, maxmem: maxmem(cost) });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length !== KEY_LEN) return false;
  const key = await scrypt(password.normalize('NFKC'), salt, KEY_LEN, { N, r, p, maxmem: maxmem({ N, r, p }) });
  return timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/**
 * Spends the same time as a real check, for logins with an unknown e-mail, so
 * response times do not reveal which accounts exist.
 */
export async function burnPasswordCheck(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<void> {
  dummy ??= hashPassword(randomBytes(12).toString('base64'), cost);
  await verifyPassword(password, await dummy);
}

/** A random password for generated accounts: 20 characters, about 119 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url').slice(0, 20);
}

/** The password rules every route applies: long enough, not absurdly long (scrypt input). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
