// Samples of the benchmark's figures, per metric key and server label, and the order in which
// servers take turns (alternating per repetition, so that none always goes first).
import type { Server } from './servers.js';
import { cpuSeconds } from './workloads.js';

export class Samples {
  private readonly values = new Map<string, number[]>();
  add(key: string, label: string, value: number): void {
    const id = `${key}/${label}`;
    this.values.set(id, [...(this.values.get(id) ?? []), value]);
  }
  get(key: string, label: string): number[] {
    return this.values.get(`${key}/${label}`) ?? [];
  }
}

/** Servers in an order that alternates per repetition, so neither always goes first. */
export function ordered<T>(servers: T[], rep: number): T[] {
  return rep % 2 === 0 ? servers : [...servers].reverse();
}

/** Runs `work` and reports the server's CPU time (user + system, all threads) it took. */
export async function withCpu<T>(server: Server, work: () => Promise<T>): Promise<{ value: T; cpu: number }> {
  const before = cpuSeconds(server.pid);
  const value = await work();
  return { value, cpu: cpuSeconds(server.pid) - before };
}
