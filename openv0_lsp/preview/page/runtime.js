// The preview page's runtime: follows builds over the websocket and shows them in place.
//
// One script for every page kind, chosen by <html data-openv0-mode>:
//   frame    renders one component (React module or HTML markup) and reports its errors
//   page     the component page: frames side by side, with a status line each
//   gallery  every component; a component built later gets a card of its own
//   missing  the "no build yet" page: opens the component once its first build arrives
// Plain JavaScript (no JSX, no bundler): React comes from the frame's import map.

const base = new URL(".", import.meta.url); // the token's root: /t/TOKEN/
const html = document.documentElement;
const mode = html.dataset.openv0Mode || "frame";
// The frame's import map: the vendor modules a component may import, and the page's CSP nonce
// (the import map is the one script that carries it).
const importMap = document.querySelector('script[type="importmap"]');
const nonce = (importMap && importMap.nonce) || "";

// What tests (and curious people) can read: window.__openv0.version is the version on screen.
const state = {
  mode,
  version: 0, // the build rendered last (its commit is done)
  received: 0, // the newest build received
  renders: 0, // renders committed
  errors: [], // the errors the overlay shows ([] when hidden)
  runtimeErrors: 0,
  connected: false,
  connects: 0,
  builds: {}, // page / gallery: component -> {version, errors}
  // frame: when the last build shown went through each stage (epoch ms, like Date.now())
  timing: { received: 0, loaded: 0, committed: 0 },
};
window.__openv0 = state;

function now() {
  return performance.timeOrigin + performance.now();
}

function quoted(component) {
  return encodeURIComponent(component);
}

// -- the websocket ---------------------------------------------------------------------------

function connect(components, onBuild) {
  const url = new URL("ws", base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const component of components) url.searchParams.append("component", component);
  let socket = null;
  let delay = 250;
  const waiting = []; // messages sent before the socket opened (bounded)

  function open() {
    socket = new WebSocket(url);
    socket.onopen = () => {
      state.connected = true;
      state.connects += 1;
      showConnection("live");
      while (waiting.length) socket.send(waiting.shift());
    };
    socket.onmessage = (event) => {
      delay = 250; // a server that answers is back for real
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && message.type === "build" && typeof message.component === "string") {
        onBuild(message);
      }
    };
    socket.onclose = () => {
      state.connected = false;
      showConnection("reconnecting…");
      // Backoff with jitter, so a restarted server is not met by every page at once.
      setTimeout(open, delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, 5000);
    };
    socket.onerror = () => {}; // onclose follows and reconnects
  }
  open();

  return {
    send(message) {
      const text = JSON.stringify(message);
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
      else if (waiting.length < 20) waiting.push(text);
    },
  };
}

function showConnection(text) {
  const element = document.querySelector("[data-openv0-connection]");
  if (element) element.textContent = text;
}

// -- frame: one component --------------------------------------------------------------------

