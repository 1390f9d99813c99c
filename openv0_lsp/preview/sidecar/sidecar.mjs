// The preview's compiler: one long-running Node process that turns a component's source into an
// CommonJS module (esbuild) and the Tailwind CSS its classes need (@tailwindcss/node + oxide).
//
//   node sidecar.mjs --root DIR              serve JSON lines: one request in, one answer out
//   node sidecar.mjs --root DIR --vendor OUT build the React ESM vendor files into OUT and exit
//
// DIR holds the node_modules installed from this folder's package-lock.json (the toolchain's
// cache); this script is run from the Python package so it always matches the client.
// stdout carries answers only; everything else goes to stderr.

import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";

console.log = console.info = console.debug = console.error; // keep stdout for answers

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--root") args.root = argv[++i];
    else if (argv[i] === "--vendor") args.vendor = argv[++i];
  }
  if (!args.root) throw new Error("usage: sidecar.mjs --root DIR [--vendor OUT]");
  return args;
}

const args = parseArgs(process.argv.slice(2));
const ROOT = path.resolve(args.root);
const requireFromRoot = createRequire(path.join(ROOT, "package.json"));
const esbuild = requireFromRoot("esbuild");
const { compile: compileCss } = requireFromRoot("@tailwindcss/node");
const { Scanner } = requireFromRoot("@tailwindcss/oxide");

const TAILWIND_DIR = path.dirname(requireFromRoot.resolve("tailwindcss/package.json"));
const TAILWIND_STYLESHEETS = new Set(["index", "preflight", "theme", "utilities"]);
const DEFAULT_CSS_ENTRY = '@import "tailwindcss";';

const LOADERS = {
  ".tsx": "tsx",
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".jsx": "jsx",
  ".js": "jsx", // JSX in .js files is common in React projects; jsx is a superset of js
  ".mjs": "js",
  ".cjs": "js",
};

// ---------------------------------------------------------------------------------------------
// Tailwind

// `@import "tailwindcss"` always means our own copy, matching the compiler's version, even when
// the entry's base folder has no node_modules of its own.
function resolveTailwindStylesheet(id) {
  if (id === "tailwindcss") return path.join(TAILWIND_DIR, "index.css");
  if (!id.startsWith("tailwindcss/")) return undefined;
  const name = id.slice("tailwindcss/".length).replace(/\.css$/, "");
  return TAILWIND_STYLESHEETS.has(name) ? path.join(TAILWIND_DIR, `${name}.css`) : undefined;
}

// A Tailwind compiler remembers every candidate it was ever given and keeps emitting their
// rules. Rules for classes a component no longer uses match nothing on its page, so one compiler
// serves every build (a fresh one cost 20-30 ms per change of classes) until it has seen
// MAX_CANDIDATES, when a fresh compiler, compiled ahead in the background, takes over.
const MAX_CANDIDATES = 5000;

class EntryCss {
  constructor(entry, base) {
    this.entry = entry;
    this.base = base;
    this.current = null;
    this.seen = new Set();
    this.spare = this.fresh();
  }

  fresh() {
    const compiled = compileCss(this.entry, {
      base: this.base,
      onDependency() {},
      customCssResolver: async (id) => resolveTailwindStylesheet(id),
    });
    compiled.catch(() => {}); // reported when a build awaits it
    return compiled;
  }

  async build(candidates) {
    if (this.current && this.seen.size < MAX_CANDIDATES) {
      for (const candidate of candidates) this.seen.add(candidate);
      return this.current.build(candidates);
    }
    const next = this.spare;
    this.spare = this.fresh();
    const compiler = await next;
    const css = compiler.build(candidates);
    this.current = compiler;
    this.seen = new Set(candidates);
    return css;
  }
}

const entryCache = new Map(); // insertion order doubles as least-recently-used order
const ENTRY_CACHE_SIZE = 8;

function entryCss(entry, base) {
  const key = `${base}\0${entry}`;
  let cached = entryCache.get(key);
  if (cached) {
    entryCache.delete(key);
  } else {
    cached = new EntryCss(entry, base);
    if (entryCache.size >= ENTRY_CACHE_SIZE) entryCache.delete(entryCache.keys().next().value);
  }
  entryCache.set(key, cached);
  return cached;
}

function candidatesIn(source, extension) {
  const scanner = new Scanner({ sources: [] });
  return scanner.scanFiles([{ content: source, extension }]);
}

// ---------------------------------------------------------------------------------------------
// Ops

function requireString(request, field) {
  const value = request[field];
  if (typeof value !== "string") throw new RequestError(`'${field}' must be a string`);
  return value;
}

class RequestError extends Error {}

