import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Text } from '@mantine/core';
import { NoData } from '../../components/Feedback';
import { scientific } from '../../lib/format';
import { AXIS, GRID, MUTED, SERIES } from './chart-style';
import type { KineticsSeries } from './kinetics-data';

const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });

/** CAR copies over study day, one line per patient and compartment, on a log axis. */
export function KineticsChart({ series }: { series: KineticsSeries[] }) {
  // A log axis has no place for zero: a sample below detection is left out of the curve (it still counts in the AUC).
  const plotted = series.map((s) => ({ ...s, points: s.points.filter((p) => p.value > 0) })).filter((s) => s.points.length > 0);
  if (!plotted.length) return <NoData>No CAR copy results yet.</NoData>;
  const maxDay = Math.max(28, ...plotted.flatMap((s) => s.points.map((p) => p.day)));
  const unit = plotted[0]!.unit;
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
            <YAxis type="number" scale="log" domain={['auto', 'auto']} allowDataOverflow tickFormatter={(v: number) => compact.format(v)} tick={AXIS} stroke={AXIS.stroke} width={48} />
            <Tooltip formatter={(value) => (typeof value === 'number' ? scientific(value) : String(value))} labelFormatter={(d) => `Day ${String(d)}`} />
            <Legend verticalAlign="top" height={28} iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
            {plotted.map((s, i) => (
              <Line
                key={`${s.patientId}-${s.compartment}`}
                data={s.points}
                dataKey="value"
                name={plotted.some((o) => o.compartment !== 'PB') ? `${s.subjectId} (${s.compartment})` : s.subjectId}
                stroke={SERIES[i % SERIES.length]}
                strokeWidth={1.75}
                dot={{ r: 2.5 }}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <Text size="xs" c="dimmed" ta="center">
        CAR copies{unit ? ` (${unit})` : ''}, logarithmic scale
      </Text>
    </div>
  );
}
