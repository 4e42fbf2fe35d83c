/** A usage or config error: the CLI exits 2 and prints `path: message` lines. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class PreconditionFailedError extends Error {
  constructor(key: string) {
    super(`concurrent update of ${key}`);
    this.name = 'PreconditionFailedError';
  }
}
