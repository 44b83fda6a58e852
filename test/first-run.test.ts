import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli-runner.ts';

/** What a newcomer with too old a Node sees: one line naming the Node needed, not a stack trace. */

const SYSTEM_NODE = '/usr/bin/node';
const SYSTEM_NPM = '/usr/bin/npm';
const root = new URL('..', import.meta.url).pathname;

function olderThanEngines(node: string): boolean {
  if (!existsSync(node)) return false;
  const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 22);
}
const oldNode = olderThanEngines(SYSTEM_NODE);
if (!oldNode) console.info(`first-run: ${SYSTEM_NODE} is missing or not older than 22.22; its checks are skipped`);

/** This Node, told it is `version`, before bin/callcast.js reads it. */
const pretending = (version: string) =>
  `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;

function expectOneLineRefusal(run: { code: number | null; stdout: string; stderr: string }, version: string) {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`callcast needs Node >=22.22 (Node 24 LTS recommended), this is Node ${version}`);
  expect(lines[0]).toMatch(/nodejs\.org.*nvm install 24/);
  expect(run.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
}

describe('too old a Node', () => {
  it.skipIf(!oldNode)(
    'the system Node 20 gets one line saying which Node is needed and how to get it, exit 1',
    async () => {
      const version = execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      expectOneLineRefusal(await runCli(['--help'], {}, { node: SYSTEM_NODE }), version);
      expectOneLineRefusal(await runCli(['demo'], {}, { node: SYSTEM_NODE }), version);
    },
  );

  it('the check reads the engines floor: 22.21.9 is refused, 22.22.0 runs the CLI', async () => {
    const refused = await runCli(['--help'], {}, { nodeArgs: ['--import', pretending('22.21.9')] });
    expectOneLineRefusal(refused, '22.21.9');
    const accepted = await runCli(['--help'], {}, { nodeArgs: ['--import', pretending('22.22.0')] });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('Commands:');
  });

  it.skipIf(!oldNode || !existsSync(SYSTEM_NPM))(
    'npm ci refuses at once with the engines message (.npmrc engine-strict)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'callcast-npm-'));
      try {
        for (const name of ['package.json', 'package-lock.json', '.npmrc'])
          copyFileSync(join(root, name), join(dir, name));
        let output = '';
        let failed = false;
        try {
          execFileSync(SYSTEM_NODE, [SYSTEM_NPM, 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
            cwd: dir,
            encoding: 'utf8',
            stdio: 'pipe',
            timeout: 60_000,
            env: { ...process.env, npm_config_cache: join(dir, '.npm-cache') },
          });
        } catch (err) {
          failed = true;
          output = String((err as { stderr?: string }).stderr);
        }
        expect(failed).toBe(true);
        expect(output).toContain('EBADENGINE');
        expect(output).toContain('Required: {"node":">=22.22"}');
        expect(readdirSync(dir)).not.toContain('node_modules');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
