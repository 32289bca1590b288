/** Linux process look-ups for tests and benches that start helper processes (reads /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat after the command name: state first, then the parent's pid. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Running (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== 'Z';
}

/** The processes whose parent is `parent` (default: this one). */
export function childPids(parent: number = process.pid): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => Number(statFields(d)?.[1]) === parent)
    .map(Number);
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return rss ? Number(rss[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
