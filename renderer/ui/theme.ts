/** Applies the theme choice to <html data-theme>, following the OS when "system". */
import { useEffect, useState } from 'react';
import type { ThemeChoice } from '../state/ui-store';

const query = '(prefers-color-scheme: dark)';

/** The effective theme ('light' | 'dark') for a choice; re-renders when the OS switches. */
export function useEffectiveTheme(choice: ThemeChoice): 'light' | 'dark' {
  const [systemDark, setSystemDark] = useState(() => typeof matchMedia !== 'undefined' && matchMedia(query).matches);
  useEffect(() => {
    if (typeof matchMedia === 'undefined') return;
    const mql = matchMedia(query);
    const on = (e: MediaQueryListEvent): void => setSystemDark(e.matches);
    mql.addEventListener('change', on);
    return () => mql.removeEventListener('change', on);
  }, []);
  const theme = choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return theme;
}
