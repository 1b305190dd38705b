/**
 * Live metric charts (recharts): per deployment or per node, a chosen metric over a chosen
 * window, one line per instance, the scale policies' thresholds drawn, scale and heal
 * marked on the time axis. Polls `metrics.query` every 2 s. Also the "pause policies"
 * toggle and the "generate load" action of the offline example.
 */
import { useEffect, useMemo, useState, type JSX } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { MetricSeries } from '../../engine/host/contract';
import { useRunnerEventsStore } from '../state/runner-events-store';
import { selectDeployment, selectPlan, useRunnerStore } from '../state/runner-store';
import { chartRows, thresholdsFor, timeMarks } from './metric-chart-data';
import { call } from './runner-actions';
import { GenerateLoadButton, PoliciesToggle } from './PolicyControls';

const windows = [
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
  { label: '1 h', ms: 3_600_000 },
] as const;
const palette = [
  '#2f6fde',
  '#d9480f',
  '#2b8a3e',
  '#ae3ec9',
  '#e67700',
  '#0c8599',
  '#c2255c',
  '#5c940d',
  '#1971c2',
  '#862e9c',
];
const clock = (t: number): string => new Date(t).toTimeString().slice(0, 8);

export function MetricsPanel(): JSX.Element {
  const deployment = useRunnerStore(selectDeployment);
  const plan = useRunnerStore(selectPlan);
  const version = useRunnerEventsStore((s) => s.version);
  const [available, setAvailable] = useState<{ metric: string; nodeIds: string[] }[]>([]);
  const [metric, setMetric] = useState('');
  const [node, setNode] = useState('');
  const [windowMs, setWindowMs] = useState<number>(60_000);
  const [series, setSeries] = useState<MetricSeries[]>([]);
  const [now, setNow] = useState(Date.now());
  const deploymentId = deployment?.id;

  useEffect(() => {
    if (!deploymentId) return;
    let live = true;
    const load = (): void =>
      void call('metrics.list', { deploymentId }, true).then((list) => {
        if (!live || !list) return;
        setAvailable(list);
        setMetric(
          (cur) =>
            cur ||
            (list.find((m) => plan?.policies.some((p) => p.properties['metric'] === m.metric))
              ?.metric ??
              list[0]?.metric ??
              ''),
        );
      });
    load();
    const t = setInterval(load, 10_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [deploymentId, plan]);

  useEffect(() => {
    if (!deploymentId || !metric) return;
    let live = true;
    const load = (): void => {
      const to = Date.now();
      const counter = metric.endsWith('_total');
      void call(
        'metrics.query',
        {
          deploymentId,
          metric,
          ...(node ? { nodeId: node } : {}),
          from: to - windowMs,
          to,
          stepMs: Math.max(1000, Math.round(windowMs / 120)),
          aggregation: counter ? 'rate' : 'avg',
        },
        true,
      ).then((s) => {
        if (!live || !s) return;
        setSeries(s);
        setNow(to);
      });
    };
    load();
    const t = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [deploymentId, metric, node, windowMs]);

  const { rows, keys } = useMemo(() => chartRows(series), [series]);
  const thresholds = useMemo(
    () => thresholdsFor(plan, metric, node || undefined),
    [plan, metric, node],
  );
  const marks = useMemo(() => {
    if (!deploymentId) return [];
    const { log } = useRunnerEventsStore.getState();
    const idx = log.filtered({ deploymentId });
    const events = idx
      .slice(-5000)
      .map((i) => log.at(i))
      .filter((e) => e !== undefined);
    return timeMarks(events, deploymentId, now - windowMs, now);
  }, [deploymentId, now, windowMs, version]);

  if (!deployment) return <div className="rempty">Select a deployment to chart its metrics.</div>;
  const nodes = available.find((m) => m.metric === metric)?.nodeIds ?? [];
  return (
    <div className="metrics" data-testid="metrics">
      <div className="ev-filters">
        <select
          aria-label="Metric"
          value={metric}
          onChange={(e) => setMetric(e.target.value)}
          data-testid="metric-select"
        >
          {available.length === 0 && <option value="">no metrics yet</option>}
          {available.map((m) => (
            <option key={m.metric}>{m.metric}</option>
          ))}
        </select>
        <select aria-label="Node" value={node} onChange={(e) => setNode(e.target.value)}>
          <option value="">All nodes</option>
          {nodes.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <span className="rseg" role="group" aria-label="Window">
          {windows.map((w) => (
            <button
              key={w.ms}
              className={w.ms === windowMs ? 'on' : ''}
              onClick={() => setWindowMs(w.ms)}
            >
              {w.label}
            </button>
          ))}
        </span>
        <span className="spacer" />
        <PoliciesToggle deployment={deployment} />
        <GenerateLoadButton deploymentId={deployment.id} />
      </div>
      {available.length === 0 ? (
        <div className="rempty">
          No samples yet. Metrics appear once the deployment is installed and its nodes expose them.
        </div>
      ) : (
        <div className="chart">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 12, right: 24, bottom: 4, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              <XAxis
                dataKey="time"
                type="number"
                domain={[now - windowMs, now]}
                tickFormatter={clock}
                stroke="var(--muted)"
                fontSize={11}
                allowDataOverflow
              />
              <YAxis stroke="var(--muted)" fontSize={11} width={48} />
              <Tooltip
                labelFormatter={(t) => clock(Number(t))}
                contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
              />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {keys.map((k, i) => (
                <Line
                  key={k}
                  dataKey={k}
                  name={k}
                  stroke={palette[i % palette.length]}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls
                  strokeWidth={1.6}
                />
              ))}
              {thresholds.map((t) => (
                <ReferenceLine
                  key={`${t.policy}-${t.kind}`}
                  y={t.value}
                  stroke={t.kind === 'up' ? 'var(--error)' : 'var(--warning)'}
                  strokeDasharray="6 4"
                  label={{
                    value: `${t.policy} ${t.kind === 'up' ? 'scale out' : 'scale in'} (${t.aggregation}) ${t.value}`,
                    fill: 'var(--muted)',
                    fontSize: 10,
                    position: 'insideBottomLeft',
                  }}
                />
              ))}
              {marks.map((m) => (
                <ReferenceLine
                  key={`${m.time}-${m.label}`}
                  x={m.time}
                  stroke={m.kind === 'heal' ? 'var(--edge-depends)' : 'var(--accent)'}
                  label={{
                    value: m.label,
                    fill: 'var(--muted)',
                    fontSize: 10,
                    position: 'insideTopRight',
                    angle: 0,
                  }}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}
