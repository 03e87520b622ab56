/// The page's style and its search script, served by the same process: the
/// marketplace needs no network beyond the directory's own server.
enum MarketplaceAssets {
    static let css = """
        :root { color-scheme: light dark; --accent: #3b5bdb; --muted: #667; --line: #d8dbe2; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
        h1 { margin: 0 0 .25rem; font-size: 2rem; }
        h2 { margin-top: 2rem; font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
        a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
        .lede { color: var(--muted); margin-top: .25rem; }
        .search { display: flex; gap: .5rem; align-items: center; margin: 1.5rem 0 .5rem; }
        .search label { position: absolute; left: -9999px; }
        .search input { flex: 1; font: inherit; padding: .6rem .8rem; border: 1px solid var(--line); border-radius: .5rem; }
        .search button { font: inherit; padding: .6rem 1rem; border: 0; border-radius: .5rem; background: var(--accent); color: white; }
        .count { color: var(--muted); font-size: .9rem; }
        .results { list-style: none; padding: 0; margin: 0; }
        .plugin { padding: .9rem 0; border-bottom: 1px solid var(--line); }
        .plugin p { margin: .2rem 0; }
        .name { font-weight: 600; font-size: 1.05rem; }
        .id, .version { color: var(--muted); font-family: ui-monospace, monospace; font-size: .85rem; }
        .capabilities code { font-size: .8rem; background: rgba(59, 91, 219, .1); padding: .05rem .35rem; border-radius: .3rem; }
        table { width: 100%; border-collapse: collapse; font-size: .9rem; }
        th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
        td p { margin: .2rem 0 0; color: var(--muted); }
        pre { background: rgba(127, 127, 127, .12); padding: .75rem 1rem; border-radius: .5rem; overflow-x: auto; }
        .key code, footer pre code { word-break: break-all; white-space: pre-wrap; }
        .problem { color: #c92a2a; } .empty { color: var(--muted); }
        footer { margin-top: 3rem; }
        """

    /// Filters the list as one types, asking the server (one search code for
    /// the page, the API and the CLI); the form still works without it.
    static let script = """
        (() => {
          const input = document.getElementById("q");
          const results = document.getElementById("results");
          const count = document.getElementById("count");
          if (!input || !results || !count) return;
          let timer = null, asked = 0;
          input.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(async () => {
              const query = input.value.trim();
              const ticket = ++asked;
              const response = await fetch("/api/search?q=" + encodeURIComponent(query));
              if (!response.ok || ticket !== asked) return;
              const answer = await response.json();
              results.innerHTML = answer.html;
              count.textContent = answer.count;
              history.replaceState(null, "", query ? "/?q=" + encodeURIComponent(query) : "/");
            }, 120);
          });
        })();
        """
}
