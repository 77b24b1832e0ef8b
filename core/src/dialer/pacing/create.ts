import { DialerError } from '../../errors/index.js';
import { PredictivePacer } from './predictive.js';
import { ProgressivePacer, RatioPacer } from './simple.js';
import type { Pacer, PacerOptions } from './types.js';

/**
 * Creates a pacer. This signature is a published contract (external
 * simulators call it): `createPacer({ mode, targetAbandonRate, ratio? })`.
 */
export function createPacer(options: PacerOptions): Pacer {
  const target = options.targetAbandonRate;
  if (typeof target !== 'number' || !Number.isFinite(target) || target < 0 || target > 1) {
    throw new DialerError('DIALER_ERR_VALIDATION', 'targetAbandonRate must be a number between 0 and 1');
  }
  switch (options.mode) {
    case 'progressive':
      return new ProgressivePacer();
    case 'ratio': {
      const ratio = options.ratio ?? 1.5;
      if (!Number.isFinite(ratio) || ratio < 1 || ratio > 20) {
        throw new DialerError('DIALER_ERR_VALIDATION', 'ratio must be between 1 and 20');
      }
      return new RatioPacer(ratio);
    }
    case 'predictive':
      return new PredictivePacer({ targetAbandonRate: target });
    default:
      throw new DialerError('DIALER_ERR_VALIDATION', `unknown pacing mode ${JSON.stringify((options as { mode: unknown }).mode)}`);
  }
}
