import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths whose values are never written to a log line, whatever object they appear in: Tagpilot logs
 * registry responses, Kubernetes objects and alert configurations, any of which may carry credentials.
 */
export const redactPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'auth',
  '*.auth',
  'secret',
  '*.secret',
  'data',
  '*.data',
];

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.TAGPILOT_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { program: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  });
}
