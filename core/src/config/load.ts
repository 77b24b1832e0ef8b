import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { DialerError } from '../errors/index.js';
import type { ConfigOf, ConfigSection, SettingSpec } from './define.js';
import { coerceEnvValue, parseEnvFile } from './parse-env.js';

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  env: string;
  message: string;
}

/** Where {@link loadConfig} reads from. Defaults to the process. */
export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  argv?: readonly string[];
  /** Path of a config file; overrides `--config` and `DIALER_CONFIG`. */
  configFile?: string;
  readFile?: (path: string) => string;
}

/** The value of `--config <path>` or `--config=<path>` in argv, if any. */
export function configFileFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

function readConfigFile(path: string, read: (p: string) => string, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    problems.push({ env: '--config', message: `cannot read config file ${path}: ${(err as Error).message}` });
    return {};
  }
  if (path.endsWith('.json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push({ env: '--config', message: `config file ${path} must hold a JSON object of SETTING: value` });
        return {};
      }
      return parsed as Record<string, unknown>;
    } catch (err) {
      problems.push({ env: '--config', message: `config file ${path} is not valid JSON: ${(err as Error).message}` });
      return {};
    }
  }
  return parseEnvFile(text);
}

function describeValue(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function checkSetting(spec: SettingSpec, value: unknown, problems: ConfigProblem[]): boolean {
  if (Value.Check(spec.schema, value)) return true;
  const first = Value.Errors(spec.schema, value).First();
  const why = first ? `${first.path && first.path !== '/' ? `${first.path}: ` : ''}${first.message}` : 'invalid value';
  const shown = spec.secret ? '[redacted]' : describeValue(value);
  problems.push({ env: spec.env, message: `${why} (got ${shown})` });
  return false;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/**
 * Reads the environment (and an optional `--config` file), validates every
 * section's settings, and returns one frozen, typed object. Every problem is
 * reported at once in a single {@link DialerError} (`DIALER_ERR_CONFIG_INVALID`).
 * Precedence: environment, then the file, then defaults.
 */
export function loadConfig<const T extends readonly ConfigSection[]>(sections: T, options: LoadConfigOptions = {}): ConfigOf<T> {
  const env = options.env ?? process.env;
  const argv = options.argv ?? process.argv.slice(2);
  const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: ConfigProblem[] = [];

  const filePath = options.configFile ?? configFileFromArgv(argv) ?? env['DIALER_CONFIG'];
  const fileValues = filePath ? readConfigFile(filePath, read, problems) : {};

  const known = new Map<string, SettingSpec>();
  for (const section of sections) {
    for (const spec of Object.values(section.settings)) {
      const prior = known.get(spec.env);
      if (prior && prior !== spec) throw new Error(`setting ${spec.env} is declared by two sections`);
      known.set(spec.env, spec);
    }
  }
  for (const key of Object.keys(fileValues)) {
    if (!known.has(key) && !(key.endsWith('_FILE') && known.get(key.slice(0, -5))?.secret)) {
      problems.push({ env: key, message: `unknown setting in config file ${filePath}` });
    }
  }

  const out: Record<string, Record<string, unknown>> = {};
  for (const section of sections) {
    const values: Record<string, unknown> = {};
    let sectionOk = true;
    for (const [prop, spec] of Object.entries(section.settings)) {
      let raw: unknown = env[spec.env];
      if (raw === undefined || raw === '') raw = fileValues[spec.env];
      if ((raw === undefined || raw === '') && spec.secret) {
        const fileRef = env[`${spec.env}_FILE`] ?? (fileValues[`${spec.env}_FILE`] as string | undefined);
        if (fileRef) {
          try {
            raw = read(fileRef).trim();
          } catch (err) {
            problems.push({ env: `${spec.env}_FILE`, message: `cannot read ${fileRef}: ${(err as Error).message}` });
            sectionOk = false;
            continue;
          }
        }
      }
      if (raw === undefined || raw === '') {
        if (spec.default !== undefined) values[prop] = structuredClone(spec.default);
        else if (spec.optional) values[prop] = undefined;
        else {
          problems.push({ env: spec.env, message: 'is required' });
          sectionOk = false;
        }
        continue;
      }
      const value = typeof raw === 'string' ? coerceEnvValue(raw, spec.schema) : raw;
      if (checkSetting(spec, value, problems)) values[prop] = value;
      else sectionOk = false;
    }
    if (sectionOk && section.check) {
      problems.push(...section.check(values as never));
    }
    out[section.name] = values;
  }

  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${p.env}: ${p.message}`).join('\n');
    throw new DialerError('DIALER_ERR_CONFIG_INVALID', `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, {
      details: problems,
    });
  }
  return deepFreeze(out) as ConfigOf<T>;
}

/** A copy of the config with every secret replaced by `[redacted]`, for `status` output and logs. */
export function redactConfig(config: object, sections: readonly ConfigSection[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const cfg = config as Record<string, Record<string, unknown>>;
  for (const section of sections) {
    const values = cfg[section.name] ?? {};
    const copy: Record<string, unknown> = {};
    for (const [prop, spec] of Object.entries(section.settings)) {
      const v = values[prop];
      copy[prop] = spec.secret && v !== undefined ? '[redacted]' : v;
    }
    out[section.name] = copy;
  }
  return out;
}

/** One documentation row per setting: what the README's configuration table shows. */
export function describeSettings(sections: readonly ConfigSection[]): { section: string; env: string; default: string; doc: string; secret: boolean }[] {
  const rows: { section: string; env: string; default: string; doc: string; secret: boolean }[] = [];
  for (const section of sections) {
    for (const spec of Object.values(section.settings)) {
      rows.push({
        section: section.name,
        env: spec.env,
        default: spec.defaultDoc ?? (spec.default === undefined ? (spec.optional ? '(unset)' : '(required)') : JSON.stringify(spec.default)),
        doc: spec.doc,
        secret: spec.secret === true,
      });
    }
  }
  return rows;
}
