import { useServices } from '../app/services.js';
import { useObservable } from '../app/hooks.js';

/** The notices, announced to screen readers (errors assertively). */
export function Toasts() {
  const { toasts } = useServices();
  useObservable(toasts);
  const list = toasts.list;
  return (
    <div class="toasts">
      <div role="alert" aria-live="assertive" class="toast-stack">
        {list
          .filter((t) => t.kind === 'error')
          .map((t) => (
            <div key={t.id} class="toast toast-error" data-toast="error">
              <span>{t.text}</span>
              {t.count > 1 && <span class="toast-count"> ×{t.count}</span>}
              <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => toasts.dismiss(t.id)}>
                ×
              </button>
            </div>
          ))}
      </div>
      <div role="status" aria-live="polite" class="toast-stack">
        {list
          .filter((t) => t.kind !== 'error')
          .map((t) => (
            <div key={t.id} class={`toast toast-${t.kind}`} data-toast={t.kind}>
              <span>{t.text}</span>
              <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => toasts.dismiss(t.id)}>
                ×
              </button>
            </div>
          ))}
      </div>
    </div>
  );
}
