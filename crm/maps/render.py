"""Building the map document with folium, with every asset served by the app.

folium names about a dozen CDN assets for a plain Map (Leaflet, jQuery, Bootstrap,
Font Awesome...). Engage replaces them with Leaflet from npm, served by the app, and
adds its own small script; nothing else is loaded. Bootstrap would restyle GOV.UK
components, so the map lives in its own document (an iframe on the map page).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
from branca.element import Element, JavascriptLink, MacroElement
from flask_babel import gettext as _
from jinja2 import Template
from markupsafe import escape

from crm import i18n
from crm.i18n import language

# Every link in the map's attribution opens in a new tab: the map is a frame of this
# site, and the sites it credits refuse to be shown in one. map.js does the same to
# any attribution written elsewhere (CRM_MAP_TILES_ATTRIBUTION, or added later).
OUTSIDE = 'target="_blank" rel="noopener noreferrer"'  # i18n: not interface
TILE_PRESETS = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        f'&copy; <a href="https://www.openstreetmap.org/copyright" {OUTSIDE}>OpenStreetMap</a>'
        " contributors",
    ),
}


def attribution_prefix() -> str:
    """Leaflet's own credit, in place of its default (the same link, without the flag), its
    title in the page's language."""
    title = escape(_("A JavaScript library for interactive maps"))
    return f'<a href="https://leafletjs.com" title="{title}" {OUTSIDE}>Leaflet</a>'


UK_CENTRE = (54.3, -2.6)
MAX_ZOOM = 18

# Shades for the Area boundaries, light to dark (GOV.UK blues).
SHADES = ["#d2e2f1", "#8eb8dc", "#5694ca", "#1d70b8", "#003078"]


def tile_layer(setting: str, attribution: str = "") -> tuple[str, str] | None:
    """(URL template, attribution) for CRM_MAP_TILES: "osm", "none", or a URL template."""
    setting = (setting or "osm").strip()
    if setting.lower() == "none":
        return None
    if setting.lower() in TILE_PRESETS:
        return TILE_PRESETS[setting.lower()]
    return setting, attribution or _("Map tiles")


def tile_origin(setting: str) -> str:
    """The scheme and host tiles come from, for the frame's Content-Security-Policy."""
    layer = tile_layer(setting)
    if layer is None:
        return ""
    match = re.match(r"^(https?://[^/]+)", layer[0].replace("{s}.", ""))
    return match.group(1) if match else ""


def config_json(config: dict) -> str:
    """JSON that is safe inside a <script> element: no "</script>" can close it early."""
    text = json.dumps(config, separators=(",", ":"), default=i18n.json_text)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class EngageLayers(MacroElement):
    """Carries the map's configuration and starts Engage's layers on the folium map."""

    _template = Template(  # i18n: not interface (folium's macros)
        """
        {% macro header(this, kwargs) %}
        <script type="application/json" id="engage-map-config">{{ this.config }}</script>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <p id="engage-map-status" class="engage-status" role="status"></p>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.engageMapStart({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "EngageLayers"
        self.config = config_json(config)


def build_map(config: dict, tiles: str, tiles_attribution: str = "") -> folium.Map:
    """The folium map with Engage's layers, no assets attached yet."""
    m = folium.Map(
        location=UK_CENTRE,
        zoom_start=6,
        tiles=None,
        max_zoom=MAX_ZOOM,
        prefer_canvas=True,
        control_scale=True,
    )
    layer = tile_layer(tiles, tiles_attribution)
    if layer is not None:
        folium.TileLayer(
            tiles=layer[0], attr=layer[1], name=_("Background map"), max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(m)  # fmt: skip
    # folium's own CDN assets are not used; Engage adds what it serves itself.
    m.default_js = []
    m.default_css = []
    EngageLayers(config | {"attributionPrefix": attribution_prefix()}).add_to(m)
    return m


def served_document(m: folium.Map, assets: dict[str, str], nonce: str) -> str:
    """The map as a page of the app: assets by URL, each inline script and style nonced."""
    root = m.get_root()
    root.header.add_child(Element(
        f'<link rel="stylesheet" href="{assets["leaflet_css"]}">'))  # i18n: not interface
    root.header.add_child(Element(
        f'<link rel="stylesheet" href="{assets["map_css"]}">'))  # i18n: not interface
    for name in ("leaflet_js", "supercluster_js", "map_js"):
        root.header.add_child(JavascriptLink(assets[name]), name=name)
    return add_nonce(as_page(root.render()), nonce)


def standalone_document(m: folium.Map, static_folder: Path, note: str) -> str:
    """The map as one self-contained HTML file: every script and style inline."""
    build = static_folder / "build" / "map"
    css = (build / "leaflet.css").read_text(encoding="utf-8")
    css += (static_folder / "css" / "map.css").read_text(encoding="utf-8")
    root = m.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"))
    for path in (build / "leaflet.js", build / "supercluster.min.js",
                 static_folder / "js" / "map.js"):  # fmt: skip
        code = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
        root.header.add_child(Element(f"<script>{code}</script>"))
    root.html.add_child(Element(f'<p class="engage-note">{note}</p>'))
    return as_page(root.render())


# folium's viewport stops people zooming in (maximum-scale=1.0, user-scalable=no), which
# WCAG 1.4.4 (Resize text) does not allow: the map's document lets them.
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')  # i18n: not interface
# i18n: not interface
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0">'


def as_page(document: str) -> str:
    """folium's document as a page of its own: in the page's language (folium writes
    <html> with none), with a title (a frame's document needs one too), and zoomable."""
    title = escape(_("Map of the stakeholders matching the filters"))
    document = document.replace("<html>", f'<html lang="{language()}">', 1)  # i18n: not interface
    document = document.replace("<head>", f"<head>\n<title>{title}</title>", 1)
    return _VIEWPORT.sub(VIEWPORT, document, count=1)


_TAG = re.compile(r"<(script|style)(?![^>]*\bnonce=)", re.IGNORECASE)


def add_nonce(html: str, nonce: str) -> str:
    """Give every <script> and <style> the response's CSP nonce (folium writes them inline)."""
    return _TAG.sub(lambda m: f'<{m.group(1)} nonce="{nonce}"', html)
