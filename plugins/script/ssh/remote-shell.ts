/**
 * The POSIX shell text the SSH transport sends: quoting, the run wrapper, the kill sequence.
 * Kept apart from the transport so the commands can be read (and tested) as plain text.
 */

/** Quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Lines that set and export variables (names that are not valid shell names are skipped). */
export function envScript(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([name]) => envName.test(name))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join('');
}

/** First stderr line of every run: the remote process group id (never shown to the user). */
export const pgidMarker = '__TRELLIS_PGID__ ';
/** A stderr line meaning the program (or the working folder) does not exist there. */
export const missingMarker = '__TRELLIS_MISSING__ ';

/**
 * The command that runs `argv` in `cwd` with the variables of `envFile`. sshd starts each
 * exec channel in a new session, so the shell is its process group's leader: it reports its
 * pid (the group id), then execs the program, which keeps that pid and group.
 */
export function runCommand(argv: readonly string[], cwd: string, envFile: string): string {
  const [program = ''] = argv;
  const q = shellQuote;
  return [
    `echo "${pgidMarker}$$" >&2`,
    `cd ${q(cwd)} 2>/dev/null || { echo ${q(`${missingMarker}folder ${cwd}`)} >&2; exit 127; }`,
    `. ${q(envFile)}`,
    `command -v ${q(program)} >/dev/null 2>&1 || { echo ${q(`${missingMarker}${program}`)} >&2; exit 127; }`,
    `exec ${argv.map(q).join(' ')}`,
  ].join('\n');
}

/**
 * Kills process group `pgid`: SIGTERM, then SIGKILL for whatever is left after `graceMs`.
 * "Left" means a live member; zombies are skipped (read from /proc where there is one).
 */
export function killGroupCommand(pgid: number, graceMs: number): string {
  const ticks = Math.max(1, Math.ceil(graceMs / 100));
  return `g=${pgid}
alive() {
  if [ -r /proc/self/stat ]; then
    for f in /proc/[0-9]*/stat; do
      read -r l < "$f" 2>/dev/null || continue
      set -- \${l##*) }
      [ "$3" = "$g" ] && [ "$1" != Z ] && [ "$1" != X ] && return 0
    done
    return 1
  fi
  kill -s 0 -- "-$g" 2>/dev/null
}
kill -s TERM -- "-$g" 2>/dev/null
i=0
while alive && [ $i -lt ${ticks} ]; do sleep 0.1; i=$((i+1)); done
if alive; then kill -s KILL -- "-$g" 2>/dev/null; echo killed; fi
exit 0`;
}
