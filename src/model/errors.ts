// Error classes with stable codes. Messages name the thing at fault (node, host:port, config key, file).

export class WardenError extends Error {
  readonly code: string;
  /** process exit status when this error ends a command */
  readonly exitCode: number;
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** The configuration cannot be used: unreadable file, bad TOML, unknown key, wrong type, inconsistency. */
export class ConfigError extends WardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, { ...options, exitCode: 2 });
  }
}

/** A command was used wrongly (bad argument, missing prerequisite). */
export class UsageError extends WardenError {
  constructor(message: string) {
    super('E_USAGE', message, { exitCode: 2 });
  }
}

/** The sandbox cannot do what was asked (already running, node missing, a node failed to start). */
export class SandboxError extends WardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SANDBOX', message, options);
  }
}
