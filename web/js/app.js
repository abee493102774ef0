// The single-page client: runtime config, sign-in, a hash router and the screens in screens/.

import { Api, ApiError } from "./api.js";
import * as auth from "./auth.js";
import { clear, h } from "./dom.js";
import { describe } from "./messages.js";
import * as claimed from "./screens/claimed.js";
import * as credits from "./screens/credits.js";
import * as done from "./screens/done.js";
import * as evaluation from "./screens/evaluation.js";
import * as external from "./screens/external.js";
import * as preview from "./screens/preview.js";
import * as profile from "./screens/profile.js";
import * as requirements from "./screens/requirements.js";
import * as signin from "./screens/signin.js";

const SCREENS = { signin, credits, preview, evaluation, done, claimed, profile, requirements, "external-credit": external };
const DEFAULT_ROUTE = "#/credits";

const state = {
  config: null,
  session: null,
  me: null,
  creditTypes: [],
  otherCreditTypes: [], // types only credit earned elsewhere carries (GET /external-credit-types)
  creditType: "AMA_PRA_1",
  selection: new Map(), // credit_id -> the amount typed (text), for the chosen credit type
  pending: null, // the claim being previewed: {body, key, topics, creditTypeLabel}
  lastClaim: null, // the answer of the last POST /claims
  flash: null, // {error, context} for the next screen to show
  returnTo: null,
};

const main = () => document.getElementById("main");
let renderCount = 0;

function parseHash(hash) {
  const [path, search = ""] = (hash || "").replace(/^#\/?/, "").split("?");
  let parts;
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    parts = []; // a malformed escape (`#/done/%E0`): no such screen, so the default one
  }
  const [name, ...params] = parts;
  return { name: name || "", params, query: new URLSearchParams(search) };
}

export function navigate(hash, { replace = false } = {}) {
  if (window.location.hash === hash) {
    route();
  } else if (replace) {
    window.history.replaceState(null, "", hash);
    route();
  } else {
    window.location.hash = hash;
  }
}

export function announce(text) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  // A fresh text node after a tick, so screen readers announce a repeated message again.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** The message box for an error: role=alert, the clinician-facing words, an action, maybe a retry. */
export function errorBox(error, context = {}, { onRetry } = {}) {
  const words = describe(error, context);
  const box = h(
    "div",
    { class: "notice notice--error", role: "alert", dataset: { code: error?.code || "unexpected" } },
    h("h2", { class: "notice__title" }, words.title),
    h("p", {}, words.text),
    words.items.length ? h("ul", {}, words.items.map((item) => h("li", {}, item))) : null,
  );
  const actions = h("p", { class: "notice__actions" });
  if (words.action) actions.append(h("a", { href: words.action.href, class: "button button--secondary" }, words.action.label));
  if (onRetry && words.retry) {
    actions.append(h("button", { type: "button", class: "button button--secondary", onclick: onRetry }, "Try again"));
  }
  if (actions.childNodes.length) box.append(actions);
  return box;
}

export function successBox(title, text) {
  return h("div", { class: "notice notice--success", role: "status" }, h("h2", { class: "notice__title" }, title), text ? h("p", {}, text) : null);
}

/** The flash left for this screen (an error from the previous one), shown once. */
export function takeFlash() {
  const flash = state.flash;
  state.flash = null;
  return flash ? errorBox(flash.error, flash.context || {}) : null;
}

function unauthorized(error) {
  auth.forget();
  state.session = null;
  state.me = null;
  state.flash = { error };
  const current = parseHash(window.location.hash).name;
  if (current !== "signin") {
    state.returnTo = window.location.hash || DEFAULT_ROUTE;
    navigate("#/signin", { replace: true });
  }
}

const api = new Api("", () => state.session?.token || null, unauthorized);

export function signedIn(session, returnTo) {
  state.session = session;
  state.me = null;
  state.selection = new Map();
  state.pending = null;
  const target = returnTo || state.returnTo || DEFAULT_ROUTE;
  state.returnTo = null;
  updateHeader();
  navigate(target.startsWith("#/signin") ? DEFAULT_ROUTE : target);
}

