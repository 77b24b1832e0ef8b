import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { describeError } from '../../lib/toasts.js';

/** A form field of a create form. */
export interface Field {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'select' | 'checkbox' | 'url' | 'tel' | 'list';
  options?: { value: string; label: string }[];
  required?: boolean;
  placeholder?: string;
}

/** A column of the list. */
export interface Column<T> {
  key: string;
  label: string;
  render?: (row: T) => ComponentChildren;
}

/** Turns form strings into the JSON the API expects (numbers, booleans, comma lists). */
export function formBody(fields: Field[], values: Record<string, string | boolean>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.type === 'checkbox') {
      out[f.name] = v === true;
      continue;
    }
    if (v === undefined || v === '') continue;
    if (f.type === 'number') out[f.name] = Number(v);
    else if (f.type === 'list')
      out[f.name] = String(v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else out[f.name] = v;
  }
  return out;
}

/** A plain admin page: a table of a resource, a create form, and delete buttons. */
export function ResourcePage<T extends { id: string | number }>(p: {
  title: string;
  path: string;
  columns: Column<T>[];
  fields?: Field[];
  createLabel?: string;
  canDelete?: boolean;
  deleteLabel?: string;
  onCreated?: (created: unknown) => void;
  rowActions?: (row: T, reload: () => void) => ComponentChildren;
  children?: ComponentChildren;
}) {
  const { api, toasts } = useServices();
  const list = useLoad(() => api.list<T>(p.path), [p.path]);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [error, setError] = useState<string | undefined>();
  const fields = p.fields ?? [];

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const created = await api.create(p.path, formBody(fields, values));
      setValues({});
      toasts.push('success', `${p.title}: created.`);
      p.onCreated?.(created);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const remove = async (row: T) => {
    if (!confirm(`${p.deleteLabel ?? 'Delete'} this item? This is recorded in the audit log.`)) return;
    try {
      await api.remove(p.path, String(row.id));
      list.reload();
    } catch (err) {
      toasts.push('error', describeError(err, `${p.deleteLabel ?? 'Delete'} refused`));
    }
  };

  return (
    <div class="admin-page">
      <h1>{p.title}</h1>
      {p.children}
      {fields.length > 0 && (
        <form class="panel create-form" onSubmit={create} aria-label={p.createLabel ?? `New ${p.title.toLowerCase()}`}>
          <h2>{p.createLabel ?? 'Add'}</h2>
          <div class="form-grid">
            {fields.map((f) => (
              <label key={f.name} class={f.type === 'checkbox' ? 'check' : ''}>
                {f.type === 'checkbox' ? (
                  <input type="checkbox" checked={values[f.name] === true} onChange={(e) => setValues({ ...values, [f.name]: e.currentTarget.checked })} />
                ) : null}
                {f.label}
                {f.type === 'select' ? (
                  <select required={f.required} value={String(values[f.name] ?? '')} onChange={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}>
                    <option value="">Choose…</option>
                    {(f.options ?? []).map((o) => (
                      <option value={o.value}>{o.label}</option>
                    ))}
                  </select>
                ) : f.type === 'checkbox' ? null : (
                  <input
                    type={f.type === 'list' || !f.type ? 'text' : f.type}
                    required={f.required}
                    placeholder={f.placeholder}
                    value={String(values[f.name] ?? '')}
                    onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
                  />
                )}
              </label>
            ))}
          </div>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary">
            {p.createLabel ?? 'Add'}
          </button>
        </form>
      )}
      <section class="panel">
        {list.loading && <p aria-busy="true">Loading…</p>}
        {Boolean(list.error) && (
          <p class="form-error" role="alert">
            {describeError(list.error, 'Could not load')}
          </p>
        )}
        {list.data && list.data.items.length === 0 && <p class="muted">Nothing here yet.</p>}
        {list.data && list.data.items.length > 0 && (
          <table class="grid">
            <thead>
              <tr>
                {p.columns.map((c) => (
                  <th scope="col" key={c.key}>
                    {c.label}
                  </th>
                ))}
                {(p.canDelete || p.rowActions) && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((row) => (
                <tr key={row.id}>
                  {p.columns.map((c) => (
                    <td key={c.key}>{c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? '—')}</td>
                  ))}
                  {(p.canDelete || p.rowActions) && (
                    <td class="actions">
                      {p.rowActions?.(row, list.reload)}
                      {p.canDelete && (
                        <button type="button" class="small danger" onClick={() => void remove(row)}>
                          {p.deleteLabel ?? 'Delete'}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.data?.nextCursor && <p class="muted">Showing the first {list.data.items.length}.</p>}
      </section>
    </div>
  );
}
