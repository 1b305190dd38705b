/**
 * Where Trellis keeps its state: `TRELLIS_HOME` when set, else the OS's per-user app-data
 * folder (the desktop app passes Electron's userData instead).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The default Trellis home folder for this user and OS:
 * Linux `$XDG_DATA_HOME/trellis` (else `~/.local/share/trellis`), macOS
 * `~/Library/Application Support/Trellis`, Windows `%APPDATA%\Trellis`.
 */
export function defaultTrellisHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.TRELLIS_HOME) return env.TRELLIS_HOME;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Trellis');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Trellis');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'trellis');
}
