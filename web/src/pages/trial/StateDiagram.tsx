import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api/client';
import { LoadError, Loading } from '../../components/Feedback';

/**
 * The protocol's state machine, drawn by mermaid from the Mermaid text the API generates from the
 * machine itself. mermaid is loaded only here, on demand, so it stays out of the main bundle; the
 * dagre layout is asked for explicitly, as mermaid would otherwise fetch its 1.5 MB ELK layout engine.
 */
export function StateDiagram({ protocolId, version }: { protocolId: string; version?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const id = `diagram-${useId().replace(/[^a-zA-Z0-9]/g, '')}`;

  useEffect(() => {
    let cancelled = false;
    setDone(false);
    setError(null);
    (async () => {
      const [text, { default: mermaid }] = await Promise.all([api.diagram(protocolId, version), import('mermaid')]);
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', layout: 'dagre', fontFamily: 'system-ui, sans-serif', state: { useMaxWidth: true } });
      const { svg } = await mermaid.render(id, text);
      if (!cancelled && container.current) {
        container.current.innerHTML = svg;
        setDone(true);
      }
    })().catch((e: unknown) => {
      if (!cancelled) setError(e);
    });
    return () => {
      cancelled = true;
    };
  }, [protocolId, version, id]);

  return (
    <div>
      {error !== null && <LoadError error={error} />}
      {!done && error === null && <Loading label="Drawing the state machine…" />}
      <div ref={container} className="diagram" data-testid="state-diagram" data-rendered={done ? 'true' : 'false'} />
    </div>
  );
}
