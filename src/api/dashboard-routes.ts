import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../shared/errors.ts';

/**
 * The web dashboard: static files from web/ at `/`, and the few browser ES modules and styles it
 * imports from node_modules at /vendor/<name>. No build step, no CDN; the page talks to /v1 with
 * the operator's API key like any other client, so it needs no route of its own.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const WEB_ROOT = `${repoRoot}web`;
const MODULES = `${repoRoot}node_modules`;

/** /vendor/<name> → a file in node_modules; only these, so nothing else under node_modules is served. */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact/dist/preact.mjs',
  'preact-hooks.mjs': 'preact/hooks/dist/hooks.mjs',
  'htm.mjs': 'htm/dist/htm.mjs',
  'uplot.mjs': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

// Vendor files change only with package-lock; the page's own files revalidate on every load.
const VENDOR_MAX_AGE_MS = 24 * 3_600_000;

/**
 * The page's Content-Security-Policy: scripts and connections from this origin only, plus the one
 * inline script (the import map, which browsers do not load from a file), allowed by its hash.
 * The API key lives in sessionStorage, so no injected or third-party script may run beside it.
 */
async function dashboardPolicy(): Promise<string> {
  const page = await readFile(`${WEB_ROOT}/index.html`, 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const policy = await dashboardPolicy();
  await app.register(fastifyStatic, {
    setHeaders: (reply, path) => {
      void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      if (path.endsWith('.html')) void reply.header('content-security-policy', policy);
    },
    root: WEB_ROOT,
    prefix: '/',
    // Routes for the files present at start only: no catch-all that would answer for unknown paths.
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
  });

  app.get('/vendor/:file', async (request, reply) => {
    const name = (request.params as { file: string }).file;
    const path = Object.hasOwn(VENDOR_FILES, name) ? VENDOR_FILES[name] : undefined;
    if (!path) throw notFound('File', name);
    return reply.sendFile(path, MODULES, { maxAge: VENDOR_MAX_AGE_MS, immutable: false });
  });
}
