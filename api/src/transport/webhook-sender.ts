/** The outcome of one HTTP attempt. */
export interface SendResult {
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** Posts a signed webhook body; never throws (failures come back as a result). */
export type WebhookSender = (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendResult>;

/** The real sender: `fetch` with a timeout, no redirects followed, the response body drained and ignored. */
export const httpWebhookSender: WebhookSender = async (url, headers, body, timeoutMs) => {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dialer-webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, error: res.ok ? null : `HTTP ${res.status}`, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const msg = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { status: null, error: String(msg).slice(0, 500), durationMs: Math.round(performance.now() - started) };
  }
};