function signOut() {
  state.session = null;
  state.me = null;
  state.selection = new Map();
  state.pending = null;
  if (!auth.signOut(state.config)) {
    updateHeader();
    navigate("#/signin");
  }
}

function updateHeader(active) {
  const signedInNow = Boolean(state.session);
  document.getElementById("nav").hidden = !signedInNow;
  document.getElementById("account").hidden = !signedInNow;
  const displayName = state.me?.display_name || state.session?.name || "";
  document.getElementById("account-name").textContent = signedInNow ? `Signed in as ${displayName}` : "";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.route === active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

/** The learner's profile, loaded once per sign-in (screens that change it replace it). */
export async function loadMe(force = false) {
  if (!state.me || force) {
    state.me = await api.me();
    updateHeader(parseHash(window.location.hash).name);
  }
  return state.me;
}

export async function loadCreditTypes() {
  if (!state.creditTypes.length) state.creditTypes = (await api.creditTypes()).items || [];
  return state.creditTypes;
}

export function creditTypeLabel(code) {
  return (state.creditTypes.find((t) => t.code === code) || state.otherCreditTypes.find((t) => t.code === code))?.label || code;
}

/** Labels of the types external credit may carry (the catalogue's and outside-only ones). */
export function rememberCreditTypes(types) {
  state.otherCreditTypes = types;
}

const app = {
  state,
  api,
  navigate,
  announce,
  errorBox,
  successBox,
  takeFlash,
  signedIn,
  loadMe,
  loadCreditTypes,
  creditTypeLabel,
  rememberCreditTypes,
};

async function route() {
  const { name, params, query } = parseHash(window.location.hash);
  state.session = auth.currentSession();
  let screenName = SCREENS[name] ? name : null;
  if (!screenName) {
    navigate(state.session ? DEFAULT_ROUTE : "#/signin", { replace: true });
    return;
  }
  if (screenName !== "signin" && !state.session) {
    state.returnTo = window.location.hash;
    navigate("#/signin", { replace: true });
    return;
  }
  const screen = SCREENS[screenName];
  const count = ++renderCount;
  updateHeader(screenName);
  const container = main();
  container.setAttribute("aria-busy", "true");
  let view;
  try {
    view = await screen.render(app, params, query);
  } catch (error) {
    if (error instanceof ApiError && error.code === "unauthorized") return; // on its way to sign-in
    console.error(error);
    view = {
      title: "Something went wrong",
      element: h(
        "section",
        {},
        h("h1", { tabindex: "-1" }, "Something went wrong"),
        errorBox(error instanceof ApiError ? error : new ApiError(0, "unexpected", String(error?.message || error)), {}, {
          onRetry: () => route(),
        }),
      ),
    };
  }
  if (count !== renderCount || !view) return; // another navigation won the race
  clear(container).append(view.element);
  container.removeAttribute("aria-busy");
  document.title = `${view.title} · CME Ledger`;
  const heading = container.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
  view.after?.();
}

async function start() {
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
    if (!response.ok) throw new Error(`config.json: ${response.status}`);
    state.config = await response.json();
  } catch (error) {
    clear(main()).append(
      h("h1", {}, "CME Ledger cannot start"),
      h("p", { role: "alert" }, "Its configuration could not be loaded. Please reload the page in a minute."),
    );
    console.error(error);
    return;
  }
  api.baseUrl = (state.config.api_base_url || "").replace(/\/+$/, "");
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  if (state.config.auth === "cognito") {
    try {
      const result = await auth.completeCognitoSignIn(state.config);
      if (result) {
        signedIn(result.session, result.returnTo);
        return;
      }
    } catch (error) {
      state.flash = { error: new ApiError(401, "sign_in_failed", error.message) };
      window.history.replaceState(null, "", "#/signin");
    }
  }
  route();
}

start();
