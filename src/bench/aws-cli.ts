// The AWS CLI v2 (`aws` on PATH) as the benches drive it: the bench admin's keys, a region, no
// pager, JSON out; the parsed output (an empty object for none), or an error carrying stderr.
import { execFile } from 'node:child_process';
import { BENCH_ADMIN } from './servers.js';

export function aws(endpoint: string, args: string[], region = 'us-east-1'): Promise<unknown> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: BENCH_ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_ADMIN.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_PAGER: '',
  };
  return new Promise((resolve, reject) => {
    execFile('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], { env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`aws ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim() ? JSON.parse(stdout) : {});
    });
  });
}
