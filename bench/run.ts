/**
 * `npm run bench [-- <name>… [flags]]`: runs the named benchmarks (default: all, most telling
 * first) one after another, each as its own process so none inherits another's heap or timers.
 * Flags after the names go to every named benchmark; `node bench/<name>.ts --help` lists them.
 * Benchmarks are run by hand, never by `npm test` or CI: they take minutes and need quiet cores.
 *
 *   npm run bench                          # everything with the issue's sizes (~40 min)
 *   npm run bench -- pacing --workers 1,4  # one benchmark, its flags
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['pacing', 'webhooks', 'reports', 'intake', 'capacity', 'reminders'] as const;

const argv = process.argv.slice(2);
const names = argv.filter((arg, i) => !arg.startsWith('-') && argv.slice(0, i).every((a) => !a.startsWith('-')));
const passed = argv.slice(names.length);
const unknown = names.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}\n`);
  process.exit(2);
}

const outcomes: Array<{ name: string; code: number | null }> = [];
for (const name of names.length > 0 ? names : BENCHMARKS) {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [script, ...passed], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal; we only wait for it to finish cleaning up.
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  outcomes.push({ name, code });
}
const failed = outcomes.filter((outcome) => outcome.code !== 0);
process.stderr.write(`\n${outcomes.map((o) => `${o.name}: ${o.code === 0 ? 'ok' : `exit ${o.code}`}`).join('\n')}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
