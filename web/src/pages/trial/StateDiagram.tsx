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
  const id = `diagram-${useId().replace(/[^a-zA-Z0-9]/g, '')}`;
  // What was drawn, or failed, for which diagram: a new protocol or version shows nothing of the last.
  const drawing = `${protocolId}@${version ?? ''}`;
  const [outcome, setOutcome] = useState<{ drawing: string; error: unknown } | null>(null);
  const current = outcome?.drawing === drawing ? outcome : null;
  const done = current !== null && current.error === null;
  const error = current?.error ?? null;

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const [text, { default: mermaid }] = await Promise.all([api.diagram(protocolId, version), import('mermaid')]);
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', layout: 'dagre', fontFamily: 'system-ui, sans-serif', state: { useMaxWidth: true } });
      const { svg } = await mermaid.render(id, text);
      if (!cancelled && container.current) {
        container.current.innerHTML = svg;
        setOutcome({ drawing, error: null });
      }
    })().catch((e: unknown) => {
      if (!cancelled) setOutcome({ drawing, error: e });
    });
    return () => {
      cancelled = true;
    };
  }, [protocolId, version, id, drawing]);

  return (
    <div>
      {error !== null && <LoadError error={error} />}
      {!done && error === null && <Loading label="Drawing the state machine…" />}
      <div ref={container} className="diagram" data-testid="state-diagram" data-rendered={done ? 'true' : 'false'} />
    </div>
  );
}
