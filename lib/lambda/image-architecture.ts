import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfigError } from '../../functions/core/errors.js';

/** The CDK context naming the backup image's architecture: `-c backupArchitecture=arm64` or `x86_64`. */
export const BACKUP_ARCHITECTURE_CONTEXT = 'backupArchitecture';

export type ImageArchitectureName = 'arm64' | 'x86_64';

/**
 * One architecture as each place that must agree on it spells it: the Lambda function's
 * `architecture`, the Docker build's `--platform`, an ECS task's `runtimePlatform.cpuArchitecture`,
 * and the IMAGE_ARCH build argument the Dockerfile checks the built image against.
 */
export interface ImageArchitecture {
  readonly name: ImageArchitectureName;
  readonly lambda: lambda.Architecture;
  readonly platform: Platform;
  readonly ecs: ecs.CpuArchitecture;
  readonly buildArgs: Readonly<Record<'IMAGE_ARCH', ImageArchitectureName>>;
}

const ARCHITECTURES: Readonly<Record<ImageArchitectureName, ImageArchitecture>> = {
  arm64: {
    name: 'arm64',
    lambda: lambda.Architecture.ARM_64,
    platform: Platform.LINUX_ARM64,
    ecs: ecs.CpuArchitecture.ARM64,
    buildArgs: { IMAGE_ARCH: 'arm64' },
  },
  x86_64: {
    name: 'x86_64',
    lambda: lambda.Architecture.X86_64,
    platform: Platform.LINUX_AMD64,
    ecs: ecs.CpuArchitecture.X86_64,
    buildArgs: { IMAGE_ARCH: 'x86_64' },
  },
};

/** Node's names for the machine (`process.arch`) and Docker's, to ours. */
const SPELLINGS: Readonly<Record<string, ImageArchitectureName>> = {
  arm64: 'arm64',
  aarch64: 'arm64',
  x86_64: 'x86_64',
  x64: 'x86_64',
  amd64: 'x86_64',
};

/**
 * The architecture a container image is built for and run on: the one named by the context, else
 * the machine's own (`process.arch`), so `cdk deploy` builds it natively (an image for the other
 * architecture needs QEMU emulation to run its `RUN` steps, which a fresh Docker does not have).
 * Pin it in cdk.json's context when several machines of different architectures deploy the stack:
 * otherwise each deploy moves the function to its own machine's architecture.
 */
export function imageArchitecture(context: unknown, hostArch: string = process.arch): ImageArchitecture {
  if (context !== undefined && context !== null && context !== '') {
    const name = typeof context === 'string' ? SPELLINGS[context.toLowerCase()] : undefined;
    if (!name) {
      throw new ConfigError(`-c ${BACKUP_ARCHITECTURE_CONTEXT}: "${String(context)}" is not an architecture Lambda runs (arm64 or x86_64)`);
    }
    return ARCHITECTURES[name];
  }
  const host = SPELLINGS[hostArch];
  if (!host) {
    throw new ConfigError(
      `-c ${BACKUP_ARCHITECTURE_CONTEXT}: this machine is ${hostArch}, which Lambda does not run; ` +
        'set -c backupArchitecture=arm64 or x86_64 (building for it needs QEMU emulation here)',
    );
  }
  return ARCHITECTURES[host];
}
