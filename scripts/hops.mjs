// The hop count of a blob PUT: the frames between the /v2 route handler (putUpload) and the
// bytes reaching the storage driver's writer, and the blob's row being written (the blob index's
// link), for a PUT that completes an upload with its last chunk. Frames are V8's async stack
// trace (calls that return a promise without awaiting it leave no frame).
// Run after `npm run build`: node --stack-trace-limit=200 scripts/hops.mjs [dist]
import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(resolve(process.argv[2] ?? 'dist')).href;
const { startBerth } = await import(`${dist}/testing/server.js`);
const fsDriver = await import(`${dist}/storage/fs-driver.js`);

const traces = {};
let capture = false;
function hook(proto, method, label) {
  if (proto[`__hops_${method}`]) return;
  const original = proto[method];
  proto[method] = function (...args) {
    if (capture) traces[label] ??= new Error().stack;
    return original.apply(this, args);
  };
  proto[`__hops_${method}`] = true;
}

// The driver's writer class is not exported: hook it through the first writer a driver makes.
for (const exported of Object.values(fsDriver)) {
  if (typeof exported !== 'function' || typeof exported.prototype?.writer !== 'function') continue;
  const writer = exported.prototype.writer;
  exported.prototype.writer = async function (...args) {
    const made = await writer.apply(this, args);
    hook(Object.getPrototypeOf(made), 'write', 'bytes reach the driver');
    return made;
  };
}

/** The metadata store's blob index, found in the running Berth. */
function blobIndex(value, depth = 0, seen = new Set()) {
  if (!value || typeof value !== 'object' || seen.has(value) || depth > 4) return undefined;
  seen.add(value);
  if (typeof value.blobs?.link === 'function') return value.blobs;
  for (const key of Object.keys(value)) {
    const found = blobIndex(value[key], depth + 1, seen);
    if (found) return found;
  }
  return undefined;
}

const server = await startBerth({ listen: false });
try {
  hook(Object.getPrototypeOf(blobIndex(server.berth)), 'link', 'the blob row is written');
  const app = server.berth.app;
  const data = randomBytes(5000);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const start = await app.inject({ method: 'POST', url: '/v2/hops/blobs/uploads/' });
  const location = start.headers.location;
  capture = true;
  const put = await app.inject({
    method: 'PUT',
    url: `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: data,
  });
  capture = false;
  if (put.statusCode !== 201) throw new Error(`PUT answered ${put.statusCode}: ${put.body}`);
  for (const [label, stack] of Object.entries(traces)) {
    const frames = stack
      .split('\n')
      .slice(2)
      .map((line) => line.trim())
      .filter((line) => line.startsWith('at ') && !line.includes('node:internal'));
    const route = frames.findIndex((frame) => frame.includes('putUpload'));
    const path = frames.slice(0, route + 1).reverse();
    console.log(`${label}: ${path.length + 1} frames from the route handler`);
    for (const frame of path) console.log(`  ${frame.replace(/\(.*\/dist\//, '(')}`);
  }
} finally {
  await server.close();
}
