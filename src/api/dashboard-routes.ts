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
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact/dist/preact.mjs',
  'preact-hooks.mjs': 'preact/hooks/dist/hooks.mjs',
  'htm.mjs': 'htm/dist/htm.mjs',
  'uplot.mjs': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

// Vendor files change only with package-lock; the page's own files revalidate on every load.
const VENDOR_MAX_AGE_MS = 24 * 3_600_000;

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
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
