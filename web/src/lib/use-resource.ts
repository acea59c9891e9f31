import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again; the data shown stays until the new answer arrives. */
  reload: () => Promise<void>;
}

/**
 * Loads `load()` when `key` changes (and on `reload()`); an answer to an older key is dropped. `load`
 * may be a new function on every render: only `key` decides when to load again.
 */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean; key: string }>({ loading: true, key });
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  const run = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader.current();
      if (mine === generation.current) setState({ data, loading: false, key });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ data: s.key === key ? s.data : undefined, error, loading: false, key }));
    }
  }, [key]);

  useEffect(() => {
    setState((s) => (s.key === key ? s : { loading: true, key }));
    void run();
  }, [run, key]);

  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : undefined, loading: state.loading, reload: run };
}
