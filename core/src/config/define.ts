import type { Static, TSchema } from '@sinclair/typebox';

/** One setting: its environment variable, schema, default and documentation. */
export interface SettingSpec<S extends TSchema = TSchema> {
  /** Environment variable (and config-file key), e.g. `API_PORT`. */
  readonly env: string;
  readonly schema: S;
  /** Used when neither the environment nor the file sets it. */
  readonly default?: Static<S>;
  /** When true the setting may be left unset (its value is then `undefined`). */
  readonly optional?: boolean;
  /** Secrets are redacted in dumps and may also be read from the file named by `<ENV>_FILE`. */
  readonly secret?: boolean;
  /** One line for the README's configuration table. */
  readonly doc: string;
  /** How the docs show a default that depends on the machine (e.g. "the host name"). */
  readonly defaultDoc?: string;
}

/** The settings of one section, by property name. */
export type SectionSpec = { readonly [key: string]: SettingSpec };

/** The parsed values of a section. */
export type SectionValues<S extends SectionSpec> = {
  readonly [K in keyof S]: S[K] extends { optional: true }
    ? Static<S[K]['schema']> | undefined
    : Static<S[K]['schema']>;
};

/** A cross-field check; returns one message per problem (empty when fine). */
export type SectionCheck<S extends SectionSpec> = (values: SectionValues<S>) => { env: string; message: string }[];

/** A named group of settings owned by one daemon or library. */
export interface ConfigSection<N extends string = string, S extends SectionSpec = SectionSpec> {
  readonly name: N;
  readonly settings: S;
  /** Cross-field checks (method syntax keeps sections assignable to `ConfigSection`). */
  check?(values: SectionValues<S>): { env: string; message: string }[];
}

/** Declares a section. Each daemon declares its own; `core` declares the shared one. */
export function defineSection<const N extends string, const S extends SectionSpec>(
  name: N,
  settings: S,
  check?: SectionCheck<S>,
): ConfigSection<N, S> {
  return check ? { name, settings, check } : { name, settings };
}

/** Helper so each entry of a section keeps its own schema type. */
export function setting<S extends TSchema>(spec: SettingSpec<S> & { optional: true }): SettingSpec<S> & { optional: true };
export function setting<S extends TSchema>(spec: SettingSpec<S>): SettingSpec<S>;
export function setting<S extends TSchema>(spec: SettingSpec<S>): SettingSpec<S> {
  return spec;
}

/** The frozen, typed configuration built from a list of sections. */
export type ConfigOf<T extends readonly ConfigSection[]> = {
  readonly [Sec in T[number] as Sec['name']]: SectionValues<Sec['settings']>;
};
