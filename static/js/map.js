/* The community map's layers, drawn on canvas over the Leaflet map folium builds.
 *
 * folium renders the map shell; this script fetches the points as compact arrays
 * ([lat, lng, id, type]), clusters them with supercluster and draws only what is in
 * view: single points on canvas, each group of nearby points as a small marker that
 * says how many it holds. A downloaded map carries the same data inline instead of URLs.
 *
 * The controls keep out of the data's way: the layer control and the key fold away
 * (the key starts open only on a large map), the data is fitted inside the space the
 * controls leave, and a popup pans clear of them, folding the key while it is open.
 *
 * Every piece of user text (names, communities) reaches the page through
 * textContent, never as HTML, so a stakeholder called <img onerror=...> is text.
 * A classic script (not a module) so a downloaded map can hold it inline.
 */
(function () {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("The map data could not be loaded (" + response.status + ")");
        return response.json();
      });
  }

  function source(config, name) {
    // Inline data in a downloaded map; otherwise a URL on the app.
    if (config.data && config.data[name] !== undefined) return Promise.resolve(config.data[name]);
    if (!config.urls[name]) return Promise.resolve(null);
    return getJSON(config.urls[name]);
  }

  function say(config, message) {
    var box = document.getElementById("engage-map-status");
    if (box) box.textContent = message;
  }

  // Popups wide enough to read: 320px (less on a narrow map), one width for all, as the
  // content arrives after Leaflet has measured it. Panned clear of the zoom and layer
  // controls at the top and the key, scale and credit at the bottom.
  function popupOptions(map) {
    var width = Math.max(160, Math.min(320, map.getSize().x - 120));
    return {
      maxWidth: width, minWidth: width, autoPan: true,
      autoPanPaddingTopLeft: L.point(56, 96), autoPanPaddingBottomRight: L.point(16, 64),
    };
  }

  // A group's count, short enough for its marker: 8, 640, 1.2k, 15k.
  function shortCount(n) {
    if (n < 1000) return String(n);
    return (n < 10000 ? (n / 1000).toFixed(1).replace(/\.0$/, "") : Math.round(n / 1000)) + "k";
  }

  // A group of nearby points: a marker (not canvas) so it can show its count as text and
  // be reached with the keyboard (Leaflet makes it a button; Enter zooms in, below).
  function clusterMarker(latlng, n, kind, noun) {  // noun: "{n} stakeholders: ..."
    var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
    var icon = L.divIcon({
      html: el("span", shortCount(n)), className: "engage-cluster engage-cluster--" + kind,
      iconSize: [size, size],
    });
    var words = noun.replace("{n}", n.toLocaleString());
    var marker = L.marker(latlng, { icon: icon, keyboard: true, riseOnHover: true });
    marker.on("add", function () { marker.getElement().setAttribute("aria-label", words); });
    marker.bindTooltip(words);
    return marker;
  }

  // The map's words in the page's language, from the server (config.text, written by
  // crm/maps/words.py), else the English here; {n} and the like are filled in from vars.
  var TEXT = {};
  function t(key, english, vars) {
    var text = TEXT[key] || english;
    Object.keys(vars || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(vars[name]);
    });
    return text;
  }

  // A single point is drawn on canvas, which a keyboard cannot reach; so each point in
  // view also has a focusable marker over it (Leaflet makes it a button in the tab order).
  // Enter (or a click) opens the point's popup and moves focus into it; Escape closes the
  // popup and puts focus back on the point.
  function focusMarker(latlng, radius, label, point) {
    var size = radius * 2 + 6;
    var icon = L.divIcon({ className: "engage-point", iconSize: [size, size] });
    var name = t("point", "{label}: select to see its details", { label: label });
    var marker = L.marker(latlng, { icon: icon, keyboard: true, title: name });
    var open = function () {
      point.openPopup();
      var content = point.getPopup().getElement();
      if (content) {
        var box = content.querySelector(".leaflet-popup-content");
        box.setAttribute("tabindex", "-1");
        box.focus({ preventScroll: true });
      }
    };
    marker.on("add", function () { marker.getElement().setAttribute("aria-label", name); });
    marker.on("click", open);
    marker.on("keypress", function (e) { if (e.originalEvent.key === "Enter") open(); });
    point.on("popupclose", function () {
      var element = marker.getElement();
      var focus = document.activeElement;
      if (element && (!focus || focus === document.body || point.getPopup().getElement().contains(focus))) {
        element.focus({ preventScroll: true });
      }
    });
    return marker;
  }

  function popupFor(config, id) {
    var box = el("div", null, "engage-popup");
    box.appendChild(el("p", t("loading", "Loading...")));
    var fill = function (data) {
      box.textContent = "";
      if (!data) { box.appendChild(el("p", t("not_available", "Not available"))); return; }
      box.appendChild(el("strong", data.name));
      box.appendChild(el("p", data.type));
      if (data.communities && data.communities.length) {
        box.appendChild(el("p", t("serves", "Serves: {list}", { list: data.communities.join(", ") })));
      }
      if (data.where !== undefined) {
        if (data.where) box.appendChild(el("p", data.where));
      } else {
        box.appendChild(el("p", data.last_engaged_on
          ? t("last_engaged", "Last engaged {date}", { date: data.last_engaged_on })
          : t("never_engaged", "Never engaged")));
      }
      if (config.urls.stakeholder) {
        var link = el("a", t("open_record", "Open {name}", { name: data.name }));
        link.href = config.urls.stakeholder.replace("{id}", String(id));
        link.target = "_top";
        box.appendChild(link);
      }
    };
    if (config.data && config.data.popups) {
      fill(config.data.popups[id]);
    } else {
      getJSON(config.urls.popup.replace("{id}", String(id))).then(fill, function () { fill(null); });
    }
    return box;
  }

  function clusterLayer(map, config, points, colourOf, radius, renderer, kind) {
    var features = points.map(function (p) {
      return { type: "Feature", properties: { id: p[2], t: p[3] }, geometry: { type: "Point", coordinates: [p[1], p[0]] } };
    });
    var index = new Supercluster({ radius: 64, maxZoom: 15 }).load(features);
    var group = L.layerGroup();
    var clusters = L.layerGroup().addTo(group);
    // Single points are kept from one drawing to the next, so a popup that pans the
    // map stays open: only points leaving the view are removed.
    var drawn = {};
    function draw() {
      clusters.clearLayers();
      var b = map.getBounds();
      var found = index.getClusters([b.getWest() - 1, b.getSouth() - 1, b.getEast() + 1, b.getNorth() + 1], Math.round(map.getZoom()));
      var keep = {};
      found.forEach(function (c) {
        var latlng = [c.geometry.coordinates[1], c.geometry.coordinates[0]];
        if (c.properties.cluster) {
          var noun = kind === "gap"
            ? t("cluster_gaps", "{n} gaps (seldom-heard, not engaged): select to zoom in")
            : t("cluster_stakeholders", "{n} stakeholders: select to zoom in");
          var marker = clusterMarker(latlng, c.properties.point_count, kind, noun);
          var zoomIn = function () {
            map.setView(latlng, Math.min(index.getClusterExpansionZoom(c.properties.cluster_id), 18));
          };
          marker.on("click", zoomIn);
          marker.on("keypress", function (e) { if (e.originalEvent.key === "Enter") zoomIn(); });
          clusters.addLayer(marker);
          return;
        }
        var id = c.properties.id;
        keep[id] = true;
        if (drawn[id]) return;
        var point = L.circleMarker(latlng, {
          renderer: renderer, radius: radius, color: "#0b0c0c", weight: 1,
          fillColor: colourOf(c.properties.t), fillOpacity: 0.9,
        });
        point.bindPopup(function () { return popupFor(config, id); }, popupOptions(map));
        var type = config.types[c.properties.t];
        var label = kind === "gap" ? t("gap", "Gap: seldom-heard, not engaged")
          : (type ? type[0] : t("stakeholder", "Stakeholder"));
        point.engageFocus = focusMarker(latlng, radius, label, point);
        drawn[id] = point;
        group.addLayer(point);
        group.addLayer(point.engageFocus);
      });
      Object.keys(drawn).forEach(function (id) {
        if (!keep[id] && !drawn[id].isPopupOpen()) {
          group.removeLayer(drawn[id]);
          group.removeLayer(drawn[id].engageFocus);
          delete drawn[id];
        }
      });
    }
    map.on("moveend", function () { if (map.hasLayer(group)) draw(); });
    group.on("add", draw);
    return group;
  }

  function engagementsLayer(cells, renderer) {
    var group = L.layerGroup();
    var biggest = cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    cells.forEach(function (c) {
      var marker = L.circleMarker([c[0], c[1]], {
        renderer: renderer, radius: 4 + 16 * Math.sqrt(c[2] / biggest),
        color: "#4c2c92", weight: 1, fillColor: "#4c2c92", fillOpacity: 0.35,
      });
      marker.bindTooltip(c[2] + (c[2] === 1 ? " engagement" : " engagements") + " near here");
      group.addLayer(marker);
    });
    return group;
  }

  function boundariesLayer(geojson) {
    return L.geoJSON(geojson, {
      style: function (feature) {
        return { color: "#0b0c0c", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.5 };
      },
      onEachFeature: function (feature, layer) {
        var tip = el("span");
        tip.appendChild(el("strong", feature.properties.name));
        tip.appendChild(el("span", ": " + feature.properties.label));
        layer.bindTooltip(tip, { sticky: true });
      },
    });
  }

  // A large map has room for the key beside the data; a small one (a phone) does not.
  function largeMap(map) {
    var size = map.getSize();
    return size.x >= 900 && size.y >= 480;
  }

  // A key that folds away: a details element in a corner, open at first only on a large
  // map. It folds while a popup is open, so no popup sits under it (see engageMapStart).
  function foldingKey(map, position, title, fill) {
    var control = L.control({ position: position });
    control.onAdd = function () {
      var box = el("details", null, "engage-legend");
      box.open = largeMap(map);
      box.appendChild(el("summary", title));
      fill(box);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      map.engageKeys.push(box);
      return box;
    };
    control.addTo(map);
  }

  function keyRow(box, swatch, label) {
    var row = el("div", null, "engage-legend__row");
    row.appendChild(swatch);
    row.appendChild(el("span", label));
    box.appendChild(row);
  }

  function swatch(colour, shape) {
    var mark = el("span", null, "engage-swatch" + (shape ? " engage-swatch--" + shape : ""));
    mark.style.backgroundColor = colour;
    return mark;
  }

  function shadingLegend(map, title, rows, illustrative) {
    foldingKey(map, "bottomleft", rows.length ? title : t("outlines", "Area outlines"), function (box) {
      rows.forEach(function (r) { keyRow(box, swatch(r[0]), r[1]); });
      if (illustrative) box.appendChild(el("p", t("illustrative", "Area outlines are illustrative, not official boundaries.")));
    });
  }

  function legend(map, config) {
    foldingKey(map, "bottomright", t("key", "Key"), function (box) {
      box.appendChild(el("strong", t("types", "Stakeholder types")));
      config.types.forEach(function (type) { keyRow(box, swatch(type[1], "round"), type[0]); });
      box.appendChild(el("strong", t("groups_and_layers", "Groups and layers")));
      keyRow(box, el("span", "12", "engage-cluster engage-cluster--stakeholder engage-cluster--key"),
        t("key_group", "A group of nearby stakeholders: how many it holds (select it to zoom in)"));
      keyRow(box, swatch("#d4351c", "round"), t("key_gap", "Gap: serves seldom-heard communities, not engaged in the period"));
      keyRow(box, el("span", "5", "engage-cluster engage-cluster--gap engage-cluster--key"), t("key_gaps", "A group of gaps"));
      keyRow(box, swatch("rgba(76, 44, 146, 0.35)", "round"), t("key_engagements", "Where engagements took place (bigger: more)"));
    });
  }

  // While a popup is open the keys fold, so it is never under one; they open again after.
  function keysMakeWayForPopups(map) {
    map.on("popupopen", function () {
      map.engageKeys.forEach(function (box) {
        box.setAttribute("data-was-open", box.open ? "true" : "");
        box.open = false;
      });
    });
    map.on("popupclose", function () {
      map.engageKeys.forEach(function (box) {
        if (box.getAttribute("data-was-open")) box.open = true;
        box.removeAttribute("data-was-open");
      });
    });
  }

  // The data fitted into the space the controls leave: below the zoom and layer
  // controls, and clear of the key when it is open.
  function fitData(map, config) {
    if (!config.bounds) return;
    if (config.small) { map.fitBounds(config.bounds, { maxZoom: 14 }); return; }
    var key = map.engageKeys[0];
    var right = key && key.open ? key.offsetWidth + 24 : 24;
    map.fitBounds(config.bounds, { maxZoom: 13, paddingTopLeft: L.point(56, 56),
                                   paddingBottomRight: L.point(right, 40) });
  }

  // The layer control folds to a "Layers" button in the top right corner.
  function layerControl(map) {
    var control = L.control.layers(null, {}, { collapsed: true, position: "topright" });
    control.addTo(map);
    var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) toggle.textContent = "Layers";
    return control;
  }

  // The map is a frame of this site, and the sites its attribution credits refuse to
  // be shown in one: every link there opens in a new tab. Leaflet rewrites the control
  // whenever an attribution is added or removed, so the links are set again each time.
  function linksOpenOutside(box) {
    Array.prototype.forEach.call(box.querySelectorAll("a"), function (link) {
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer");
    });
  }

  function attributionLinks(map, config) {
    var control = map.attributionControl;
    if (!control) return;
    if (config.attributionPrefix !== undefined) control.setPrefix(config.attributionPrefix);
    var box = control.getContainer();
    linksOpenOutside(box);
    if (window.MutationObserver) {
      new MutationObserver(function () { linksOpenOutside(box); })
        .observe(box, { childList: true, subtree: true });
    }
  }

  window.engageMapStart = function (map) {
    var config = JSON.parse(document.getElementById("engage-map-config").textContent);
    TEXT = config.text || {};
    window.engageMap = map; // for the browser tests and the benchmark
    attributionLinks(map, config);
    var renderer = L.canvas({ padding: 0.5 });
    var colours = config.types.map(function (t) { return t[1]; });
    var colourOf = function (i) { return colours[i] || "#505a5f"; };
    map.engageKeys = [];
    var control = config.small ? L.control.layers(null, {}) : layerControl(map);
    if (!config.small) legend(map, config);
    keysMakeWayForPopups(map);
    // Escape closes a popup wherever the focus is in the map (Leaflet listens only while
    // the map itself has focus); the point's marker then takes the focus back.
    map.getContainer().addEventListener("keydown", function (e) {
      if (e.key === "Escape") map.closePopup();
    });
    fitData(map, config);
    say(config, t("loading_data", "Loading the map data..."));
    var started = performance.now();
    var jobs = [];
    jobs.push(source(config, "boundaries").then(function (geojson) {
      if (!geojson || !geojson.features || !geojson.features.length) return;
      var layer = boundariesLayer(geojson);
      if ((config.shadeTitle && geojson.legend.length) || geojson.illustrative) {
        shadingLegend(map, config.shadeTitle, config.shadeTitle ? geojson.legend : [], geojson.illustrative);
      }
      control.addOverlay(layer, config.shadeTitle
        ? t("boundaries_shaded", "Area boundaries ({shade})", { shade: config.shadeTitle.toLowerCase() })
        : t("boundaries", "Area boundaries"));
      if (config.layers.indexOf("boundaries") >= 0) layer.addTo(map);
      layer.bringToBack();
    }));
    jobs.push(source(config, "engagements").then(function (cells) {
      if (!cells) return;
      var layer = engagementsLayer(cells, renderer);
      control.addOverlay(layer, t("engagements_layer", "Where engagements took place"));
      if (config.layers.indexOf("engagements") >= 0) layer.addTo(map);
    }));
    jobs.push(source(config, "points").then(function (data) {
      var layer = clusterLayer(map, config, data.points, colourOf, 6, renderer, "stakeholder");
      control.addOverlay(layer, t("stakeholders_layer", "Stakeholders ({n})", { n: data.points.length.toLocaleString() }));
      if (config.layers.indexOf("stakeholders") >= 0) layer.addTo(map);
      document.body.setAttribute("data-points-drawn", String(data.points.length));
      document.body.setAttribute("data-first-paint-ms", String(Math.round(performance.now() - started)));
    }));
    jobs.push(source(config, "gaps").then(function (data) {
      if (!data) return;
      var layer = clusterLayer(map, config, data.points, function () { return "#d4351c"; }, 8, renderer, "gap");
      control.addOverlay(layer, t("gaps_layer", "Gaps: seldom-heard, not engaged ({n})", { n: data.points.length.toLocaleString() }));
      if (config.layers.indexOf("gaps") >= 0) layer.addTo(map);
    }));
    Promise.all(jobs).then(function () {
      say(config, "");
      document.body.setAttribute("data-map-ready", "true");
    }, function (error) {
      say(config, error.message);
      document.body.setAttribute("data-map-ready", "error");
    });
  };
})();
