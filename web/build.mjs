// Builds the app into dist/: one bundled script and one stylesheet (Leaflet,
// Chart.js and the app), their gzip forms (rtlsd serves those to browsers
// that accept gzip), plus index.html. Run by `make web`.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2022'],
  outdir: 'dist',
  entryNames: 'app',
  assetNames: 'assets/[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync('src/index.html', 'dist/index.html');
for (const f of ['app.js', 'app.css']) {
  writeFileSync(`dist/${f}.gz`, gzipSync(readFileSync(`dist/${f}`), { level: 9 }));
}
