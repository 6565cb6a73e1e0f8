// Every call to /api/ carries the launch data: `Authorization: tma <initData>`.

let initData = "";
// The API sits beside the page: /app/ -> /api/ (also behind a proxy's path prefix).
const BASE = new URL("../api/", document.baseURI);

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export function setInitData(value) {
  initData = value || "";
}

export function url(path, params = {}) {
  const target = new URL(path.replace(/^\//, ""), BASE);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(name, value);
  }
  return target;
}

async function call(method, path, { params, body, raw } = {}) {
  const headers = { Authorization: `tma ${initData}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url(path, params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { error: "network", message: "" });
  }
  if (raw && response.ok) return response;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  get: (path, params) => call("GET", path, { params }),
  post: (path, body, params) => call("POST", path, { body, params }),
  blob: async (path, params) => (await call("GET", path, { params, raw: true })).blob(),
};
