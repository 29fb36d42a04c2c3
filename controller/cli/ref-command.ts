// The shared shape of the registry commands (`tags`, `digest`): strict flags, --help, exactly one image
// reference, one stderr line per failure, and exit codes 0 (done), 1 (the registry could not answer),
// 2 (bad input).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { RegistryError } from '../registry/index.js';
import { fail } from './fail.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>['values'];

/**
 * Runs `body` with the parsed flags and the one image reference, after answering --help and rejecting
 * bad flags or a wrong number of references. Errors thrown by `body` become the exit code: a
 * RegistryError is 1 (2 for a malformed reference); anything else is bad input (unreadable
 * --docker-config, bad flag combinations), 2.
 */
export async function runRefCommand<O extends Options>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
  body: (values: Values<O>, ref: string) => Promise<number>,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(command, `${errorMessage(err)}; see tagpilot ${command} --help`, 2);
  }
  const { values, positionals } = parsed;
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    return fail(
      command,
      `expected exactly one image reference, got ${positionals.length}; see tagpilot ${command} --help`,
      2,
    );
  }
  try {
    return await body(values as Values<O>, positionals[0] ?? '');
  } catch (err) {
    if (err instanceof RegistryError) return fail(command, err.message, err.kind === 'bad-reference' ? 2 : 1);
    return fail(command, errorMessage(err), 2);
  }
}
