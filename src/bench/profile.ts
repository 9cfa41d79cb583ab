// Summarises V8 CPU profiles (.cpuprofile, as written by `node --cpu-prof`, e.g. by
// `BENCH_PROFILE=1 npm run bench`): self time per function and time per package/area.
//
//   node dist/bench/profile.js <file.cpuprofile>... [--top N]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function area(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.+?)\/[^/]+\.js$/.exec(url);
  if (own) return `berth:${own[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}

function label(frame: CallFrame): string {
  const where = frame.url
    ? `${frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`
    : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let idle = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    byFunction.set(label(frame), (byFunction.get(label(frame)) ?? 0) + micros);
    byArea.set(area(frame), (byArea.get(area(frame)) ?? 0) + micros);
  }
  const busy = [...byFunction.values()].reduce((s, v) => s + v, 0) / 1000;
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `  ${(micros / 1000).toFixed(0).padStart(7)} ms ${((micros / 1000 / busy) * 100).toFixed(1).padStart(5)}%  ${name}`,
      );
  process.stdout.write(
    `${file}\n  wall ${total.toFixed(0)} ms, busy (non-idle) ${busy.toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms\n`,
  );
  process.stdout.write(
    `by area (self time):\n${rows(byArea).join('\n')}\nby function (self time):\n${rows(byFunction).join('\n')}\n\n`,
  );
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
const files = args.filter((_a, i) => topAt === -1 || (i !== topAt && i !== topAt + 1));
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/profile.js <file.cpuprofile>... [--top N]\n');
  process.exit(2);
}
for (const file of files) summarise(file, top);
