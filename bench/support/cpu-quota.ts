import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup v1 CPU quota (the machine has v1 controllers at /sys/fs/cgroup/cpu; on a v2-only host
 * cpu.max in a child of /sys/fs/cgroup): a command started through it runs, with all its children,
 * at `vcpu` CPUs. The backup bench models Lambda's CPU share with it.
 */
export class CpuQuota {
  private constructor(
    readonly dir: string,
    readonly vcpu: number,
    private readonly v2: boolean,
  ) {}

  /** Undefined where the machine has no cgroup CPU controller to write (not root, a container without it). */
  static tryCreate(name: string, vcpu: number): CpuQuota | undefined {
    try {
      return CpuQuota.create(name, vcpu);
    } catch {
      return undefined;
    }
  }

  static create(name: string, vcpu: number): CpuQuota {
    const v1 = '/sys/fs/cgroup/cpu';
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const dir = v2 ? join('/sys/fs/cgroup', name) : join(v1, name);
    if (!v2 && !existsSync(join(v1, 'cpu.cfs_quota_us')))
      throw new Error('no cgroup cpu controller at /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2)');
    mkdirSync(dir, { recursive: true });
    const period = 100_000;
    if (v2) writeFileSync(join(dir, 'cpu.max'), `${Math.round(vcpu * period)} ${period}`);
    else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(Math.round(vcpu * period)));
    }
    return new CpuQuota(dir, vcpu, v2);
  }

  /** argv that joins the cgroup first and then execs the command, so every child is inside from its start. */
  wrap(command: string, args: string[]): [string, string[]] {
    return ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, command, ...args]];
  }

  describe(): string {
    return `${this.v2 ? 'cgroup v2 cpu.max' : 'cgroup v1 cpu.cfs_quota_us'} ${Math.round(this.vcpu * 100_000)}/100000`;
  }

  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // still busy: the kernel frees it with its last process
    }
  }
}
