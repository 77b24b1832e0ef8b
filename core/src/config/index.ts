export { defineSection, setting, type ConfigOf, type ConfigSection, type SectionSpec, type SectionValues, type SettingSpec, type SectionCheck } from './define.js';
export { loadConfig, configFileFromArgv, redactConfig, describeSettings, type ConfigProblem, type LoadConfigOptions } from './load.js';
export { coerceEnvValue, parseEnvFile } from './parse-env.js';
export { coreSection } from './core-section.js';
