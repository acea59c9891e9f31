import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  /** Loads again; the data shown stays until the new answer arrives. */
  reload: () => Promise<void>;
}

/**
 * Loads `load(shown)` when `key` changes (and on `reload()`), `shown` being the last answer loaded for
 * this key (none on the first load); an answer to an older key is dropped. `load` may be a new function
 * on every render: only `key` decides when to load again.
 */
export function useResource<T>(load: (shown: T | undefined) => Promise<T>, key: string): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; key: string }>({ key });
  const generation = useRef(0);
  const shown = useRef<{ data: T; key: string }>(undefined);
  const loader = useRef(load);
  loader.current = load;

  const run = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const data = await loader.current(shown.current?.key === key ? shown.current.data : undefined);
      if (mine !== generation.current) return;
      shown.current = { data, key };
      setState({ data, key });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ data: s.key === key ? s.data : undefined, error, key }));
    }
  }, [key]);

  useEffect(() => {
    void run();
  }, [run]);

  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : undefined, reload: run };
}
