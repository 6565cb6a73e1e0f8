// The launch data the messenger gives the page, and its theme.
//
// Telegram and Bale open the page with the launch parameters in the URL fragment
// (#tgWebAppData=...&tgWebAppVersion=...&tgWebAppThemeParams=...). Their own script is not
// loaded (the page loads nothing from elsewhere): we read the fragment ourselves, and use
// window.Telegram.WebApp / window.Bale.WebApp only where the messenger injected it.
// The fragment is then replaced by our own routes (#/tasks), so the launch data is kept in
// sessionStorage for a reload inside the same webview, as the messengers' scripts do.

const STORE = "cluster-bot.launch";

function fromFragment(hash) {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!raw.includes("tgWebAppData=")) return null;
  const params = new URLSearchParams(raw);
  const initData = params.get("tgWebAppData") || "";
  let theme = {};
  try {
    theme = JSON.parse(params.get("tgWebAppThemeParams") || "{}");
  } catch {
    theme = {};
  }
  return {
    initData,
    version: params.get("tgWebAppVersion") || "",
    platform: params.get("tgWebAppPlatform") || "",
    theme,
  };
}

export function nativeApp() {
  return window.Telegram?.WebApp || window.Bale?.WebApp || null;
}

export function readLaunch() {
  let launch = fromFragment(window.location.hash);
  if (launch) {
    try {
      sessionStorage.setItem(STORE, JSON.stringify(launch));
    } catch {
      // Storage may be off in a private webview; the fragment still served this load.
    }
  } else {
    try {
      launch = JSON.parse(sessionStorage.getItem(STORE) || "null");
    } catch {
      launch = null;
    }
  }
  const native = nativeApp();
  if (!launch?.initData && native?.initData) {
    launch = { initData: native.initData, version: native.version || "", platform: native.platform || "", theme: native.themeParams || {} };
  }
  return launch;
}

// The user as the (unverified) launch data names them: only to choose the language of the
// first message, before the server has checked who they are.
export function launchLanguage(launch) {
  try {
    const user = JSON.parse(new URLSearchParams(launch?.initData || "").get("user") || "{}");
    return user.language_code === "en" ? "en" : "fa";
  } catch {
    return "fa";
  }
}

const COLOUR = /^#[0-9a-fA-F]{3,8}$/;

export function applyTheme(theme) {
  const root = document.documentElement.style;
  for (const [name, value] of Object.entries(theme || {})) {
    // Only plain colours reach the style sheet: the fragment is in anyone's hands.
    if (typeof value === "string" && COLOUR.test(value) && /^[a-z_]+$/.test(name)) {
      root.setProperty(`--tg-${name.replaceAll("_", "-")}`, value);
    }
  }
}

export function startNative() {
  const native = nativeApp();
  if (!native) return;
  try {
    native.ready?.();
    native.expand?.();
    native.onEvent?.("themeChanged", () => applyTheme(native.themeParams));
  } catch {
    // An older client without these calls: the page works without them.
  }
}

// Bale's SDK, only when the fragment brought no launch data: its clients may build the webview
// URL themselves, and then window.Bale.WebApp.initData is where the launch data is. The server
// names the script (a <meta>) only on Bale; if it does not load, the page says how to open it.
export function loadNativeScript(timeoutMs = 4000) {
  const source = document.querySelector('meta[name="native-script"]')?.content;
  if (!source || nativeApp()) return Promise.resolve(nativeApp());
  return new Promise((resolve) => {
    const script = document.createElement("script");
    const done = () => resolve(nativeApp());
    const timer = setTimeout(done, timeoutMs);
    script.src = source;
    script.async = true;
    script.onload = () => { clearTimeout(timer); done(); };
    script.onerror = () => { clearTimeout(timer); done(); };
    document.head.append(script);
  });
}
