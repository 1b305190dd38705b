/**
 * "New deployment" from the open blueprint: an id and an inputs form generated from the
 * blueprint's input schemas, validated as the user types. The engine reads the blueprint
 * from disk, so unsaved edits are pointed out.
 */
import { useEffect, useMemo, useState, type JSX } from 'react';
import type { Plan } from '../../engine/host/contract';
import { selectDirty, useDocumentStore } from '../state/document-store';
import { useRunnerStore } from '../state/runner-store';
import { deploymentIdError, inputFields, validateInputs } from './input-form';
import { Modal } from './Modal';
import { call, createDeployment, describeError } from './runner-actions';
import { getHostClient } from '../host';

function suggestId(file: string, taken: readonly string[]): string {
  const parts = file.split(/[\\/]/);
  const base =
    (parts.length > 1 ? parts[parts.length - 2] : parts[0])?.replace(/[^A-Za-z0-9_.-]/g, '-') ||
    'deployment';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

export function CreateDeploymentDialog(): JSX.Element {
  const close = (): void => useRunnerStore.getState().openDialog(null);
  const file = useDocumentStore((s) => s.filePath);
  const dirty = useDocumentStore(selectDirty);
  const taken = useRunnerStore((s) => s.deployments.map((d) => d.id).join('\n'));
  const takenList = useMemo(() => (taken ? taken.split('\n') : []), [taken]);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [id, setId] = useState('');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!file) return;
    setId((cur) => cur || suggestId(file, takenList));
    void getHostClient()
      .call('blueprint.compile', { file })
      .then((r) => {
        if (!r.ok) setLoadError(describeError(r.error));
        else if (!r.value.plan)
          setLoadError(
            r.value.problems.find((p) => p.severity === 'error')?.message ??
              'The blueprint has errors',
          );
        else setPlan(r.value.plan);
      });
  }, [file, takenList]);

  const fields = useMemo(() => (plan ? inputFields(plan.inputs) : []), [plan]);
  const { values, errors } = useMemo(
    () => (plan ? validateInputs(plan.inputs, texts) : { values: {}, errors: {} }),
    [plan, texts],
  );
  const idError = deploymentIdError(id, takenList);
  const valid = plan !== null && idError === undefined && Object.keys(errors).length === 0;

  const submit = async (): Promise<void> => {
    if (!file || !valid) return;
    setBusy(true);
    const ok = await createDeployment(file, id, values);
    setBusy(false);
    if (ok) close();
  };

  return (
    <Modal
      title="New deployment"
      onClose={close}
      testId="create-deployment-dialog"
      footer={
        <>
          <button onClick={close}>Cancel</button>
          <button
            className="primary"
            disabled={!valid || busy}
            onClick={() => void submit()}
            data-testid="create-deployment-submit"
          >
            {busy ? 'Creating…' : 'Create'}
          </button>
        </>
      }
    >
      {!file ? (
        <p className="rhint">
          Save the blueprint first (or open one of the examples): a deployment is made from a
          blueprint file.
        </p>
      ) : (
        <>
          <div className="rfield">
            <label>Blueprint</label>
            <div className="mono small" title={file}>
              {file}
            </div>
          </div>
          {dirty && (
            <p className="rwarn">
              The blueprint has unsaved changes; the deployment uses the saved file.
            </p>
          )}
          <div className="rfield">
            <label htmlFor="dep-id">Deployment id</label>
            <input
              id="dep-id"
              value={id}
              onChange={(e) => setId(e.target.value)}
              className={idError ? 'invalid' : ''}
              data-testid="deployment-id"
              autoFocus
            />
            {idError && <span className="rerr">{idError}</span>}
          </div>
          {loadError && <p className="rerr">{loadError}</p>}
          {!plan && !loadError && <p className="rhint">Reading the blueprint…</p>}
          {plan && fields.length === 0 && <p className="rhint">This blueprint has no inputs.</p>}
          {fields.length > 0 && <h4 className="rsub">Inputs</h4>}
          {fields.map((f) => (
            <div className="rfield" key={f.name}>
              <label htmlFor={`input-${f.name}`} title={f.description}>
                {f.name}{' '}
                <span className="muted">
                  {f.type}
                  {f.required ? ', required' : ''}
                </span>
              </label>
              {f.choices ? (
                <select
                  id={`input-${f.name}`}
                  value={texts[f.name] ?? ''}
                  onChange={(e) => setTexts({ ...texts, [f.name]: e.target.value })}
                >
                  <option value="">
                    {f.defaultText ? `default (${f.defaultText})` : 'choose…'}
                  </option>
                  {f.choices.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              ) : (
                <input
                  id={`input-${f.name}`}
                  data-testid={`input-${f.name}`}
                  value={texts[f.name] ?? ''}
                  placeholder={f.defaultText ? `default: ${f.defaultText}` : ''}
                  className={errors[f.name] ? 'invalid' : ''}
                  onChange={(e) => setTexts({ ...texts, [f.name]: e.target.value })}
                />
              )}
              {errors[f.name] ? (
                <span className="rerr" data-testid={`input-error-${f.name}`}>
                  {errors[f.name]}
                </span>
              ) : (
                f.description && <span className="muted small">{f.description}</span>
              )}
            </div>
          ))}
        </>
      )}
    </Modal>
  );
}

/** Fetches outputs and capabilities of a deployment (shown in the panel). */
export function fetchOutputs(deploymentId: string): ReturnType<typeof call<'deployments.outputs'>> {
  return call('deployments.outputs', { deploymentId }, true);
}
