/** A parsed key binding such as `Alt+R`, `F2` or `3`. */
export interface Hotkey {
  key: string;
  alt: boolean;
  ctrl: boolean;
  shift: boolean;
  meta: boolean;
}

/** The parts of a KeyboardEvent the matcher reads. */
export interface KeyLike {
  key: string;
  code?: string;
  altKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

/** The parts of the event target the matcher reads. */
export interface TargetLike {
  tagName?: string;
  isContentEditable?: boolean;
  type?: string;
}

const NAMED: Record<string, string> = { esc: 'Escape', escape: 'Escape', enter: 'Enter', space: ' ', del: 'Delete', delete: 'Delete' };

/** Parses `Alt+Shift+R`, `F2`, `1` (case-insensitive); returns undefined for an invalid spec. */
export function parseHotkey(spec: string): Hotkey | undefined {
  const parts = spec
    .split('+')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  const h: Hotkey = { key: '', alt: false, ctrl: false, shift: false, meta: false };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const lower = p.toLowerCase();
    const last = i === parts.length - 1;
    if (!last) {
      if (lower === 'alt' || lower === 'option') h.alt = true;
      else if (lower === 'ctrl' || lower === 'control') h.ctrl = true;
      else if (lower === 'shift') h.shift = true;
      else if (lower === 'meta' || lower === 'cmd') h.meta = true;
      else return undefined;
      continue;
    }
    if (/^f([1-9]|1[0-2])$/i.test(p)) h.key = p.toUpperCase();
    else if (p.length === 1) h.key = p.toLowerCase();
    else if (NAMED[lower]) h.key = NAMED[lower]!;
    else return undefined;
  }
  return h;
}

/** The canonical text of a binding, for labels (`Alt+R`). */
export function formatHotkey(h: Hotkey): string {
  const mods = [h.ctrl && 'Ctrl', h.alt && 'Alt', h.shift && 'Shift', h.meta && 'Meta'].filter(Boolean);
  const key = h.key.length === 1 ? h.key.toUpperCase() : h.key === ' ' ? 'Space' : h.key;
  return [...mods, key].join('+');
}

/** The key an event names, independent of Alt producing a special character (macOS) or Shift changing case. */
function eventKey(e: KeyLike): string {
  if (e.code) {
    const m = /^(?:Key([A-Z])|Digit([0-9])|Numpad([0-9]))$/.exec(e.code);
    if (m) return (m[1] ?? m[2] ?? m[3]!).toLowerCase();
  }
  if (/^F([1-9]|1[0-2])$/.test(e.key)) return e.key;
  return e.key.length === 1 ? e.key.toLowerCase() : e.key;
}

export function matchesHotkey(e: KeyLike, h: Hotkey): boolean {
  return eventKey(e) === h.key && e.altKey === h.alt && e.ctrlKey === h.ctrl && e.shiftKey === h.shift && e.metaKey === h.meta;
}

/** True when the user is typing in a field, where plain keys belong to the field. */
export function isTypingTarget(t: TargetLike | null | undefined): boolean {
  if (!t) return false;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color'].includes((t.type ?? 'text').toLowerCase());
  return false;
}

/** A binding is safe while typing when it uses Ctrl, Alt or Meta, or is a function key. */
export function worksWhileTyping(h: Hotkey): boolean {
  return h.alt || h.ctrl || h.meta || /^F\d+$/.test(h.key) || h.key === 'Escape';
}

/** A table of bindings to actions; conflicts are reported, the first binding wins. */
export class HotkeyMap<A> {
  private readonly entries: { hotkey: Hotkey; action: A; spec: string }[] = [];
  readonly conflicts: string[] = [];
  readonly invalid: string[] = [];

  add(spec: string | null | undefined, action: A): this {
    if (!spec) return this;
    const h = parseHotkey(spec);
    if (!h) {
      this.invalid.push(spec);
      return this;
    }
    const text = formatHotkey(h);
    if (this.entries.some((e) => formatHotkey(e.hotkey) === text)) {
      this.conflicts.push(text);
      return this;
    }
    this.entries.push({ hotkey: h, action, spec: text });
    return this;
  }

  /** The action for a key event, or undefined (also when a plain key is pressed inside a text field). */
  match(e: KeyLike, target?: TargetLike | null): A | undefined {
    const typing = isTypingTarget(target);
    for (const en of this.entries) {
      if (!matchesHotkey(e, en.hotkey)) continue;
      if (typing && !worksWhileTyping(en.hotkey)) return undefined;
      return en.action;
    }
    return undefined;
  }

  /** The label of the binding of an action (for `aria-keyshortcuts` and button hints). */
  labelOf(action: A): string | undefined {
    return this.entries.find((e) => e.action === action)?.spec;
  }
}