function runFrame() {
  const component = html.dataset.openv0Component;
  const root = document.getElementById("root");
  const overlay = document.getElementById("openv0-overlay");
  const style = document.getElementById("openv0-css");
  const reported = new Set();
  let react = null; // {React, createRoot, Shell, Boundary} once loaded
  let reactRoot = null;
  let pending = null;
  let busy = false;

  const socket = connect([component], (build) => {
    if (build.component !== component || !(build.version > state.received)) return;
    state.received = build.version;
    state.timing = { received: now(), loaded: 0, committed: 0 };
    pending = build; // only the newest build waiting matters
    if (!busy) drain();
  });

  async function drain() {
    busy = true;
    try {
      while (pending) {
        const build = pending;
        pending = null;
        try {
          await apply(build);
        } catch (error) {
          if (!pending) runtimeError(error, "", build.version);
        }
      }
    } finally {
      busy = false;
    }
  }

  async function apply(build) {
    const errors = Array.isArray(build.errors) ? build.errors : [];
    if (errors.length) {
      // Keep the last good render underneath; the overlay says what is wrong now.
      showOverlay(`${errors.length === 1 ? "Error" : `${errors.length} errors`} in ${component}`, errors);
      return;
    }
    if (build.kind === "html") {
      if (reactRoot) {
        reactRoot.unmount();
        reactRoot = null;
      }
      setCss(build.css);
      root.innerHTML = build.html || "";
      hideOverlay();
      committed(build.version);
      return;
    }
    const loaded = await loadReact();
    if (pending) return; // a newer build is waiting: render that one instead
    const Component = run(build, loaded.modules).default;
    state.timing.loaded = now();
    if (Component == null) throw new Error(`${component} has no default export`);
    if (!reactRoot) {
      root.replaceChildren();
      reactRoot = loaded.createRoot(root);
    }
    setCss(build.css);
    hideOverlay();
    const { createElement } = loaded.React;
    const tree = createElement(
      loaded.Shell,
      { version: build.version },
      createElement(loaded.Boundary, { version: build.version }, createElement(Component)),
    );
    // Rendered and committed now, not in a task React schedules for later.
    loaded.flushSync(() => reactRoot.render(tree));
  }

  // Runs the build's module (CommonJS, from the message) at once: a <script> carrying the
  // page's nonce hands its body to us as a function. No request, no module loading.
  function run(build, modules) {
    const module = { exports: {} };
    let failure = null;
    let ran = false;
    window.__openv0_define = (body) => {
      ran = true;
      try {
        body((specifier) => required(specifier, modules), module, module.exports);
      } catch (error) {
        failure = error;
      }
    };
    const script = document.createElement("script");
    script.nonce = nonce;
    script.textContent =
      `__openv0_define(function (require, module, exports) {\n${build.module}\n});\n` +
      `//# sourceURL=openv0:///${component}?v=${build.version}\n`;
    try {
      document.head.append(script);
    } finally {
      script.remove();
      delete window.__openv0_define;
    }
    if (failure) throw failure;
    if (!ran) throw new Error(`${component} v${build.version} did not run`);
    return module.exports;
  }

  function required(specifier, modules) {
    const found = modules[specifier];
    if (!found) {
      const known = Object.keys(modules).join(", ");
      throw new Error(`${component} imports "${specifier}": the preview has only ${known}`);
    }
    return found;
  }

  // The same CSS again (a text-only edit) is left alone: replacing it restyles the whole page.
  function setCss(css) {
    const text = css || "";
    if (style.textContent !== text) style.textContent = text;
  }

  async function loadReact() {
    if (react) return react;
    const names = Object.keys(JSON.parse(importMap.textContent).imports);
    const loaded = await Promise.all(names.map((name) => import(name)));
    // What a component's require() gets: the module's exports, marked as ES module exports so
    // that esbuild's interop gives `import React from "react"` the module's default.
    const modules = {};
    names.forEach((name, i) => (modules[name] = Object.assign({ __esModule: true }, loaded[i])));
    const [React, dom, client] = ["react", "react-dom", "react-dom/client"].map(
      (name) => loaded[names.indexOf(name)],
    );
    const R = React.default && React.default.Component ? React.default : React;
    const createRoot = client.createRoot || (client.default && client.default.createRoot);

    // Counts a render once React has committed it, so `version` means "on screen".
    function Shell(props) {
      R.useLayoutEffect(() => committed(props.version), [props.version]);
      return props.children;
    }

    class Boundary extends R.Component {
      constructor(props) {
        super(props);
        this.state = { error: null, version: props.version };
      }
      static getDerivedStateFromProps(props, current) {
        return props.version !== current.version ? { error: null, version: props.version } : null;
      }
      static getDerivedStateFromError(error) {
        return { error };
      }
      componentDidCatch(error, info) {
        runtimeError(error, (info && info.componentStack) || "", this.props.version);
      }
      render() {
        return this.state.error ? null : this.props.children;
      }
    }

    const flushSync = dom.flushSync || (dom.default && dom.default.flushSync);
    react = { React: R, createRoot, flushSync, Shell, Boundary, modules };
    return react;
  }

  function committed(version) {
    state.timing.committed = now();
    state.version = version;
    state.renders += 1;
  }

  function showOverlay(title, errors) {
    state.errors = errors;
    const heading = document.createElement("strong");
    heading.textContent = title;
    const list = document.createElement("ol");
    for (const error of errors) {
      const item = document.createElement("li");
      const where = [error.file || component, error.line || 0, error.column || 0].join(":");
      item.textContent = `${where} ${error.message}`;
      list.append(item);
    }
    overlay.replaceChildren(heading, list);
    overlay.hidden = false;
  }

  function hideOverlay() {
    state.errors = [];
    overlay.hidden = true;
    overlay.replaceChildren();
  }

  function runtimeError(error, extraStack, version) {
    const message = String((error && error.message) || error || "unknown error");
    const stack = String((error && error.stack) || "") + (extraStack || "");
    state.runtimeErrors += 1;
    showOverlay(`Runtime error in ${component}`, [{ file: component, line: 0, column: 0, message }]);
    const shown = version || state.version || state.received;
    const key = `${shown}\u0000${message}`;
    if (reported.has(key)) return; // a render loop repeats the same error
    if (reported.size > 100) reported.clear();
    reported.add(key);
    socket.send({ type: "runtime-error", component, version: shown, message, stack });
  }

  window.addEventListener("error", (event) => runtimeError(event.error || event.message, ""));
  window.addEventListener("unhandledrejection", (event) => runtimeError(event.reason, ""));
}

