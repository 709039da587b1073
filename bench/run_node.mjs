// run_node.mjs PARSER FILE...: one timed pass of an npm feed parser over the
// files (read into memory first; decoding the bytes is part of the timed work).
// PARSER: feedsmith (parseFeed) or rss-parser (parseString).
// Prints "bytes items seconds cpu-seconds" (processor time of the whole
// process, its helper threads included).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [which, ...files] = process.argv.slice(2);
const docs = files.map((f) => readFileSync(f));
const bytes = docs.reduce((n, d) => n + d.length, 0);
const decoder = new TextDecoder('utf-8');
let items = 0;
let t0;
let c0;

if (which === 'feedsmith') {
  const { parseFeed } = await import('feedsmith');
  c0 = process.cpuUsage();
  t0 = performance.now();
  for (const d of docs) {
    try {
      const { feed } = parseFeed(decoder.decode(d));
      items += (feed.items || feed.entries || []).length;
    } catch (e) {
      /* not a feed it knows: counts as parsed, with no items */
    }
  }
} else if (which === 'rss-parser') {
  const { default: Parser } = await import('rss-parser');
  const parser = new Parser();
  c0 = process.cpuUsage();
  t0 = performance.now();
  for (const d of docs) {
    try {
      items += (await parser.parseString(decoder.decode(d))).items.length;
    } catch (e) {
      /* as above */
    }
  }
} else {
  console.error(`run_node.mjs: unknown parser ${which}`);
  process.exit(2);
}
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(`${bytes} ${items} ${wall.toFixed(6)} ${((c.user + c.system) / 1e6).toFixed(6)}`);
