// wavefile ships CommonJS without named ESM exports; load it through require.
import { createRequire } from 'node:module';
import type { WaveFile as WaveFileClass } from 'wavefile';

const require = createRequire(import.meta.url);

/** wavefile's WaveFile class. */
export const WaveFile = (require('wavefile') as { WaveFile: typeof WaveFileClass }).WaveFile;
export type WaveFile = WaveFileClass;
