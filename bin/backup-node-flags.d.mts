export declare const BACKUP_NODE_FLAGS: readonly string[];
export declare function backupRelaunchArgs(
  argv: readonly string[],
  execArgv?: readonly string[],
  env?: Readonly<Record<string, string | undefined>>,
): string[] | undefined;
/** Resolves false when this process runs the command itself; otherwise ends this process as the child ended. */
export declare function relaunchForBackup(script: string, argv: readonly string[]): Promise<false>;
