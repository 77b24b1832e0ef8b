/**
 * A callback's local date (`YYYY-MM-DD`) and time (`HH:MM`), as the form's date
 * and time fields give them, to epoch ms in the browser's time zone. Undefined
 * when incomplete or not a real moment: no 31 February, no 24:00, and no time
 * that the clocks skip when they go forward (the browser would silently move it).
 */
export function callbackTime(date: string, time: string): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const [y, mo, day, h, mi] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  const at = new Date(y, mo - 1, day, h, mi, 0, 0);
  if (at.getFullYear() !== y || at.getMonth() !== mo - 1 || at.getDate() !== day || at.getHours() !== h || at.getMinutes() !== mi) return undefined;
  return at.getTime();
}

/** Checks a callback's date and time for the disposition form: the moment, or a sentence for the agent. */
export function checkCallback(date: string, time: string, nowMs: number): { at: number } | { error: string } {
  if (!date || !time) return { error: 'Enter the callback date and time.' };
  const at = callbackTime(date, time);
  if (at === undefined) return { error: `${date} ${time} is not a valid date and time.` };
  if (at <= nowMs) return { error: 'The callback time must be in the future.' };
  return { at };
}
