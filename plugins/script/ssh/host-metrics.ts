/**
 * Host metrics over SSH: for every started remote Compute instance whose agent_config names
 * an SSH user, key or password, one SSH exec reads
 * /proc (and `df` for the root filesystem) and the numbers become samples.
 *
 * Metrics (per host instance): `load1`, `load5`, `load15`; `cpu_count`; `cpu_utilization`
 * (percent busy over a 0.5 s window measured inside the one command, so the collector stays
 * stateless); `cpu_busy_seconds_total` (counter); `memory_total_bytes`,
 * `memory_available_bytes`, `memory_used_percent`; `disk_root_total_bytes`,
 * `disk_root_used_bytes`, `disk_root_used_percent`; `disk_read_bytes_total`,
 * `disk_written_bytes_total` (counters, whole disks); `network_receive_bytes_total`,
 * `network_transmit_bytes_total` (counters, every interface but lo); `up` (1 read, 0 not)
 * and `ssh_collect_duration_seconds`.
 */
import type { CollectedSample, MetricCollector, MetricTarget, SecretsAccess } from '../../sdk';
import type { SshOverride } from './connection';
import { agentConfigOf, connectSsh, parseSshOverride, resolveTarget, sshOverrideEnv } from './connection';
import { computeAddress, isRemoteCompute, knownHostsFor, machineIdOf, trellisHome } from './hosts';
import { execCapture } from './ssh-transport';

/** One command, sections separated by marker lines. */
const probeCommand = [
  'echo @loadavg; cat /proc/loadavg',
  'echo @stat1; grep "^cpu" /proc/stat',
  'sleep 0.5',
  'echo @stat2; grep "^cpu " /proc/stat',
  'echo @meminfo; cat /proc/meminfo',
  'echo @df; df -P -k / 2>/dev/null | tail -n 1',
  'echo @diskstats; cat /proc/diskstats 2>/dev/null',
  'echo @netdev; cat /proc/net/dev',
].join('; ');

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Trellis targets. */
const userHz = 100;
const wholeDisk = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (/^@[a-z0-9]+$/.test(line)) out.set(line.slice(1), (current = []));
    else if (current && line.trim()) current.push(line);
  }
  return out;
}

/** busy and total jiffies of a `cpu ...` line (iowait counts as idle, as top does). */
function cpuTimes(line: string | undefined): { busy: number; total: number } | undefined {
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal (guest is already inside user).
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Turns the probe's output into metric values (name -> value, counters marked). */
export function parseProbe(text: string): { metric: string; value: number; counter?: boolean }[] {
  const s = sections(text);
  const out: { metric: string; value: number; counter?: boolean }[] = [];
  const add = (metric: string, value: number, counter = false) => {
    if (Number.isFinite(value)) out.push(counter ? { metric, value, counter } : { metric, value });
  };
  const load = (s.get('loadavg')?.[0] ?? '').split(/\s+/).map(Number);
  add('load1', load[0] ?? Number.NaN);
  add('load5', load[1] ?? Number.NaN);
  add('load15', load[2] ?? Number.NaN);

  const stat1 = s.get('stat1') ?? [];
  add('cpu_count', stat1.filter((l) => /^cpu\d+\s/.test(l)).length || Number.NaN);
  const a = cpuTimes(stat1.find((l) => l.startsWith('cpu ')));
  const b = cpuTimes(s.get('stat2')?.[0]);
  if (b) add('cpu_busy_seconds_total', b.busy / userHz, true);
  if (a && b && b.total > a.total) add('cpu_utilization', (100 * (b.busy - a.busy)) / (b.total - a.total));

  const mem = new Map<string, number>();
  for (const line of s.get('meminfo') ?? []) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m?.[1] && m[2]) mem.set(m[1], Number(m[2]) * 1024);
  }
  const memTotal = mem.get('MemTotal');
  const memAvailable = mem.get('MemAvailable') ?? mem.get('MemFree');
  if (memTotal !== undefined) add('memory_total_bytes', memTotal);
  if (memAvailable !== undefined) add('memory_available_bytes', memAvailable);
  if (memTotal && memAvailable !== undefined) add('memory_used_percent', (100 * (memTotal - memAvailable)) / memTotal);

  const df = (s.get('df')?.[0] ?? '').trim().split(/\s+/);
  const dfTotal = Number(df[1]) * 1024;
  const dfUsed = Number(df[2]) * 1024;
  const dfAvail = Number(df[3]) * 1024;
  add('disk_root_total_bytes', dfTotal);
  add('disk_root_used_bytes', dfUsed);
  // As df computes Use%: used / (used + available), root's reserved blocks excluded.
  if (dfUsed + dfAvail > 0) add('disk_root_used_percent', (100 * dfUsed) / (dfUsed + dfAvail));

  let read = 0;
  let written = 0;
  let disks = 0;
  for (const line of s.get('diskstats') ?? []) {
    const f = line.trim().split(/\s+/);
    if (!wholeDisk.test(f[2] ?? '')) continue;
    disks++;
    read += Number(f[5]) * 512;
    written += Number(f[9]) * 512;
  }
  if (disks) {
    add('disk_read_bytes_total', read, true);
    add('disk_written_bytes_total', written, true);
  }

  let rx = 0;
  let tx = 0;
  for (const line of s.get('netdev') ?? []) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m?.[1] || m[1] === 'lo' || !m[2]) continue;
    const f = m[2].split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  add('network_receive_bytes_total', rx, true);
  add('network_transmit_bytes_total', tx, true);
  return out;
}

