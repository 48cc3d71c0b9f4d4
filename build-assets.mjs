// Builds the front-end assets the app serves from static/build/: the GOV.UK
// Frontend stylesheet compiled from Sass, its JavaScript and its images.
// Run by `make` after `npm ci`; nothing here fetches anything from the network.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = "static/build";
const govuk = "node_modules/govuk-frontend/dist/govuk";

mkdirSync(`${out}/assets`, { recursive: true });
const css = sass.compile("static/src/app.scss", {
  loadPaths: ["node_modules"],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(`${out}/app.css`, css.css);
cpSync(`${govuk}/govuk-frontend.min.js`, `${out}/govuk-frontend.min.js`);
cpSync(`${govuk}/assets/images`, `${out}/assets/images`, { recursive: true });
cpSync(`${govuk}/assets/manifest.json`, `${out}/assets/manifest.json`);
const autocomplete = "node_modules/accessible-autocomplete/dist";
cpSync(`${autocomplete}/accessible-autocomplete.min.js`, `${out}/accessible-autocomplete.min.js`);
cpSync(`${autocomplete}/accessible-autocomplete.min.css`, `${out}/accessible-autocomplete.min.css`);
// The map: Leaflet (folium's map library) and supercluster, which clusters points in
// the browser, both as classic scripts so a downloaded map can carry them inline.
mkdirSync(`${out}/map`, { recursive: true });
cpSync("node_modules/leaflet/dist/leaflet.js", `${out}/map/leaflet.js`);
cpSync("node_modules/leaflet/dist/leaflet.css", `${out}/map/leaflet.css`);
cpSync("node_modules/leaflet/dist/images", `${out}/map/images`, { recursive: true });
cpSync("node_modules/supercluster/dist/supercluster.min.js", `${out}/map/supercluster.min.js`);
console.log("Built front-end assets in", out);
