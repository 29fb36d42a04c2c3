// What one read of the controller's /metrics costs it: CPU and size of the render of the whole registry
// (two series per Image) versus of the four families bench/controller.ts polls with /metrics?name[]=…,
// at 1,000 and 10,000 Images. In process, with the controller's metric modules and process metrics; the
// HTTP write of the body comes on top of the full render.
//
// Run: npx tsx bench/metrics-render.ts        (numbers in docs/benchmarks.md, Controller)
import { loadavg } from 'node:os';
import { collectProcessMetrics, renderMetrics } from '../common/metrics.js';
import { ImageMetrics } from '../controller/engine/image-metrics.js';
import '../controller/engine/metrics.js';
import '../controller/registry/metrics.js';

const POLLED = new Set([
  'tagpilot_registry_requests_total',
  'tagpilot_controller_evaluations_total',
  'tagpilot_controller_queue_active',
  'tagpilot_controller_events_total',
]);

collectProcessMetrics();
const images = new ImageMetrics();
let recorded = 0;
console.log('| Images | read | CPU per read | body |');
console.log('| ---: | --- | ---: | ---: |');
for (const scale of [1000, 10000]) {
  for (; recorded < scale; recorded++)
    images.record(`ns-${recorded % 10}/image-${recorded}`, 'Success', new Date());
  for (const [read, names] of [
    ['/metrics', undefined],
    ['/metrics?name[]=… (4 families)', POLLED],
  ] as const) {
    const reads = scale > 1000 ? 10 : 50;
    await renderMetrics(names); // the first render compiles what the others reuse
    const cpu0 = process.cpuUsage();
    let bytes = 0;
    for (let i = 0; i < reads; i++) bytes = Buffer.byteLength(await renderMetrics(names));
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000 / reads;
    console.log(
      `| ${scale.toLocaleString('en')} | ${read} | ${ms.toFixed(2)} ms | ${(bytes / 1024).toFixed(1)} KiB |`,
    );
  }
}
console.log(
  `\nload average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; node ${process.version}`,
);
