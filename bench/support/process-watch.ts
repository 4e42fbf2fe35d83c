import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS = 100;

export interface ProcessFigures {
  /** The watched process's own peak RSS (VmHWM), MB: the last value read before it exited. */
  readonly peakRssMb: number;
  /** The watched process's own CPU (user + system), seconds, all its threads. */
  readonly cpuS: number;
  /** CPU seconds of its descendants by command name (pg_dump, pg_restore, node...), each process's last reading. */
  readonly childCpuS: Readonly<Record<string, number>>;
  /** The highest VmHWM of its descendants by command name (a CLI that starts itself again is `node` here), MB. */
  readonly childPeakRssMb: Readonly<Record<string, number>>;
  /** The highest sum of VmRSS over the process and its descendants seen at one reading, MB. */
  readonly treeRssMb: number;
}

function readStat(pid: number): { comm: string; cpuS: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { comm, cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return undefined;
  }
}

function readStatus(pid: number): { hwmKb: number; rssKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      hwmKb: Number(/VmHWM:\s+(\d+) kB/.exec(text)?.[1] ?? 0),
      rssKb: Number(/VmRSS:\s+(\d+) kB/.exec(text)?.[1] ?? 0),
    };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * Reads a running process (and its descendants) from /proc every `everyMs`, keeping the last
 * readings: a process's CPU and VmHWM can no longer be read once it has exited, so the figures are
 * those of the last reading, at most `everyMs` before the end (its high-water mark by then, its CPU
 * less that last moment).
 */
export class ProcessWatch {
  private own = { hwmKb: 0, cpuS: 0 };
  private readonly children = new Map<number, { comm: string; cpuS: number; hwmKb: number }>();
  private treeRssKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.read();
    this.timer = setInterval(() => this.read(), everyMs);
  }

  private read(): void {
    const status = readStatus(this.pid);
    const stat = readStat(this.pid);
    if (!status || !stat) return;
    this.own = { hwmKb: Math.max(this.own.hwmKb, status.hwmKb), cpuS: Math.max(this.own.cpuS, stat.cpuS) };
    let tree = status.rssKb;
    const pending = childrenOf(this.pid);
    while (pending.length) {
      const pid = pending.pop()!;
      const child = readStat(pid);
      if (!child) continue;
      const childStatus = readStatus(pid);
      this.children.set(pid, { ...child, hwmKb: Math.max(this.children.get(pid)?.hwmKb ?? 0, childStatus?.hwmKb ?? 0) });
      tree += childStatus?.rssKb ?? 0;
      pending.push(...childrenOf(pid));
    }
    this.treeRssKb = Math.max(this.treeRssKb, tree);
  }

  stop(): ProcessFigures {
    clearInterval(this.timer);
    const childCpuS: Record<string, number> = {};
    const childPeakRssMb: Record<string, number> = {};
    for (const { comm, cpuS, hwmKb } of this.children.values()) {
      childCpuS[comm] = (childCpuS[comm] ?? 0) + cpuS;
      childPeakRssMb[comm] = Math.max(childPeakRssMb[comm] ?? 0, hwmKb / 1024);
    }
    return { peakRssMb: this.own.hwmKb / 1024, cpuS: this.own.cpuS, childCpuS, childPeakRssMb, treeRssMb: this.treeRssKb / 1024 };
  }
}
