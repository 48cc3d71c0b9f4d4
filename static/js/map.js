/* The community map's layers, drawn on canvas over the Leaflet map folium builds.
 *
 * folium renders the map shell; this script fetches the points as compact arrays
 * ([lat, lng, id, type]), clusters them with supercluster and draws only what is in
 * view. A downloaded map carries the same data inline instead of URLs.
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

  function popupFor(config, id) {
    var box = el("div", null, "engage-popup");
    box.appendChild(el("p", "Loading..."));
    var fill = function (data) {
      box.textContent = "";
      if (!data) { box.appendChild(el("p", "Not available")); return; }
      box.appendChild(el("strong", data.name));
      box.appendChild(el("p", data.type));
      if (data.communities && data.communities.length) {
        box.appendChild(el("p", "Serves: " + data.communities.join(", ")));
      }
      if (data.where !== undefined) {
        if (data.where) box.appendChild(el("p", data.where));
      } else {
        box.appendChild(el("p", data.last_engaged_on ? "Last engaged " + data.last_engaged_on : "Never engaged"));
      }
      if (config.urls.stakeholder) {
        var link = el("a", "Open " + data.name);
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

  function clusterLayer(map, config, points, colourOf, radius, renderer) {
    var features = points.map(function (p) {
      return { type: "Feature", properties: { id: p[2], t: p[3] }, geometry: { type: "Point", coordinates: [p[1], p[0]] } };
    });
    var index = new Supercluster({ radius: 50, maxZoom: 15 }).load(features);
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
          var n = c.properties.point_count;
          var marker = L.circleMarker(latlng, {
            renderer: renderer, radius: 8 + Math.min(18, Math.log2(n) * 2.2),
            color: "#0b0c0c", weight: 1, fillColor: "#ffdd00", fillOpacity: 0.85,
          });
          marker.bindTooltip(n + " stakeholders: zoom in to see them");
          marker.on("click", function () {
            map.setView(latlng, Math.min(index.getClusterExpansionZoom(c.properties.cluster_id), 18));
          });
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
        point.bindPopup(function () { return popupFor(config, id); });
        drawn[id] = point;
        group.addLayer(point);
      });
      Object.keys(drawn).forEach(function (id) {
        if (!keep[id] && !drawn[id].isPopupOpen()) {
          group.removeLayer(drawn[id]);
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

  function shadingLegend(map, title, rows, illustrative) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var box = el("div", null, "engage-legend");
      if (rows.length) {
        box.appendChild(el("strong", title));
        rows.forEach(function (r) {
          var row = el("div");
          var swatch = el("span", null, "engage-swatch");
          swatch.style.backgroundColor = r[0];
          row.appendChild(swatch);
          row.appendChild(el("span", r[1]));
          box.appendChild(row);
        });
      }
      if (illustrative) box.appendChild(el("p", "Area outlines are illustrative, not official boundaries."));
      return box;
    };
    control.addTo(map);
  }

  function legend(map, config) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = el("div", null, "engage-legend");
      box.appendChild(el("strong", "Stakeholder types"));
      config.types.forEach(function (t) {
        var row = el("div");
        var swatch = el("span", null, "engage-swatch");
        swatch.style.backgroundColor = t[1];
        row.appendChild(swatch);
        row.appendChild(el("span", t[0]));
        box.appendChild(row);
      });
      var cluster = el("div");
      var sw = el("span", null, "engage-swatch");
      sw.style.backgroundColor = "#ffdd00";
      cluster.appendChild(sw);
      cluster.appendChild(el("span", "Group of nearby stakeholders"));
      box.appendChild(cluster);
      return box;
    };
    control.addTo(map);
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
    window.engageMap = map; // for the browser tests and the benchmark
    attributionLinks(map, config);
    var renderer = L.canvas({ padding: 0.5 });
    var colours = config.types.map(function (t) { return t[1]; });
    var colourOf = function (i) { return colours[i] || "#505a5f"; };
    var overlays = {};
    var control = L.control.layers(null, overlays, { collapsed: false });
    if (!config.small) {
      control.addTo(map);
      legend(map, config);
    }
    if (config.bounds) map.fitBounds(config.bounds, { maxZoom: config.small ? 14 : 13 });
    say(config, "Loading the map data...");
    var started = performance.now();
    var jobs = [];
    jobs.push(source(config, "boundaries").then(function (geojson) {
      if (!geojson || !geojson.features || !geojson.features.length) return;
      var layer = boundariesLayer(geojson);
      if ((config.shadeTitle && geojson.legend.length) || geojson.illustrative) {
        shadingLegend(map, config.shadeTitle, config.shadeTitle ? geojson.legend : [], geojson.illustrative);
      }
      control.addOverlay(layer, "Area boundaries" + (config.shadeTitle ? " (" + config.shadeTitle.toLowerCase() + ")" : ""));
      if (config.layers.indexOf("boundaries") >= 0) layer.addTo(map);
      layer.bringToBack();
    }));
    jobs.push(source(config, "engagements").then(function (cells) {
      if (!cells) return;
      var layer = engagementsLayer(cells, renderer);
      control.addOverlay(layer, "Where engagements took place");
      if (config.layers.indexOf("engagements") >= 0) layer.addTo(map);
    }));
    jobs.push(source(config, "points").then(function (data) {
      var layer = clusterLayer(map, config, data.points, colourOf, 6, renderer);
      control.addOverlay(layer, "Stakeholders (" + data.points.length.toLocaleString() + ")");
      if (config.layers.indexOf("stakeholders") >= 0) layer.addTo(map);
      document.body.setAttribute("data-points-drawn", String(data.points.length));
      document.body.setAttribute("data-first-paint-ms", String(Math.round(performance.now() - started)));
    }));
    jobs.push(source(config, "gaps").then(function (data) {
      if (!data) return;
      var layer = clusterLayer(map, config, data.points, function () { return "#d4351c"; }, 8, renderer);
      control.addOverlay(layer, "Gaps: seldom-heard, not engaged (" + data.points.length.toLocaleString() + ")");
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
