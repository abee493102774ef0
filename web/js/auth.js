// Signing in. Locally: pick a learner and get a token from the local stack's local-only routes.
// In AWS: Cognito's hosted UI, authorization code flow with PKCE (no client secret, no library).

const SESSION_KEY = "cme.session";
const PKCE_KEY = "cme.pkce";

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The claims of a JWT, unverified (the API verifies it; the client only reads sub, name, exp). */
export function decodeJwt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

function sessionFromToken(token) {
  const claims = decodeJwt(token);
  if (!claims || !claims.sub) return null;
  return {
    token,
    userId: claims.sub,
    name: claims.name || claims.email || claims["cognito:username"] || claims.sub,
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000,
  };
}

/** The signed-in learner ({token, userId, name, expiresAt}), or null (none, or expired). */
export function currentSession() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    if (stored && stored.token && stored.expiresAt > Date.now() + 5_000) return stored;
  } catch {
    /* a damaged entry is no session */
  }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function store(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function forget() {
  sessionStorage.removeItem(SESSION_KEY);
}

// ------------------------------------------------------------------ local stack (local only)

async function localJson(response) {
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const message = payload?.error?.message || `The local stack answered ${response.status}.`;
    throw new Error(message);
  }
  return payload;
}

/** The learners the local stack knows: GET /local/learners (a local-only route). */
export async function localLearners(config) {
  const response = await fetch(`${config.api_base_url || ""}/local/learners`, { cache: "no-store" });
  return (await localJson(response)).items || [];
}

/** A token for `userId` from POST /local/token (a local-only route). */
export async function signInLocally(config, userId, name) {
  const response = await fetch(`${config.api_base_url || ""}/local/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(name ? { user_id: userId, name } : { user_id: userId }),
  });
  const { token } = await localJson(response);
  const session = sessionFromToken(token);
  if (!session) throw new Error("The local stack returned a token that cannot be read.");
  return store(session);
}

// ------------------------------------------------------------------ Cognito hosted UI

function cognitoSettings(config) {
  const cognito = config.cognito || {};
  if (!cognito.domain || !cognito.client_id) throw new Error("config.json has no cognito.domain or cognito.client_id.");
  const domain = cognito.domain.startsWith("https://") ? cognito.domain : `https://${cognito.domain}`;
  return {
    domain: domain.replace(/\/+$/, ""),
    clientId: cognito.client_id,
    redirectUri: cognito.redirect_uri || new URL("./", window.location.href).href.split("#")[0],
    scopes: cognito.scopes || "openid email profile",
  };
}

/** Go to the hosted UI; it comes back to the redirect URI with ?code=&state=. */
export async function beginCognitoSignIn(config, returnTo) {
  const { domain, clientId, redirectUri, scopes } = cognitoSettings(config);
  const verifier = randomString(48);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const state = randomString(24);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo: returnTo || "#/credits" }));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: scopes,
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  });
  window.location.assign(`${domain}/oauth2/authorize?${params}`);
}

/**
 * When the page is the hosted UI's redirect (?code=&state= or ?error=), exchange the code for tokens.
 * Returns {session, returnTo} after a sign-in, null when the page is not a redirect; throws on failure.
 */
export async function completeCognitoSignIn(config) {
  const url = new URL(window.location.href);
  const code = url.searchParams.get("code");
  const failure = url.searchParams.get("error");
  if (!code && !failure) return null;
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  // The code is single-use and must not stay in the address bar or history.
  window.history.replaceState(null, "", url.pathname + (pending?.returnTo || "#/credits"));
  if (failure) throw new Error(url.searchParams.get("error_description") || failure);
  if (!pending || pending.state !== url.searchParams.get("state")) {
    throw new Error("The sign-in answer did not match this browser tab. Please sign in again.");
  }
  const { domain, clientId, redirectUri } = cognitoSettings(config);
  const response = await fetch(`${domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await response.json().catch(() => ({}));
  if (!response.ok || !tokens.id_token) {
    throw new Error(tokens.error_description || tokens.error || "Sign-in could not be completed.");
  }
  // The API's JWT authorizer takes the ID token (audience: this app client); it also names the learner.
  const session = sessionFromToken(tokens.id_token);
  if (!session) throw new Error("Sign-in returned a token that cannot be read.");
  return { session: store(session), returnTo: pending.returnTo };
}

/** Sign out; with Cognito, also end the hosted UI's session (it redirects back to the app). */
export function signOut(config) {
  forget();
  if (config.auth === "cognito") {
    const { domain, clientId, redirectUri } = cognitoSettings(config);
    const params = new URLSearchParams({ client_id: clientId, logout_uri: config.cognito.logout_uri || redirectUri });
    window.location.assign(`${domain}/logout?${params}`);
    return true;
  }
  return false;
}
