/**
 * CPU clocks for the time split of an analysis: this process's CPU time and that of its reaped
 * children (the ffmpeg decoders). On a shared machine wall times say how long a step waited for a
 * core as much as what it cost; CPU times say what it cost.
 */
import { readFileSync } from 'node:fs';

/** CPU time of this process (user + system, all threads) in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Clock ticks per second of /proc (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/**
 * CPU time of this process's children that have exited and been waited for (Linux: cutime + cstime
 * of /proc/self/stat), in ms; null where /proc is not there.
 */
export function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}
