/* comments: fill [data-comments-thread="KEY"] elements with their comment counts.
 *
 *   <script src="https://comments.example.com/static/count.js" data-site="S" async></script>
 *
 * Wording: data-one="{n} comment" data-other="{n} comments" (and data-few, data-many...)
 * on the script tag, one per plural category of the page's <html lang>.
 * This is the readable source; the service serves static/count.js, built from it
 * by `npm run build`. */

const script = document.currentScript;
const wording = script.dataset;
const api = new URL("../api/v1/counts?site=" + encodeURIComponent(wording.site), script.src);
const lang = document.documentElement.lang || "en";
const BATCH = 100; // threads per request, the API's limit

function fill(elements, counts) {
  for (const el of elements) {
    const n = counts[el.dataset.commentsThread];
    if (n == null) continue;
    const category = new Intl.PluralRules(lang).select(n);
    const text = wording[category] || wording.other || (n === 1 ? "{n} comment" : "{n} comments");
    el.textContent = text.replace("{n}", n.toLocaleString(lang));
    el.dataset.commentsCount = n;
  }
}

function count() {
  const elements = [...document.querySelectorAll("[data-comments-thread]")];
  const keys = [...new Set(elements.map((el) => el.dataset.commentsThread))];
  for (let i = 0; i < keys.length; i += BATCH) {
    const threads = keys.slice(i, i + BATCH).map((key) => "&thread=" + encodeURIComponent(key));
    fetch(api + threads.join(""))
      .then((response) => response.json())
      .then(({counts}) => fill(elements, counts))
      .catch((error) => console.warn("[comments] counts:", error));
  }
}

(window.Comments ||= {}).count = count;
if (document.readyState === "loading") addEventListener("DOMContentLoaded", count);
else count();
