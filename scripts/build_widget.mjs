// Build the widget the service serves: static/src/{embed,count}.js -> static/{embed,count}.js.
//
//   npm ci && npm run build            writes static/embed.js and static/count.js
//   node scripts/build_widget.mjs DIR  writes them into DIR (tests/test_widget_build.py)
//
// esbuild bundles each script into one minified IIFE. embed.css is imported by
// embed.js as a string: the plugin below minifies it as CSS first, since
// esbuild leaves the inside of a string alone.
import {readFile} from "node:fs/promises";
import {fileURLToPath} from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = process.argv[2] || root + "static";
// The browsers docs/widget.md promises (light-dark() and container queries).
const target = ["chrome123", "edge123", "firefox120", "safari17.5"];

const minifiedCss = {
  name: "minified-css",
  setup(build) {
    build.onLoad({filter: /\.css$/}, async (args) => {
      const source = await readFile(args.path, "utf8");
      const css = await esbuild.transform(source, {loader: "css", minify: true, target});
      return {contents: css.code.trim(), loader: "text"};
    });
  },
};

await esbuild.build({
  entryPoints: [root + "static/src/embed.js", root + "static/src/count.js"],
  outdir,
  bundle: true,
  format: "iife",
  minify: true,
  target,
  charset: "utf8",
  legalComments: "none",
  plugins: [minifiedCss],
  logLevel: "warning",
});
