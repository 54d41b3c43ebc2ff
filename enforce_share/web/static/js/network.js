// The network chart of an actor's neighbourhood: Cytoscape.js, data from the node itself.
// Text from records is only ever set as textContent or Cytoscape labels (never as HTML).
(function () {
  "use strict";
  var root = document.getElementById("network");
  if (!root || typeof cytoscape === "undefined") { return; }
  var colours = JSON.parse(root.dataset.colours);
  var several = root.dataset.several;
  var status = document.getElementById("chart-status");
  var expanded = {};

  function url(template, record) { return template.replace("RECORD", encodeURIComponent(record)); }
  function colourOf(agencies) { return agencies.length === 1 ? (colours[agencies[0]] || several) : several; }
  function label(node) {
    var name = node.name.length > 30 ? node.name.slice(0, 29) + "…" : node.name;
    return (node.listings.length ? "⚑ " : "") + name + " (" + node.agencies.join(", ") + ")";
  }

  var cy = cytoscape({
    container: document.getElementById("chart"),
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(label)", "font-size": 9,
        "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis",
        "text-max-width": 160, "width": 22, "height": 22, "border-width": 2,
        "border-color": "#ffffff", "color": "#111111" } },
      { selector: "node.listed", style: { "shape": "diamond", "width": 30, "height": 30,
        "border-color": "#111111", "border-width": 3 } },
      { selector: "node.centre", style: { "width": 36, "height": 36, "border-color": "#000000",
        "border-width": 4, "font-weight": "bold" } },
      { selector: "edge", style: { "line-color": "#9a9a9a", "width": "data(width)",
        "curve-style": "bezier" } },
      { selector: ".path", style: { "line-color": "#c1121f", "border-color": "#c1121f",
        "width": 5, "border-width": 5, "z-index": 10 } },
      { selector: "node:selected", style: { "overlay-opacity": 0.15 } }
    ]
  });

  function addData(data) {
    var added = 0;
    data.nodes.forEach(function (node) {
      if (cy.getElementById(node.id).length) { return; }
      added += 1;
      cy.add({ group: "nodes", data: { id: node.id, name: node.name, label: label(node),
        colour: colourOf(node.agencies), info: node },
        classes: node.listings.length ? "listed" : "" });
    });
    data.edges.forEach(function (edge) {
      var id = edge.source + "|" + edge.target;
      if (cy.getElementById(id).length) { return; }
      if (!cy.getElementById(edge.source).length || !cy.getElementById(edge.target).length) { return; }
      cy.add({ group: "edges", data: { id: id, source: edge.source, target: edge.target,
        width: edge.kinds.indexOf("violation") >= 0 ? 2.5 : 1.2, info: edge } });
    });
    return added;
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 9000,
      idealEdgeLength: 80, fit: true, padding: 30 }).run();
    rows();
  }

  function load(record, hops, centre) {
    status.textContent = "Loading…";
    return fetch(url(root.dataset.dataUrl, record) + "?hops=" + hops, { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("the node answered " + answer.status); }
        return answer.json();
      })
      .then(function (data) {
        var added = addData(data);
        expanded[data.centre] = true;
        if (centre) { cy.getElementById(data.centre).addClass("centre"); }
        layout();
        status.textContent = cy.nodes().length + " entities, " + cy.edges().length +
          " relations" + (centre ? "" : " (" + added + " added)");
      })
      .catch(function (error) { status.textContent = "Could not load the chart: " + error.message; });
  }

  function describe(node) {
    var box = document.getElementById("selected");
    box.textContent = "";
    var info = node.data("info");
    var title = document.createElement("h3");
    title.textContent = info.name;
    var facts = document.createElement("p");
    facts.textContent = "Reported by " + info.agencies.join(", ") +
      (info.countries.length ? "; countries " + info.countries.join(", ") : "") +
      (info.listings.length ? "; listed: " + info.listings.join("; ") : "") +
      (info.roles.length ? "; roles " + info.roles.join(", ").replace(/_/g, " ") : "");
    var link = document.createElement("a");
    link.href = url(root.dataset.actorUrl, info.id);
    link.textContent = "Open the entity page";
    box.append(title, facts, link);
  }

  function expand(id) {
    if (expanded[id]) { return Promise.resolve(); }
    return load(id, 1, false);
  }

  cy.on("tap", "node", function (event) {
    describe(event.target);
    expand(event.target.id());
  });

  function rows() {
    var body = document.getElementById("entity-rows");
    body.textContent = "";
    cy.nodes().sort(function (a, b) { return a.data("name").localeCompare(b.data("name")); })
      .forEach(function (node) {
        var info = node.data("info");
        var row = document.createElement("tr");
        var name = document.createElement("td");
        var link = document.createElement("a");
        link.href = url(root.dataset.actorUrl, info.id);
        link.textContent = info.name;
        name.append(link);
        var agencies = document.createElement("td");
        agencies.textContent = info.agencies.join(", ");
        var countries = document.createElement("td");
        countries.textContent = info.countries.join(", ");
        var listed = document.createElement("td");
        listed.textContent = info.listings.length ? "⚑ " + info.listings.join("; ") : "no";
        var action = document.createElement("td");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = expanded[info.id] ? "expanded" : "Expand";
        button.disabled = !!expanded[info.id];
        button.setAttribute("aria-label", "Expand " + info.name);
        button.addEventListener("click", function () { expand(info.id); });
        action.append(button);
        row.append(name, agencies, countries, listed, action);
        body.append(row);
      });
  }

  function showPath() {
    var to = document.getElementById("path-to").value;
    var country = document.getElementById("path-country").value.trim().toUpperCase();
    var query = "?to=" + encodeURIComponent(to) + (to === "end_user" ? "&country=" + encodeURIComponent(country) : "");
    cy.elements().removeClass("path");
    fetch(root.dataset.pathUrl + query, { credentials: "same-origin" })
      .then(function (answer) { return answer.json().then(function (data) { return [answer.ok, data]; }); })
      .then(function (pair) {
        if (!pair[0]) { status.textContent = "Give the end user's country as a two-letter code."; return; }
        var path = pair[1].path;
        if (!path.length) {
          status.textContent = to === "end_user" ? "No end user in " + country + " within 6 hops."
            : "No other listed entity within 6 hops.";
          return;
        }
        var edges = [];
        for (var i = 1; i < path.length; i += 1) {
          edges.push({ source: path[i - 1].id, target: path[i].id, kinds: [], agencies: [], records: 0 });
          var there = cy.getElementById(path[i - 1].id + "|" + path[i].id);
          if (!there.length) { edges[edges.length - 1] = { source: path[i].id, target: path[i - 1].id, kinds: [], agencies: [], records: 0 }; }
        }
        addData({ nodes: path, edges: edges });
        path.forEach(function (step, i) {
          cy.getElementById(step.id).addClass("path");
          if (i) {
            cy.getElementById(path[i - 1].id + "|" + step.id).addClass("path");
            cy.getElementById(step.id + "|" + path[i - 1].id).addClass("path");
          }
        });
        layout();
        status.textContent = "Shortest path: " + path.map(function (step) { return step.name; }).join(" → ");
      });
  }

  function download(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  document.getElementById("hops").addEventListener("change", function (event) {
    cy.elements().remove();
    expanded = {};
    load(root.dataset.record, event.target.value, true);
  });
  document.getElementById("show-path").addEventListener("click", showPath);
  document.getElementById("fit").addEventListener("click", function () { cy.fit(undefined, 30); });
  document.getElementById("export-png").addEventListener("click", function () {
    download(cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 }), "network.png");
  });
  document.getElementById("export-svg").addEventListener("click", function () {
    if (typeof cy.svg !== "function") { status.textContent = "SVG export is not available."; return; }
    download(new Blob([cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" }), "network.svg");
  });
  document.getElementById("chart-controls").addEventListener("submit", function (event) { event.preventDefault(); });
  load(root.dataset.record, root.dataset.hops, true);
}());
