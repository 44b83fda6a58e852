import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';

// Points kept on the chart: 10 minutes at one a second.
const MAX_POINTS = 600;

/**
 * Calls per second against the cap over time (uPlot). `samples` is an array of
 * { t: epoch seconds, rate, cap }; the chart keeps its own instance and only gets new data.
 */
export function RateChart({ samples }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const width = () => Math.max(260, box.current?.clientWidth ?? 600);
    plot.current = new uPlot(
      {
        width: width(),
        height: 220,
        series: [
          {},
          { label: 'calls/s', stroke: '#1565c0', width: 2, fill: 'rgba(21,101,192,0.12)' },
          { label: 'cap', stroke: '#c62828', width: 1.5, dash: [6, 4] },
        ],
        axes: [{}, { label: 'calls per second' }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      },
      [[], [], []],
      box.current,
    );
    const onResize = () => plot.current?.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.destroy();
    };
  }, []);

  useEffect(() => {
    const recent = samples.slice(-MAX_POINTS);
    plot.current?.setData([recent.map((s) => s.t), recent.map((s) => s.rate), recent.map((s) => s.cap)]);
  }, [samples]);

  const last = samples.at(-1);
  return html`<figure class="chart">
    <figcaption>Calls per second against the cap</figcaption>
    <div ref=${box} class="chart-box" role="img"
      aria-label=${last ? `Now ${last.rate} calls per second, cap ${last.cap}` : 'No data yet'}></div>
  </figure>`;
}
