// The flag tables of docs/configuration.md, from the programs' own flag definitions, so every flag and
// environment variable is listed and none is stale.
import { FLAGS as CONTROLLER_FLAGS, envName } from '../../controller/options.js';
import { FLAGS as OPERATOR_FLAGS } from '../../operator/options.js';

interface Flag {
  type: string;
  help: string;
  default?: string | boolean;
  env?: string;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(flags: Record<string, Flag>, env: (name: string, f: Flag) => string): string {
  const rows = Object.entries(flags)
    .filter(([name]) => name !== 'help')
    .map(([name, f]) => {
      const def = f.default === undefined ? '' : `\`${String(f.default)}\``;
      const flag = f.type === 'boolean' ? `--${name}[=true\\|false]` : `--${name}`;
      return `| \`${flag}\` | \`${env(name, f)}\` | ${def} | ${cell(f.help)} |`;
    });
  return ['| flag | environment | default | what |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const operatorFlagsTable = () =>
  table(OPERATOR_FLAGS as Record<string, Flag>, (name, f) => f.env ?? envName(name));
export const controllerFlagsTable = () =>
  table(CONTROLLER_FLAGS as Record<string, Flag>, (name) => envName(name));