async function compileOp(request) {
  const started = performance.now();
  const source = requireString(request, "source");
  const filename = requireString(request, "filename");
  const cssOptions = request.css ?? {};
  if (typeof cssOptions !== "object") throw new RequestError("'css' must be an object");
  const entry = cssOptions.entry ?? DEFAULT_CSS_ENTRY;
  const base = cssOptions.base ?? ROOT;
  if (typeof entry !== "string" || typeof base !== "string") {
    throw new RequestError("'css.entry' and 'css.base' must be strings or null");
  }

  const extension = path.extname(filename).toLowerCase();
  const errors = [];
  let module = null;
  if (extension !== ".html" && extension !== ".htm") {
    const loader = LOADERS[extension];
    if (!loader) throw new RequestError(`cannot compile '${extension || filename}' files`);
    try {
      const result = await esbuild.transform(source, {
        loader,
        jsx: "automatic",
        // CommonJS: the page runs it as a function body in a nonce-carrying <script>, at once
        // and with no request, its bare imports given by the page's require().
        format: "cjs",
        sourcefile: filename,
        logLevel: "silent",
      });
      module = result.code;
    } catch (error) {
      errors.push(...esbuildErrors(error));
    }
  }

  let css = "";
  try {
    css = await entryCss(entry, base).build(candidatesIn(source, extension.slice(1) || "html"));
  } catch (error) {
    errors.push({ message: `CSS: ${error.message ?? error}`, line: 0, column: 0 });
  }

  const answer = { ok: true, module, css, ms: performance.now() - started };
  if (errors.length) answer.errors = errors;
  return answer;
}

function esbuildErrors(error) {
  if (!Array.isArray(error.errors) || error.errors.length === 0) {
    return [{ message: String(error.message ?? error), line: 0, column: 0 }];
  }
  return error.errors.map((item) => ({
    message: item.text,
    line: item.location?.line ?? 0, // esbuild: 1-based
    column: item.location ? item.location.column + 1 : 0, // esbuild: 0-based
  }));
}

// React ships CommonJS only, and `export *` from CommonJS yields no named exports, so each
// entry names the module's keys explicitly; splitting puts React itself in one shared chunk.
const VENDOR_ENTRIES = {
  react: "react",
  "react-jsx-runtime": "react/jsx-runtime",
  "react-dom": "react-dom",
  "react-dom-client": "react-dom/client",
};

function vendorEntrySource(specifier) {
  const keys = Object.keys(requireFromRoot(specifier)).filter(
    (key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default",
  );
  return [
    `import * as mod from ${JSON.stringify(specifier)};`,
    "const m = mod.default ?? mod;",
    `export const { ${keys.join(", ")} } = m;`,
    "export default m;",
  ].join("\n");
}

async function buildVendor(outDir) {
  const previousEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production"; // the keys of the production builds
  const sources = {};
  try {
    for (const [name, specifier] of Object.entries(VENDOR_ENTRIES)) {
      sources[name] = vendorEntrySource(specifier);
    }
  } finally {
    process.env.NODE_ENV = previousEnv;
  }
  const result = await esbuild.build({
    entryPoints: Object.keys(VENDOR_ENTRIES).map((name) => ({ in: `vendor:${name}`, out: name })),
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    minify: true,
    platform: "browser",
    target: "es2020",
    chunkNames: "chunk-[hash]",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
    write: true,
    metafile: true,
    absWorkingDir: ROOT,
    plugins: [
      {
        name: "vendor-entries",
        setup(build) {
          build.onResolve({ filter: /^vendor:/ }, (resolved) => ({
            path: resolved.path.slice("vendor:".length),
            namespace: "vendor",
          }));
          build.onLoad({ filter: /.*/, namespace: "vendor" }, (loaded) => ({
            contents: sources[loaded.path],
            loader: "js",
            resolveDir: ROOT,
          }));
        },
      },
    ],
  });
  return Object.keys(result.metafile.outputs)
    .map((file) => path.relative(outDir, path.resolve(ROOT, file)))
    .sort();
}

async function vendorOp(request) {
  const outDir = path.resolve(requireString(request, "outDir"));
  return { ok: true, files: await buildVendor(outDir) };
}

const OPS = {
  compile: compileOp,
  vendor: vendorOp,
  ping: async () => ({ ok: true }),
};

// ---------------------------------------------------------------------------------------------
// Serving

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    answer({ id: null, ok: false, error: "not JSON" });
    return;
  }
  const id = request !== null && typeof request === "object" ? (request.id ?? null) : null;
  try {
    if (request === null || typeof request !== "object" || Array.isArray(request)) {
      throw new RequestError("a request is a JSON object");
    }
    const op = OPS[request.op];
    if (!Object.hasOwn(OPS, request.op) || !op) {
      throw new RequestError(`unknown op ${JSON.stringify(request.op ?? null)}`);
    }
    answer({ id, ...(await op(request)) });
  } catch (error) {
    if (!(error instanceof RequestError)) console.error(error);
    answer({ id, ok: false, error: String(error.message ?? error) });
  }
}

async function serve() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const running = new Set();
  for await (const line of lines) {
    if (!line.trim()) continue;
    const task = handle(line).finally(() => running.delete(task));
    running.add(task);
  }
  await Promise.allSettled(running);
  await esbuild.stop?.();
}

if (args.vendor) {
  const files = await buildVendor(path.resolve(args.vendor));
  console.error(`built ${files.length} vendor files into ${args.vendor}`);
  await esbuild.stop?.();
} else {
  await serve();
}
