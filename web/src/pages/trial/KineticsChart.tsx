import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Text } from '@mantine/core';
import type { KineticsRow } from '../../api/types';
import { NoData } from '../../components/Feedback';
import { scientific } from '../../lib/format';
import { AXIS, GRID, MUTED, SERIES } from './chart-style';
import { ANOTHER_SITE } from '../../components/SubjectName';

const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });

/**
 * CAR copies over study day, one line per patient and compartment, on a log axis, drawn from the
 * curves of the outcomes answer. Patients of sites the caller cannot see are drawn anonymous, in grey.
 */
export function KineticsChart({ rows }: { rows: KineticsRow[] }) {
  // A log axis has no place for zero: a sample below detection is left out of the curve (it still counts in the AUC).
  const plotted = rows.map((r) => ({ ...r, points: r.curve.filter((p) => p.value > 0) })).filter((r) => r.points.length > 0);
  if (!plotted.length) return <NoData>No CAR copy results yet.</NoData>;
  const maxDay = Math.max(28, ...plotted.flatMap((r) => r.points.map((p) => p.day)));
  const compartments = plotted.some((o) => o.compartment !== 'PB');
  // The other sites' curves share one legend entry (per compartment), however many they are.
  const firstAnonymous = new Set(
    plotted.flatMap((r, i) => (r.subjectId === null && plotted.findIndex((o) => o.subjectId === null && o.compartment === r.compartment) === i ? [i] : [])),
  );
  let colour = 0;
  return (
    <div data-testid="kinetics-chart">
      <div style={{ width: '100%', height: 280 }}>
        <ResponsiveContainer>
          <LineChart margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
            <CartesianGrid stroke={GRID} />
            <XAxis
              type="number"
              dataKey="day"
              domain={[0, maxDay]}
              allowDuplicatedCategory={false}
              tick={AXIS}
              stroke={AXIS.stroke}
              label={{ value: 'study day', position: 'insideBottom', offset: -10, fontSize: 11, fill: MUTED }}
            />
            <YAxis
              type="number"
              scale="log"
              domain={['auto', 'auto']}
              allowDataOverflow
              tickFormatter={(v: number) => compact.format(v)}
              tick={AXIS}
              stroke={AXIS.stroke}
              width={48}
            />
            <Tooltip formatter={(value) => (typeof value === 'number' ? scientific(value) : String(value))} labelFormatter={(d) => `Day ${String(d)}`} />
            <Legend verticalAlign="top" height={28} iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
            {plotted.map((r, i) => {
              const name = r.subjectId ?? ANOTHER_SITE;
              const anonymous = r.subjectId === null;
              return (
                <Line
                  key={`${r.patientId ?? `anonymous-${i}`}-${r.compartment}`}
                  className={anonymous ? 'kinetics-anonymous' : 'kinetics-own'}
                  data={r.points}
                  dataKey="value"
                  name={compartments ? `${name} (${r.compartment})` : name}
                  legendType={anonymous && !firstAnonymous.has(i) ? 'none' : 'plainline'}
                  stroke={anonymous ? MUTED : SERIES[colour++ % SERIES.length]}
                  strokeDasharray={anonymous ? '4 3' : undefined}
                  strokeWidth={1.75}
                  dot={{ r: 2.5 }}
                  isAnimationActive={false}
                />
              );
            })}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <Text size="xs" c="dimmed" ta="center">
        CAR copies, logarithmic scale
      </Text>
    </div>
  );
}
