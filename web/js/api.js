// The HTTP API of API.md, and nothing else: bearer token, JSON, the error envelope, cursors.

const TIMEOUT_MS = 30_000;

/** A refusal of the API (`status` and `code` from its envelope), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message || "");
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }

  get isNetwork() {
    return this.status === 0;
  }

  get isServer() {
    return this.status >= 500;
  }
}

/** A random Idempotency-Key (one per claim attempt; the same one on a retry of that attempt). */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Api {
  /**
   * @param {string} baseUrl  the API's base URL ("" for the page's own origin)
   * @param {() => string|null} getToken  the bearer token of the signed-in learner
   * @param {(error: ApiError) => void} onUnauthorized  called on every 401
   */
  constructor(baseUrl, getToken, onUnauthorized) {
    this.baseUrl = (baseUrl || "").replace(/\/+$/, "");
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
  }

  url(path, query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  async request(method, path, { query, body, headers, raw } = {}) {
    const sent = { Accept: "application/json", ...(headers || {}) };
    const token = this.getToken();
    if (token) sent.Authorization = `Bearer ${token}`;
    if (body !== undefined) sent["Content-Type"] = "application/json";
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(this.url(path, query), {
        method,
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
        credentials: "omit",
      });
    } catch (cause) {
      const timedOut = cause?.name === "AbortError";
      throw new ApiError(0, timedOut ? "timeout" : "network", String(cause?.message || cause));
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text();
    if (raw && response.ok) return text;
    let payload = null;
    if (text) {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = null;
      }
    }
    if (!response.ok) {
      // Not every refusal has the API's envelope: in AWS the JWT authorizer answers 401 with
      // {"message": "Unauthorized"}, API Gateway 429/413/5xx with its own bodies, and over HTTP/2
      // statusText is empty. Any 401 means the session is over, whatever its body; an answer without
      // the envelope gets a code of its status (`http_429`), for messages.js to word, never to show.
      const envelope = payload && typeof payload === "object" && payload.error && typeof payload.error === "object" ? payload.error : null;
      const status = response.status;
      const code = status === 401 ? "unauthorized" : typeof envelope?.code === "string" && envelope.code ? envelope.code : `http_${status}`;
      const error = new ApiError(status, code, typeof envelope?.message === "string" ? envelope.message : "", envelope?.details);
      if (status === 401) this.onUnauthorized(error);
      throw error;
    }
    return payload;
  }

  get(path, query) {
    return this.request("GET", path, { query });
  }

  put(path, body) {
    return this.request("PUT", path, { body });
  }

  post(path, body, headers) {
    return this.request("POST", path, { body, headers });
  }

  delete(path) {
    return this.request("DELETE", path);
  }

  /** Every item of a paginated list, following next_cursor to the end. */
  async all(path, query = {}) {
    const items = [];
    let cursor = null;
    do {
      const page = await this.get(path, { ...query, limit: 200, cursor });
      items.push(...(page.items || []));
      cursor = page.next_cursor || null;
    } while (cursor);
    return items;
  }

  // ---------------------------------------------------------------- the routes the client uses

  /** The transcript (API.md GET /me/transcript): a PDF's download URL, or the CSV's text. */
  transcript(format, from, to) {
    if (format === "csv") return this.request("GET", "/me/transcript", { query: { format, from, to }, headers: { Accept: "text/csv" }, raw: true });
    return this.get("/me/transcript", { format, from, to });
  }

  me() {
    return this.get("/me");
  }

  saveMe(profile) {
    return this.put("/me", profile);
  }

  creditTypes() {
    return this.get("/credit-types");
  }

  credits(creditType) {
    return this.all("/credits", { credit_type: creditType });
  }

  preview(body) {
    return this.post("/claims/preview", body);
  }

  claim(body, idempotencyKey) {
    return this.post("/claims", body, { "Idempotency-Key": idempotencyKey });
  }

  claims({ sort, order, cursor, limit = 50 }) {
    return this.get("/claims", { sort, order, cursor, limit });
  }

  getClaim(claimId) {
    return this.get(`/claims/${encodeURIComponent(claimId)}`);
  }

  credentials(claimId) {
    return this.get(`/claims/${encodeURIComponent(claimId)}/credentials`);
  }

  certificate(claimId) {
    return this.get(`/claims/${encodeURIComponent(claimId)}/certificate`);
  }

  evaluate(claimId, evaluation) {
    return this.post(`/claims/${encodeURIComponent(claimId)}/evaluation`, evaluation);
  }

  // ---------------------------------------------------------------- renewal

  requirementSets() {
    return this.get("/requirement-sets");
  }

  myRequirements() {
    return this.get("/me/requirements");
  }

  chooseRequirements(items) {
    return this.put("/me/requirements", { items });
  }

  progress() {
    return this.get("/me/requirements/progress");
  }

  /** The project's explanation of the progress: claim suggestions, notes, unverified rules. */
  explanation() {
    return this.get("/me/requirements/explanation");
  }

  topicTags() {
    return this.get("/topic-tags");
  }

  externalCreditTypes() {
    return this.get("/external-credit-types");
  }

  externalCredits() {
    return this.all("/me/external-credits");
  }

  recordExternalCredit(body) {
    return this.post("/me/external-credits", body);
  }

  externalCredit(id) {
    return this.get(`/me/external-credits/${encodeURIComponent(id)}`);
  }

  deleteExternalCredit(id) {
    return this.delete(`/me/external-credits/${encodeURIComponent(id)}`);
  }
}
