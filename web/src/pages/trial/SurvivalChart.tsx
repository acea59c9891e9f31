import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { Paper, Stack, Text } from '@mantine/core';
import type { KaplanMeier } from '../../api/types';
import { NoData } from '../../components/Feedback';
import { formatDays, formatPercent } from '../../lib/format';
import { ACCENT, AXIS, GRID, MUTED } from './chart-style';

interface StepPoint {
  time: number;
  survival: number;
  band: [number, number] | null;
}

/**
 * The step curve: S = 1 from day 0 to the first event, then each distinct time's estimate. The 95%
 * band is undefined once S reaches 0; that last point repeats the band before it, so the band's last
 * step is drawn up to it (a step curve holds each value until the next time).
 */
function stepData(km: KaplanMeier): StepPoint[] {
  const points: StepPoint[] = [{ time: 0, survival: 1, band: [1, 1] }];
  for (const p of km.points) {
    const previous = points[points.length - 1]!.band;
    const band: [number, number] | null = p.lower !== null && p.upper !== null ? [p.lower, p.upper] : previous;
    if (p.time === 0) points[0] = { time: 0, survival: p.survival, band };
    else points.push({ time: p.time, survival: p.survival, band });
  }
  return points;
}

/** "58 days (95% CI 30–not reached)", or "not reached". */
function medianInWords(km: KaplanMeier): string {
  if (km.median === null) return 'not reached';
  const ci = (v: number | null) => (v === null ? 'not reached' : formatDays(v));
  return `${formatDays(km.median)} days (95% CI ${ci(km.medianCi.lower)}–${ci(km.medianCi.upper)})`;
}

/** A Kaplan–Meier curve: the step estimate, its 95% band, censor marks (+), the median. */
export function SurvivalChart({ title, km, testId }: { title: string; km: KaplanMeier | null; testId: string }) {
  return (
    <Paper withBorder p="sm" data-testid={testId}>
      <Stack gap={4}>
        <Text fw={600} size="sm">
          {title}
        </Text>
        {!km ? (
          <NoData>No infused patients yet.</NoData>
        ) : (
          <>
            <Text size="xs" c="dimmed">
              n = {km.n}, {km.events} event{km.events === 1 ? '' : 's'} · median <b data-testid={`${testId}-median`}>{medianInWords(km)}</b>
            </Text>
            <KmPlot km={km} />
          </>
        )}
      </Stack>
    </Paper>
  );
}

function KmPlot({ km }: { km: KaplanMeier }) {
  const data = stepData(km);
  const censored = km.points.filter((p) => p.censored > 0).map((p) => ({ time: p.time, survival: p.survival }));
  const maxTime = Math.max(1, ...data.map((d) => d.time));
  return (
    <div style={{ width: '100%', height: 220 }}>
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
          <CartesianGrid stroke={GRID} />
          <XAxis
            type="number"
            dataKey="time"
            domain={[0, Math.ceil(maxTime)]}
            tick={AXIS}
            stroke={AXIS.stroke}
            label={{ value: 'days from infusion', position: 'insideBottom', offset: -8, fontSize: 11, fill: MUTED }}
          />
          <YAxis domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={AXIS} stroke={AXIS.stroke} width={44} />
          <Tooltip
            formatter={(value, name) => (name === 'survival' && typeof value === 'number' ? [formatPercent(value), 'S(t)'] : [null, null])}
            labelFormatter={(t) => `Day ${formatDays(Number(t))}`}
          />
          <Area type="stepAfter" dataKey="band" stroke="none" fill={ACCENT} fillOpacity={0.1} isAnimationActive={false} connectNulls />
          <Line type="stepAfter" dataKey="survival" stroke={ACCENT} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Scatter data={censored} dataKey="survival" shape={<CensorMark />} isAnimationActive={false} legendType="none" />
          <ReferenceLine y={0.5} stroke={MUTED} strokeDasharray="4 4" />
          {km.median !== null && <ReferenceLine x={km.median} stroke={MUTED} strokeDasharray="4 4" className="km-median" />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A censored patient: a small vertical tick on the curve. */
function CensorMark(props: { cx?: number; cy?: number }) {
  if (props.cx === undefined || props.cy === undefined) return null;
  return <path d={`M${props.cx},${props.cy - 5}V${props.cy + 5}M${props.cx - 4},${props.cy}H${props.cx + 4}`} stroke="#343a40" strokeWidth={1.5} className="censor-mark" />;
}
