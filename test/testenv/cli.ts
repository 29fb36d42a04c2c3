// The `tagpilot` CLI as a user runs it: the bin/tagpilot launcher in a child process.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const tagpilotBin = resolve(import.meta.dirname, '../../bin/tagpilot');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tagpilot ARGS`; with `kubeconfig`, as $KUBECONFIG (the cluster commands talk to). */
export function tagpilot(args: string[], kubeconfig?: string): Promise<CliRun> {
  const env = kubeconfig ? { ...process.env, KUBECONFIG: kubeconfig } : process.env;
  return new Promise((done) => {
    const child = execFile(
      tagpilotBin,
      args,
      { encoding: 'utf8', timeout: 60_000, env },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}