// -- page and gallery: status lines ----------------------------------------------------------

function runPage() {
  const gallery = document.querySelector("[data-openv0-gallery]");
  const figures = () => document.querySelectorAll("figure[data-openv0-component]");
  const ids = [...figures()].map((figure) => figure.dataset.openv0Component);

  connect(gallery ? [] : ids, (build) => {
    state.received = Math.max(state.received, build.version);
    let figure = [...figures()].find((f) => f.dataset.openv0Component === build.component);
    if (!figure && gallery) figure = addCard(gallery, build.component);
    if (!figure) return;
    const errors = Array.isArray(build.errors) ? build.errors : [];
    state.builds[build.component] = { version: build.version, errors: errors.length };
    const status = figure.querySelector("[data-openv0-status]");
    if (status) {
      status.dataset.state = errors.length ? "error" : "ok";
      status.textContent = errors.length
        ? `v${build.version}: ${errors.length} error${errors.length === 1 ? "" : "s"}`
        : `v${build.version}`;
    }
  });
}

function addCard(gallery, component) {
  const figure = document.createElement("figure");
  figure.dataset.openv0Component = component;
  const caption = document.createElement("figcaption");
  const link = document.createElement("a");
  link.href = new URL(`c/${quoted(component)}`, base).href;
  link.textContent = component;
  const status = document.createElement("span");
  status.className = "status";
  status.dataset.openv0Status = "";
  caption.append(link, " ", status);
  const frame = document.createElement("iframe");
  // Same sandbox as the server's templates (see component.html for why same-origin).
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
  frame.src = new URL(`frame/${quoted(component)}`, base).href;
  frame.title = component;
  figure.append(caption, frame);
  gallery.append(figure);
  const empty = document.querySelector("[data-openv0-empty]");
  if (empty) empty.remove();
  const count = document.querySelector("[data-openv0-count]");
  if (count) {
    const n = gallery.querySelectorAll("figure").length;
    count.textContent = `${n} component${n === 1 ? "" : "s"}`;
  }
  return figure;
}

// -- missing: wait for the first build -------------------------------------------------------

function runMissing() {
  const element = document.querySelector("[data-openv0-component]");
  if (!element) return;
  connect([element.dataset.openv0Component], () => location.reload());
}

if (mode === "frame") runFrame();
else if (mode === "missing") runMissing();
else runPage();
