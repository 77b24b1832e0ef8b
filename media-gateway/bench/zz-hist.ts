import { Histogram, Registry } from 'prom-client';
const h = new Histogram({ name: 'x', help: 'x', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1], registers: [new Registry()] });
for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); for (let i = 0; i < 1e6; i++) h.observe(0.00003 + (i % 7) * 1e-6); const c = process.cpuUsage(c0); console.log('observe us', ((c.user + c.system) / 1e6).toFixed(3)); }
for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); let x = 0; for (let i = 0; i < 1e6; i++) x += performance.now(); const c = process.cpuUsage(c0); console.log('perf.now us', ((c.user + c.system) / 1e6).toFixed(3), x > 0); }
