"""The map's words (static/js/map.js draws its keys, layer names and popups), in the
page's language: sent with the map's settings, as the script has no catalogue of its own.
In each, {n}, {name}, {date}, {list}, {label} and {shade} are filled in by the script."""

from __future__ import annotations

from flask_babel import gettext as _


def map_words() -> dict[str, str]:
    return {
        "loading": _("Loading..."),
        "loading_data": _("Loading the map data..."),
        "not_available": _("Not available"),
        "serves": _("Serves: {list}"),
        "last_engaged": _("Last engaged {date}"),
        "never_engaged": _("Never engaged"),
        "open_record": _("Open {name}"),
        "outlines": _("Area outlines"),
        "illustrative": _("Area outlines are illustrative, not official boundaries."),
        "key": _("Key"),
        "types": _("Stakeholder types"),
        "groups_and_layers": _("Groups and layers"),
        "key_group": _("A group of nearby stakeholders: how many it holds (select it to zoom in)"),
        "key_gap": _("Gap: serves seldom-heard communities, not engaged in the period"),
        "key_gaps": _("A group of gaps"),
        "key_engagements": _("Where engagements took place (bigger: more)"),
        "boundaries": _("Area boundaries"),
        "boundaries_shaded": _("Area boundaries ({shade})"),
        "engagements_layer": _("Where engagements took place"),
        "stakeholders_layer": _("Stakeholders ({n})"),
        "gaps_layer": _("Gaps: seldom-heard, not engaged ({n})"),
        "cluster_gaps": _("{n} gaps (seldom-heard, not engaged): select to zoom in"),
        "cluster_stakeholders": _("{n} stakeholders: select to zoom in"),
        "point": _("{label}: select to see its details"),
        "gap": _("Gap: seldom-heard, not engaged"),
        "stakeholder": _("Stakeholder"),
    }
