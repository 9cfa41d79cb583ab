// The Node.js flags the `berth` command runs with: its first line (`#!/usr/bin/env -S node ...`)
// names them. Tools that start a CLI file with `node` themselves (the benchmark, tests that spawn
// a server) pass them too, so that they run and measure Berth as users start it.
import { closeSync, openSync, readSync } from 'node:fs';

export function cliNodeFlags(cli: string): string[] {
  const fd = openSync(cli, 'r');
  try {
    const head = Buffer.alloc(256);
    const line = head
      .subarray(0, readSync(fd, head, 0, head.length, 0))
      .toString('utf8')
      .split('\n')[0]!;
    const match = /^#!\/usr\/bin\/env -S node(?<flags>(?: +--[a-z-]+(?:=\S+)?)*) *$/.exec(line);
    return match?.groups?.flags?.trim().split(/ +/).filter(Boolean) ?? [];
  } finally {
    closeSync(fd);
  }
}
