import { useEffect, useRef, useState } from 'preact/hooks';
import { useServices } from '../../app/services.js';
import { useLoad } from '../../app/hooks.js';
import { guessMapping, LEAD_FIELDS, mappingProblems, previewCsv, type ColumnTarget } from '../../lib/csv.js';
import { describeError } from '../../lib/toasts.js';
import type { ImportMapping, ImportReport, ImportRowError, ImportStatus } from '../../api.js';

/** The mapping as the import route takes it: CSV header to lead field or `custom.<name>`; skipped columns are left out. */
export function mappingBody(header: string[], targets: ColumnTarget[], defaultCountry = 'US'): ImportMapping {
  const columns: Record<string, string> = {};
  header.forEach((h, i) => {
    const t = targets[i];
    if (t && t !== 'skip') columns[h] = t;
  });
  return { columns, defaultCountry };
}

const DONE = new Set(['completed', 'failed', 'cancelled']);

/** Lists, and the CSV upload: column mapping, a progress bar, and the import report. */
export function ListsPage() {
  const { api, toasts } = useServices();
  const lists = useLoad(() => api.lists().then((p) => p.items), []);
  const campaigns = useLoad(() => api.campaigns().then((p) => p.items), []);
  const [listId, setListId] = useState('');
  const [newName, setNewName] = useState('');
  const [newCampaign, setNewCampaign] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<ReturnType<typeof previewCsv> | undefined>();
  const [targets, setTargets] = useState<ColumnTarget[]>([]);
  const [status, setStatus] = useState<ImportStatus | ImportReport | undefined>();
  const [errors, setErrors] = useState<ImportRowError[]>([]);
  const [busy, setBusy] = useState(false);
  const poll = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(poll.current), []);

  const pick = async (f: File | undefined) => {
    setFile(f);
    setStatus(undefined);
    setErrors([]);
    if (!f) {
      setPreview(undefined);
      return;
    }
    const head = await f.slice(0, 64 * 1024).text();
    const p = previewCsv(head);
    setPreview(p);
    setTargets(guessMapping(p.header));
  };

  const createList = async (e: Event) => {
    e.preventDefault();
    try {
      const body: { name: string; campaignId?: string } = { name: newName.trim() };
      if (newCampaign) body.campaignId = newCampaign;
      const l = await api.createList(body);
      setNewName('');
      setListId(l.id);
      lists.reload();
      toasts.push('success', `List “${l.name}” created.`);
    } catch (err) {
      toasts.push('error', describeError(err, 'List not created'));
    }
  };

  // The upload request returns with the report when the import is done; meanwhile the list's running import shows progress.
  const watch = (id: string) => {
    const tick = async () => {
      try {
        const running = (await api.imports(id)).items.find((i) => i.status === 'running');
        if (running) setStatus((s) => (s && DONE.has(s.status) ? s : running));
      } catch {
        // Progress is a nicety; the upload's own answer carries the report.
      }
      poll.current = setTimeout(() => void tick(), 400);
    };
    poll.current = setTimeout(() => void tick(), 300);
  };

  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file || !preview || !listId) return;
    const problems = mappingProblems(targets);
    if (problems.length > 0) {
      toasts.push('error', problems.join(' '));
      return;
    }
    setBusy(true);
    setStatus(undefined);
    setErrors([]);
    watch(listId);
    try {
      const report = await api.importCsv(listId, file, mappingBody(preview.header, targets), file.name);
      clearTimeout(poll.current);
      setStatus(report);
      setErrors(report.errors ?? []);
      if (report.status === 'failed') toasts.push('error', `Import failed: ${report.error ?? 'see the report'}`);
      else toasts.push('success', `Import finished: ${report.imported} leads imported.`);
    } catch (err) {
      clearTimeout(poll.current);
      toasts.push('error', describeError(err, 'Upload refused'));
    } finally {
      setBusy(false);
    }
  };

  const pct = status && status.totalRows > 0 ? Math.round((100 * status.processedRows) / status.totalRows) : status && DONE.has(status.status) ? 100 : 0;
  return (
    <div class="admin-page">
      <h1>Lists</h1>
      <section class="panel" aria-labelledby="lists-title">
        <h2 id="lists-title">Lists</h2>
        {(lists.data ?? []).length === 0 && !lists.loading && <p class="muted">No lists yet.</p>}
        <ul>
          {(lists.data ?? []).map((l) => (
            <li key={l.id}>
              {l.name} <small class="muted">({l.status}{l.campaignId ? `, ${campaigns.data?.find((c) => c.id === l.campaignId)?.name ?? l.campaignId}` : ''})</small>
            </li>
          ))}
        </ul>
        <form class="row" onSubmit={createList} aria-label="New list">
          <label>
            New list name
            <input value={newName} required onInput={(e) => setNewName(e.currentTarget.value)} />
          </label>
          <label>
            Campaign
            <select value={newCampaign} onChange={(e) => setNewCampaign(e.currentTarget.value)}>
              <option value="">None</option>
              {(campaigns.data ?? []).map((c) => (
                <option value={c.id}>{c.name}</option>
              ))}
            </select>
          </label>
          <button type="submit">Create list</button>
        </form>
      </section>
      <form class="panel upload" onSubmit={upload} aria-labelledby="upload-title">
        <h2 id="upload-title">Upload leads (CSV)</h2>
        <div class="row">
          <label>
            Into list
            <select value={listId} required onChange={(e) => setListId(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {(lists.data ?? []).map((l) => (
                <option value={l.id}>{l.name}</option>
              ))}
            </select>
          </label>
          <label>
            CSV file
            <input type="file" accept=".csv,text/csv" required onChange={(e) => void pick(e.currentTarget.files?.[0])} />
          </label>
        </div>
        {preview && (
          <table class="grid mapping">
            <caption>Column mapping (first rows shown)</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Maps to</th>
                <th scope="col">Sample</th>
              </tr>
            </thead>
            <tbody>
              {preview.header.map((h, i) => (
                <tr key={`${h}-${i}`}>
                  <th scope="row">{h}</th>
                  <td>
                    <select aria-label={`Field for column ${h}`} value={targets[i]} onChange={(e) => setTargets(targets.map((t, j) => (j === i ? (e.currentTarget.value as ColumnTarget) : t)))}>
                      <option value="skip">Skip</option>
                      {LEAD_FIELDS.map((f) => (
                        <option value={f}>{f}</option>
                      ))}
                      <option value={`custom.${h.toLowerCase().replace(/[^a-z0-9_]/g, '') || `column${i}`}`}>Custom field</option>
                    </select>
                  </td>
                  <td class="muted">{preview.rows.map((r) => r[i] ?? '').filter(Boolean).slice(0, 3).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <button type="submit" class="primary" disabled={busy || !file || !listId}>
          {busy ? 'Importing…' : 'Upload'}
        </button>
        {status && (
          <div class="import-status" aria-live="polite" data-import-status={status.status}>
            <label>
              Progress
              <progress max={100} value={pct} aria-valuetext={`${pct}%`} />
            </label>
            <span>
              {status.processedRows}/{status.totalRows || '?'} rows · {status.status}
            </span>
          </div>
        )}
        {status && DONE.has(status.status) && (
          <section class="report" aria-labelledby="report-title" data-import-report="yes">
            <h3 id="report-title">Import report</h3>
            <dl class="figures">
              <div>
                <dt>Imported</dt>
                <dd data-fig="imported">{status.imported}</dd>
              </div>
              <div>
                <dt>Duplicates</dt>
                <dd data-fig="duplicates">{status.duplicates}</dd>
              </div>
              <div>
                <dt>Invalid</dt>
                <dd data-fig="invalid">{status.invalid}</dd>
              </div>
              <div>
                <dt>On DNC</dt>
                <dd data-fig="dnc">{status.dnc}</dd>
              </div>
            </dl>
            {status.error && <p class="form-error">{status.error}</p>}
            {'errorsTruncated' in status && status.errorsTruncated && <p class="muted">Only the first rows not imported are listed.</p>}
            {errors.length > 0 && (
              <table class="grid">
                <caption>Rows not imported</caption>
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Why</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {errors.map((e) => (
                    <tr key={`${e.row}-${e.kind}`}>
                      <td class="num">{e.row}</td>
                      <td>{e.kind}</td>
                      <td>{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}
      </form>
    </div>
  );
}