export interface SshHostMetricsOptions {
  /** Trellis home (known_hosts). @default TRELLIS_HOME or the per-user default */
  home?: string;
  /** @default parsed from env TRELLIS_SSH_OVERRIDE at each collection */
  override?: SshOverride;
  sshConfigFile?: string;
  /** Resolves `{get_secret: NAME}` keys and passwords; without it such hosts report up = 0. */
  secrets?: SecretsAccess;
  /** Per-host limit for connecting and reading. @default 8000 */
  timeoutMs?: number;
}

const noSecrets: SecretsAccess = {
  get: (name) => Promise.reject(new Error(`secret ${name} is not available to the metrics collector`)),
  set: () => Promise.reject(new Error('read-only')),
  delete: () => Promise.reject(new Error('read-only')),
};

/** Creates the `ssh-proc` collector (remote Compute instances that have an address). */
export function createSshHostMetricsCollector(options: SshHostMetricsOptions = {}): MetricCollector {
  const timeoutMs = options.timeoutMs ?? 8000;
  const read = async (target: MetricTarget, address: string, signal: AbortSignal): Promise<CollectedSample[]> => {
    const base = { deploymentId: target.deploymentId, nodeId: target.nodeId, instanceId: target.instanceId };
    const started = performance.now();
    try {
      const ssh = await resolveTarget(address, agentConfigOf(target.properties, target.runtimeProperties), {
        secrets: options.secrets ?? noSecrets,
        override: options.override ?? parseSshOverride(process.env[sshOverrideEnv]),
        ...(options.sshConfigFile ? { sshConfigFile: options.sshConfigFile } : {}),
      });
      const machineId = machineIdOf(target.runtimeProperties);
      if (machineId) ssh.machineId = machineId;
      const client = await connectSsh(ssh, {
        knownHosts: knownHostsFor(options.home ?? trellisHome()),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        authRetries: 0,
      });
      try {
        const result = await execCapture(client, probeCommand);
        if (result.code !== 0) throw new Error(`probe exited with ${result.code}`);
        const samples: CollectedSample[] = parseProbe(result.stdout).map((v) => ({ ...base, ...v }));
        samples.push(
          { ...base, metric: 'up', value: 1 },
          { ...base, metric: 'ssh_collect_duration_seconds', value: (performance.now() - started) / 1000 },
        );
        return samples;
      } finally {
        client.end();
      }
    } catch {
      // Unreachable, refused, a changed host key: data (up = 0), not a collector failure.
      return [{ ...base, metric: 'up', value: 0 }];
    }
  };
  return {
    name: 'ssh-proc',
    async collect(targets, signal) {
      const jobs: Promise<CollectedSample[]>[] = [];
      for (const t of targets) {
        if (!isRemoteCompute(t.typeHierarchy)) continue;
        // Only hosts set up for SSH logins: a VM nobody may log into (e.g. agent_config with
        // just install_method: none) would otherwise read as down (up = 0) forever, and the
        // host-failure policy would heal it in a loop.
        const agent = agentConfigOf(t.properties, t.runtimeProperties);
        if (!agent.user && agent.key === undefined && agent.password === undefined) continue;
        const address = computeAddress(t.properties, t.runtimeProperties);
        if (address) jobs.push(read(t, address, signal));
      }
      return (await Promise.all(jobs)).flat();
    },
  };
}
