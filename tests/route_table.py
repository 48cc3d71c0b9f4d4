"""Every route in the app, classified once, for the access tests and the probe sweeps.

A new route missing from ROUTES (and, if it accepts POST, from POSTS) fails
test_every_route_is_classified, so nobody can add a page without deciding who may
use it and what a valid submission is.
"""

from __future__ import annotations

import io
import itertools
from datetime import date

from crm.extensions import db
from crm.models import (
    ActionPlan,
    Area,
    Community,
    Contact,
    Engagement,
    Feedback,
    Job,
    Objective,
    Panel,
    Purpose,
    SpreadsheetImport,
    Stakeholder,
)
from crm.models.common import utcnow
from crm.services import auth
from tests.conftest import PASSWORD, TODAY, priority

# Open to anyone, signed in, signed out or half way (waiting for a second factor): the
# information the law asks anyone can read, and the language switch.
OPEN_TO_ALL = {"info.accessibility", "info.privacy_notice", "info.cookies", "info.switch_language"}
PUBLIC = {"auth.sign_in", "auth.sso.start", "auth.sso.callback", "main.healthz", "static",
          *OPEN_TO_ALL}  # fmt: skip
# Pages only for a sign-in waiting for its second factor (signed out, they send to the
# sign-in page; signed in, home): tests/test_two_factor.py sweeps every route in that state.
SECOND_FACTOR = {"auth.two_factor.verify"}
# Opened through a link, signed in or not: setting a password with an invitation.
LINK_PAGES = {"admin.invitations.accept"}
EVERYONE = frozenset({"admin", "lead", "senior", "panels"})
STAKEHOLDER_EDITORS = frozenset({"admin", "lead"})
CONTACT_EDITORS = frozenset({"admin", "lead", "panels"})
PANEL_EDITORS = frozenset({"admin", "panels"})
PLAN_EDITORS = frozenset({"admin", "lead"})
# Those whose role records work, who may show it as progress on an objective they can see.
EVIDENCE_ADDERS = frozenset({"admin", "lead", "panels"})
ADMIN = frozenset({"admin"})
# A spreadsheet import of any kind: those who may add stakeholders or contacts.
IMPORTERS = STAKEHOLDER_EDITORS | CONTACT_EDITORS
# A panel member's own equality monitoring answers: no role alone, only people given the
# equality data right (tests/test_equality_monitoring.py: with it, and every page without).
EQUALITY_RIGHT: frozenset[str] = frozenset()

# endpoint: (method, path template, roles that may use it); others get 403.
ROUTES = {
    "main.home": ("GET", "/", EVERYONE),
    "main.search": ("GET", "/search?q=to", EVERYONE),
    "auth.sign_out": ("POST", "/sign-out", EVERYONE),
    "auth.change_password": ("GET", "/account/password", EVERYONE),
    "auth.two_factor.account": ("GET", "/account/two-factor", EVERYONE),
    "auth.two_factor.set_up": ("GET", "/two-factor/set-up", EVERYONE),
    # With no app set up: back to the account's two-factor page.
    "auth.two_factor.new_recovery_codes": ("POST", "/account/two-factor/recovery-codes",
                                           EVERYONE),  # fmt: skip
    "stakeholders.index": ("GET", "/stakeholders", EVERYONE),
    "stakeholders.new": ("GET", "/stakeholders/new", STAKEHOLDER_EDITORS),
    "stakeholders.detail": ("GET", "/stakeholders/{s}", EVERYONE),
    "stakeholders.edit": ("GET", "/stakeholders/{s}/edit", STAKEHOLDER_EDITORS),
    "stakeholders.archive": ("GET", "/stakeholders/{s}/archive", STAKEHOLDER_EDITORS),
    "stakeholders.restore": ("POST", "/stakeholders/{s}/restore", ADMIN),
    "stakeholders.export_register": ("GET", "/stakeholders/register.csv", EVERYONE),
    # Duplicates and merging: whoever edits the register (both records, in their Areas).
    "stakeholders.merge.duplicates": ("GET", "/stakeholders/duplicates", STAKEHOLDER_EDITORS),
    "stakeholders.merge.dismiss": ("POST", "/stakeholders/duplicates/not-the-same",
                                   STAKEHOLDER_EDITORS),
    "stakeholders.merge.merge": ("GET", "/stakeholders/merge?ids={s}&ids={s2}",
                                 STAKEHOLDER_EDITORS),
    "stakeholders.merge.undo": ("POST", "/stakeholders/{s}/undo-merge", STAKEHOLDER_EDITORS),
    "contacts.index": ("GET", "/contacts", EVERYONE),
    "contacts.new": ("GET", "/contacts/new", CONTACT_EDITORS),
    "contacts.detail": ("GET", "/contacts/{c}", EVERYONE),
    "contacts.edit": ("GET", "/contacts/{c}/edit", CONTACT_EDITORS),
    "contacts.link": ("GET", "/contacts/{c}/organisations", CONTACT_EDITORS),
    "contacts.unlink": ("POST", "/contacts/{c}/organisations/{s}/remove", CONTACT_EDITORS),
    "contacts.archive": ("GET", "/contacts/{c}/archive", CONTACT_EDITORS),
    "contacts.restore": ("POST", "/contacts/{c}/restore", ADMIN),
    "contacts.export_register": ("GET", "/contacts/register.xlsx", EVERYONE),
    "contacts.merge.duplicates": ("GET", "/contacts/duplicates", CONTACT_EDITORS),
    "contacts.merge.dismiss": ("POST", "/contacts/duplicates/not-the-same", CONTACT_EDITORS),
    "contacts.merge.merge": ("GET", "/contacts/merge?ids={c}&ids={c2}", CONTACT_EDITORS),
    "contacts.merge.undo": ("POST", "/contacts/{c}/undo-merge", CONTACT_EDITORS),
    "engagements.index": ("GET", "/engagements", EVERYONE),
    "engagements.export": ("GET", "/engagements/export.csv", EVERYONE),
    "engagements.new": ("GET", "/engagements/new", STAKEHOLDER_EDITORS),
    "engagements.detail": ("GET", "/engagements/{e}", EVERYONE),
    "engagements.edit": ("GET", "/engagements/{e}/edit", STAKEHOLDER_EDITORS),
    "engagements.archive": ("GET", "/engagements/{e}/archive", STAKEHOLDER_EDITORS),
    "engagements.restore": ("POST", "/engagements/{e}/restore", ADMIN),
    "engagements.actions.index": ("GET", "/actions", EVERYONE),
    "engagements.actions.add": ("GET", "/engagements/{e}/actions", STAKEHOLDER_EDITORS),
    "engagements.actions.edit": ("GET", "/actions/{a}/edit", STAKEHOLDER_EDITORS),
    "engagements.actions.set_status": ("POST", "/actions/{a}/status", STAKEHOLDER_EDITORS),
    "engagements.coverage.index": ("GET", "/coverage", EVERYONE),
    "engagements.lookup.search": ("GET", "/lookup/stakeholders?q=to", EVERYONE),
    "panels.index": ("GET", "/panels", EVERYONE),
    "panels.new": ("GET", "/panels/new", PANEL_EDITORS),
    "panels.detail": ("GET", "/panels/{p}", EVERYONE),
    "panels.edit": ("GET", "/panels/{p}/edit", PANEL_EDITORS),
    "panels.terms": ("GET", "/panels/{p}/terms-of-reference", PANEL_EDITORS),
    "panels.archive": ("GET", "/panels/{p}/archive", PANEL_EDITORS),
    "panels.restore": ("POST", "/panels/{p}/restore", ADMIN),
    "panels.roster_csv": ("GET", "/panels/{p}/roster.csv", EVERYONE),
    "panels.history": ("GET", "/panels/{p}/history?from=2020-01-01&to=2030-01-01", EVERYONE),
    "panels.history_csv": ("GET", "/panels/{p}/history.csv?from=2020-01-01&to=2030-01-01",
                           EVERYONE),  # fmt: skip
    "panels.memberships.new": ("GET", "/panels/{p}/members/new?q=a", PANEL_EDITORS),
    "panels.memberships.detail": ("GET", "/memberships/{m}", EVERYONE),
    "panels.memberships.edit": ("GET", "/memberships/{m}/edit", PANEL_EDITORS),
    "panels.memberships.declare": ("GET", "/memberships/{m}/declarations", PANEL_EDITORS),
    "panels.meetings.new": ("GET", "/panels/{p}/meetings/new", PANEL_EDITORS),
    "panels.meetings.detail": ("GET", "/meetings/{g}", EVERYONE),
    "panels.meetings.edit": ("GET", "/meetings/{g}/edit", PANEL_EDITORS),
    "panels.refresh.refresh": ("GET", "/panels/{p}/refresh", EVERYONE),
    "feedback.index": ("GET", "/feedback", EVERYONE),
    "feedback.new": ("GET", "/feedback/new", CONTACT_EDITORS),
    "feedback.detail": ("GET", "/feedback/{f}", EVERYONE),
    "feedback.edit": ("GET", "/feedback/{f}/edit", CONTACT_EDITORS),
    "feedback.status": ("GET", "/feedback/{f}/status", CONTACT_EDITORS),
    "feedback.archive": ("GET", "/feedback/{f}/archive", CONTACT_EDITORS),
    "feedback.restore": ("POST", "/feedback/{f}/restore", ADMIN),
    "feedback.case_reviews.record": ("GET", "/meetings/{g}/case-reviews", PANEL_EDITORS),
    "feedback.priorities.index": ("GET", "/priorities", EVERYONE),
    "feedback.priorities.manage": ("GET", "/priorities/manage", ADMIN),
    "feedback.priorities.retire": ("POST", "/priorities/{r}/retire", ADMIN),
    "feedback.priorities.restore": ("POST", "/priorities/{r}/restore", ADMIN),
    "feedback.you_said.report": ("GET", "/reports/you-said-we-did", EVERYONE),
    "feedback.you_said.report_csv": ("GET", "/reports/you-said-we-did.csv?public=1", EVERYONE),
    "reports.quarterly": ("GET", "/reports/quarterly", EVERYONE),
    "reports.quarterly_file": ("GET", "/reports/quarterly.xlsx", EVERYONE),
    "reports.annual": ("GET", "/reports/annual", EVERYONE),
    "reports.annual_file": ("GET", "/reports/annual.csv", EVERYONE),
    # A page offering to make the PDF; posted, it makes it on the job queue.
    "reports.quarterly_pdf": ("GET", "/reports/quarterly.pdf", EVERYONE),
    "reports.annual_pdf": ("GET", "/reports/annual.pdf", EVERYONE),
    "maps.index": ("GET", "/map", EVERYONE),
    "maps.frame": ("GET", "/map/frame", EVERYONE),
    "maps.points": ("GET", "/map/points.json", EVERYONE),
    "maps.engagements": ("GET", "/map/engagements.json", EVERYONE),
    "maps.boundary_shapes": ("GET", "/map/boundaries.json?shade=engagements", EVERYONE),
    "maps.popup": ("GET", "/map/stakeholders/{s}.json", EVERYONE),
    "maps.download": ("GET", "/map/download", EVERYONE),
    "maps.picture": ("GET", "/map/picture.svg?area={area}", EVERYONE),
    "maps.admin.area_boundaries": ("GET", "/map/boundaries", ADMIN),
    "maps.admin.postcodes": ("GET", "/map/postcodes", ADMIN),
    "maps.admin.place_records": ("POST", "/map/postcodes/place", ADMIN),
    "plans.objectives.index": ("GET", "/objectives", EVERYONE),
    "plans.objectives.new": ("GET", "/objectives/new", PLAN_EDITORS),
    "plans.objectives.detail": ("GET", "/objectives/{o}", EVERYONE),
    "plans.objectives.edit": ("GET", "/objectives/{o}/edit", PLAN_EDITORS),
    "plans.objectives.evidence": ("GET", "/objectives/{o}/evidence", EVIDENCE_ADDERS),
    "plans.objectives.archive": ("GET", "/objectives/{o}/archive", PLAN_EDITORS),
    "plans.objectives.restore": ("POST", "/objectives/{o}/restore", ADMIN),
    "plans.index": ("GET", "/action-plans", EVERYONE),
    "plans.due": ("GET", "/action-plans/due", EVERYONE),
    "plans.new": ("GET", "/action-plans/new", PLAN_EDITORS),
    "plans.detail": ("GET", "/action-plans/{pl}", EVERYONE),
    "plans.edit": ("GET", "/action-plans/{pl}/edit", PLAN_EDITORS),
    "plans.add_theme": ("POST", "/action-plans/{pl}/themes", PLAN_EDITORS),
    "plans.monitoring": ("GET", "/action-plans/{pl}/monitoring?quarter=2026-Q3", EVERYONE),
    "plans.export": ("GET", "/action-plans/{pl}/export.xlsx", EVERYONE),
    "plans.archive": ("GET", "/action-plans/{pl}/archive", PLAN_EDITORS),
    "plans.restore": ("POST", "/action-plans/{pl}/restore", ADMIN),
    "plans.actions.new": ("GET", "/action-plans/{pl}/actions/new", PLAN_EDITORS),
    "plans.actions.detail": ("GET", "/plan-actions/{pa}", EVERYONE),
    "plans.actions.edit": ("GET", "/plan-actions/{pa}/edit", PLAN_EDITORS),
    "plans.actions.update": ("GET", "/plan-actions/{pa}/updates", PLAN_EDITORS),
    "plans.actions.evidence": ("GET", "/plan-actions/{pa}/evidence", PLAN_EDITORS),
    "plans.actions.archive": ("GET", "/plan-actions/{pa}/archive", PLAN_EDITORS),
    "plans.imports.new": ("GET", "/action-plans/import", PLAN_EDITORS),
    # With no file waiting under that name: back to the upload, saying so.
    "plans.imports.confirm": ("POST", "/action-plans/import/0123abcd", PLAN_EDITORS),
    "mapping.grid": ("GET", "/mapping", EVERYONE),
    "mapping.exercises": ("GET", "/mapping/exercises", EVERYONE),
    "mapping.new": ("GET", "/mapping/exercises/new", STAKEHOLDER_EDITORS),
    "mapping.exercise": ("GET", "/mapping/exercises/{x}", EVERYONE),
    "mapping.archive": ("GET", "/mapping/exercises/{x}/archive", STAKEHOLDER_EDITORS),
    "mapping.restore": ("POST", "/mapping/exercises/{x}/restore", ADMIN),
    "mapping.compare": ("GET", "/mapping/exercises/compare?from={x}&to={x}", EVERYONE),
    # Background jobs: everyone follows their own; {j} is a job nobody started from a page
    # (a command's), which only administrators may follow.
    "jobs.index": ("GET", "/jobs", EVERYONE),
    "jobs.detail": ("GET", "/jobs/{j}", ADMIN),
    "jobs.download": ("GET", "/jobs/{j}/file", ADMIN),
    "jobs.retry": ("POST", "/jobs/{j}/retry", ADMIN),
    # Administration: {u} is a staff account, {cm} a community, {ar} an Area.
    "admin.index": ("GET", "/admin", ADMIN),
    "admin.users.index": ("GET", "/admin/users", ADMIN),
    "admin.users.invite": ("GET", "/admin/users/invite", ADMIN),
    "admin.users.detail": ("GET", "/admin/users/{u}", ADMIN),
    "admin.users.edit_access": ("GET", "/admin/users/{u}/access", ADMIN),
    "admin.users.deactivate": ("POST", "/admin/users/{u}/deactivate", ADMIN),
    "admin.users.reactivate": ("POST", "/admin/users/{u}/reactivate", ADMIN),
    "admin.users.new_link": ("POST", "/admin/users/{u}/link", ADMIN),
    "admin.users.reset_two_factor": ("POST", "/admin/users/{u}/two-factor", ADMIN),
    "admin.communities.index": ("GET", "/admin/communities", ADMIN),
    "admin.communities.edit": ("GET", "/admin/communities/{cm}", ADMIN),
    "admin.communities.retire": ("POST", "/admin/communities/{cm}/retire", ADMIN),
    "admin.communities.restore": ("POST", "/admin/communities/{cm}/restore", ADMIN),
    "admin.areas.index": ("GET", "/admin/areas", ADMIN),
    "admin.areas.edit": ("GET", "/admin/areas/{ar}", ADMIN),
    "admin.audit.index": ("GET", "/admin/audit", ADMIN),
    # Equality monitoring: a member's answers need the right; the make-up of a panel, an
    # Area's panels or every panel (figures only, suppressed) is for whoever may read them.
    "equality.answers": ("GET", "/memberships/{m}/equality", EQUALITY_RIGHT),
    "equality.edit": ("GET", "/memberships/{m}/equality/edit", EQUALITY_RIGHT),
    "equality.objection": ("GET", "/memberships/{m}/equality/objection", EQUALITY_RIGHT),
    "equality.withdraw": ("POST", "/memberships/{m}/equality/withdraw-objection",
                          EQUALITY_RIGHT),
    "equality.panel": ("GET", "/panels/{p}/equality", EVERYONE),
    "equality.area_report": ("GET", "/reports/equality", EVERYONE),
    "equality.area_report_csv": ("GET", "/reports/equality.csv?area=national", EVERYONE),
    "equality.answers_csv": ("GET", "/panels/{p}/equality/answers.csv", EQUALITY_RIGHT),
    "admin.population.edit": ("GET", "/admin/areas/{ar}/population", ADMIN),
    # Erasure, legal holds and retention: the data protection right (every administrator's;
    # other roles only when given it). The rules themselves: administrators.
    "contacts.erasure.erase": ("GET", "/contacts/{c}/erase", ADMIN),
    "contacts.erasure.legal_hold": ("GET", "/contacts/{c}/legal-hold", ADMIN),
    "contacts.erasure.release_hold": ("POST", "/contacts/{c}/legal-hold/remove", ADMIN),
    "feedback.legal_hold.place": ("GET", "/feedback/{f}/legal-hold", ADMIN),
    "feedback.legal_hold.release": ("POST", "/feedback/{f}/legal-hold/remove", ADMIN),
    "admin.retention.index": ("GET", "/admin/retention", ADMIN),
    "admin.retention.dry_run": ("GET", "/admin/retention/dry-run", ADMIN),
    "admin.retention.apply": ("POST", "/admin/retention/apply", ADMIN),
    "admin.retention.erasures": ("GET", "/admin/erasures", ADMIN),
    # Consent and do not contact: recorded by those who may edit the contact; the contact
    # list to contact people (do-not-contact left out) by anyone who reads contacts.
    "contacts.consent.record": ("GET", "/contacts/{c}/consent", CONTACT_EDITORS),
    "contacts.consent.do_not_contact": ("GET", "/contacts/{c}/do-not-contact",
                                        CONTACT_EDITORS),  # fmt: skip
    "contacts.consent.export_csv": ("GET", "/contacts/export.csv", EVERYONE),
    # Subject access: the data protection right (every administrator's; others given it).
    "contacts.subject_access.new": ("GET", "/contacts/{c}/subject-access", ADMIN),
    # Purposes and their lawful basis: reference data, administrators; {pu} a purpose.
    "admin.purposes.index": ("GET", "/admin/purposes", ADMIN),
    "admin.purposes.edit": ("GET", "/admin/purposes/{pu}", ADMIN),
    "admin.purposes.retire": ("POST", "/admin/purposes/{pu}/retire", ADMIN),
    "admin.purposes.restore": ("POST", "/admin/purposes/{pu}/restore", ADMIN),
    # Spreadsheet imports: whoever may add stakeholders or contacts; {im} is an import
    # nobody uploaded from a page, which only administrators may follow.
    "imports.index": ("GET", "/imports", IMPORTERS),
    "imports.new": ("GET", "/imports/new", IMPORTERS),
    "imports.template": ("GET", "/imports/templates/stakeholders.csv", STAKEHOLDER_EDITORS),
    "imports.columns": ("GET", "/imports/{im}/columns", ADMIN),
    "imports.detail": ("GET", "/imports/{im}", ADMIN),
    # A draft nobody applied: refused (it is not applied), back to its page.
    "imports.undo": ("POST", "/imports/{im}/undo", ADMIN),
}
# GET routes that answer with a download, JSON or the map's own document, not a GOV.UK page.
NOT_PAGES = frozenset({
    "engagements.export", "engagements.lookup.search", "panels.roster_csv", "panels.history_csv",
    "feedback.you_said.report_csv", "maps.frame", "maps.points", "maps.engagements",
    "maps.boundary_shapes", "maps.popup", "maps.download", "maps.picture", "plans.export",
    "reports.quarterly_file", "reports.annual_file", "jobs.download",
    "contacts.consent.export_csv", "contacts.export_register", "stakeholders.export_register",
    "equality.area_report_csv", "equality.answers_csv", "imports.template",
})  # fmt: skip
# Reference data every user shares, background jobs (a person's, not an Area's), and
# administration (staff accounts, reference lists, the whole audit trail).
NOT_IN_AN_AREA = {*(e for e in ROUTES if e.startswith("admin.")),
    "feedback.priorities.retire", "feedback.priorities.restore", "feedback.priorities.manage",
    "jobs.detail", "jobs.download", "jobs.retry", "reports.quarterly_pdf", "reports.annual_pdf",
    *(e for e in ROUTES if e.startswith("imports.")),
}  # fmt: skip
MISSING = {key: 999_999 for key in "scdeapmgfroxj"} | {"area": 999_999, "c2": 999_999,
                                                      "s2": 999_999,
                                                      "pl": 999_999, "pa": 999_999,
                                                      "x_area": 999_999, "u": 999_999,
                                                      "cm": 999_999, "ar": 999_999,
                                                      "pu": 999_999, "im": 999_999}  # fmt: skip

# What a valid submission to each POST route is: the path, where its form is (SAME:
# the path itself, read as an administrator; None: a button with no fields), what to
# fill in, and who may submit it. `{x}` in a value is a record id, `{area}` the Area's.
SAME = "same"
DAY = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
POSTS = {
    "engagements.actions.add": ("/engagements/{e}/actions", SAME,
                                {"description": "Ring them back"}),
    "engagements.actions.edit": ("/actions/{a}/edit", SAME,
                                 {"description": "Ring them back today"}),
    "engagements.actions.set_status": ("/actions/{a}/status", None, {"status": "done"}),
    "feedback.case_reviews.record": ("/meetings/{g}/case-reviews", SAME, {
        "reviews-0-summary": "Victim kept informed", "reviews-0-priority_id": "{r}",
        "reviews-0-assessment": "handled_well"}),  # fmt: skip
    "contacts.archive": ("/contacts/{c}/archive", None, {}),
    "contacts.edit": ("/contacts/{c}/edit", SAME, {"phone": "0151 496 0999"}),
    "contacts.link": ("/contacts/{c}/organisations", None,
                      {"stakeholder_id": "{s}", "role": "Trustee"}),  # fmt: skip
    "contacts.new": ("/contacts/new", SAME, {"name": "Sam Newcomer", "area_id": "{area}"}),
    "contacts.restore": ("/contacts/{c}/restore", None, {}),
    "contacts.merge.dismiss": ("/contacts/duplicates/not-the-same", None,
                               {"first_id": "{c}", "second_id": "{c2}"}),
    "contacts.merge.merge": ("/contacts/merge?ids={c}&ids={c2}", SAME, {}),
    "contacts.merge.undo": ("/contacts/{c}/undo-merge", None, {}),
    "contacts.unlink": ("/contacts/{c}/organisations/{s}/remove", None, {}),
    "engagements.archive": ("/engagements/{e}/archive", None, {}),
    "engagements.edit": ("/engagements/{e}/edit", SAME, {"title": "Renamed conversation",
                                                         "location_address": "Town Hall"}),
    "engagements.new": ("/engagements/new", SAME, {
        "title": "Drop-in session", "type": "meeting", "area_id": "{area}",
        "location_address": "Town Hall"}),  # fmt: skip
    "engagements.restore": ("/engagements/{e}/restore", None, {}),
    "feedback.archive": ("/feedback/{f}/archive", None, {}),
    "feedback.edit": ("/feedback/{f}/edit", SAME, {"summary": "Said again"}),
    "feedback.new": ("/feedback/new", SAME, {
        "source": "other", "summary": "Victims want updates", "area_id": "{area}",
        "priority_ids": "{r}"}),  # fmt: skip
    "feedback.restore": ("/feedback/{f}/restore", None, {}),
    "feedback.status": ("/feedback/{f}/status", SAME, {"to_status": "under_review"}),
    "maps.admin.area_boundaries": ("/map/boundaries", None, {}),
    "maps.admin.postcodes": ("/map/postcodes", None, {}),
    "maps.admin.place_records": ("/map/postcodes/place", None, {}),
    "panels.meetings.edit": ("/meetings/{g}/edit", SAME, {"place": "Central Library"}),
    "panels.meetings.new": ("/panels/{p}/meetings/new", SAME, {"place": "Central Library",
                                                         "attendance_{m}": "present"}),
    "panels.memberships.declare": ("/memberships/{m}/declarations", SAME,
                            {"declared_on": DAY, "text": "Trustee of a victims' charity"}),
    "panels.memberships.edit": ("/memberships/{m}/edit", SAME, {"end_note": ""}),
    "panels.memberships.new": ("/panels/{p}/members/new?contact={c2}", SAME, {
        "status": "applicant", "role": "member", "applied_on": DAY}),  # fmt: skip
    "panels.archive": ("/panels/{p}/archive", None, {}),
    "panels.edit": ("/panels/{p}/edit", SAME, {"purpose": "Reviews finalised cases"}),
    "panels.new": ("/panels/new", SAME, {"name": "Hate Crime Scrutiny Panel", "type": "hate_crime",
                                         "area_id": "{area}"}),  # fmt: skip
    "panels.restore": ("/panels/{p}/restore", None, {}),
    "panels.terms": ("/panels/{p}/terms-of-reference", SAME,
                     {"text": "Revised terms", "adopted_on": DAY}),  # fmt: skip
    "feedback.priorities.manage": ("/priorities/manage", SAME, {"name": "Honour-based abuse"}),
    "feedback.priorities.restore": ("/priorities/{r}/restore", None, {}),
    "feedback.priorities.retire": ("/priorities/{r}/retire", None, {}),
    "panels.refresh.refresh": ("/panels/{p}/refresh", None, {"decision-{m}": "renew",
                                                       "action": "apply"}),  # fmt: skip
    "stakeholders.archive": ("/stakeholders/{s}/archive", None, {}),
    "stakeholders.edit": ("/stakeholders/{s}/edit", SAME, {"phone": "0151 496 0000"}),
    "stakeholders.new": ("/stakeholders/new", SAME, {"name": "Wirral Deaf Club",
                                                     "type": "community_group",
                                                     "area_id": "{area}"}),  # fmt: skip
    "stakeholders.restore": ("/stakeholders/{s}/restore", None, {}),
    "stakeholders.merge.dismiss": ("/stakeholders/duplicates/not-the-same", None,
                                   {"first_id": "{s}", "second_id": "{s2}"}),
    "stakeholders.merge.merge": ("/stakeholders/merge?ids={s}&ids={s2}", SAME, {}),
    # With no merge into it to undo: says so, and back to its page.
    "stakeholders.merge.undo": ("/stakeholders/{s}/undo-merge", None, {}),
    "plans.objectives.new": ("/objectives/new", SAME, {
        "title": "Confidence among disabled people", "area_id": "{area}", "starts_in": "2026",
        "ends_in": "2027"}),  # fmt: skip
    "plans.objectives.edit": ("/objectives/{o}/edit", SAME, {"title": "Renamed objective"}),
    "plans.objectives.evidence": ("/objectives/{o}/evidence", SAME,
                                  {"kind": "document", "title": "Survey results"}),
    "plans.objectives.archive": ("/objectives/{o}/archive", None, {}),
    "mapping.archive": ("/mapping/exercises/{x}/archive", None, {}),
    "mapping.restore": ("/mapping/exercises/{x}/restore", None, {}),
    "plans.objectives.restore": ("/objectives/{o}/restore", None, {}),
    "plans.new": ("/action-plans/new", SAME, {
        "title": "Hate crime action plan", "area_id": "{area}", "starts_on": DAY,
        "ends_on": ["31", "3", "2027"]}),  # fmt: skip
    "plans.edit": ("/action-plans/{pl}/edit", SAME, {"title": "Renamed plan"}),
    "plans.add_theme": ("/action-plans/{pl}/themes", None, {"number": "2", "title": "Casework"}),
    "plans.archive": ("/action-plans/{pl}/archive", None, {}),
    "plans.restore": ("/action-plans/{pl}/restore", None, {}),
    "plans.actions.new": ("/action-plans/{pl}/actions/new", SAME, {
        "what": "Hold a drop-in", "by_whom": "All managers", "due_kind": "ongoing"}),
    "plans.actions.edit": ("/plan-actions/{pa}/edit", SAME, {"what": "Hold two drop-ins"}),
    "plans.actions.update": ("/plan-actions/{pa}/updates", SAME, {
        "updated_on": DAY, "to_status": "on_track", "note": "Venue booked"}),  # fmt: skip
    "plans.actions.evidence": ("/plan-actions/{pa}/evidence", SAME,
                               {"kind": "engagement", "engagement_id": "{e}"}),
    "plans.actions.archive": ("/plan-actions/{pa}/archive", None, {}),
    # A valid upload is read and shown (200); nothing is saved until it is confirmed.
    "plans.imports.new": ("/action-plans/import", SAME, {
        "title": "Imported plan", "area_id": "{area}", "starts_on": DAY,
        "ends_on": ["31", "3", "2027"], "file": lambda: (io.BytesIO(PLAN_CSV), "plan.csv")}),
    # The form lists the Area's stakeholders with their scores; {x_area} is the Area's id.
    "mapping.new": ("/mapping/exercises/new?area={x_area}", SAME,
                    {"held_on": DAY, "title": "Annual mapping"}),
    # An upload: read, and on to choosing its columns (nothing imported yet).
    "imports.new": ("/imports/new", SAME, {
        "kind": "contacts", "file": lambda: (io.BytesIO(IMPORT_CSV), "contacts.csv")}),
    # The job failed: trying it again queues it (and, in the tests, runs it).
    "jobs.retry": ("/jobs/{j}/retry", None, {}),
    # Administration. An invitation, and a new link, answer with the page showing the link.
    "admin.users.invite": ("/admin/users/invite", SAME, {
        "name": "Sam Invited", "email": "sam.invited@engage.test", "role": "lead",
        "area_ids": "{ar}"}),  # fmt: skip
    "admin.users.edit_access": ("/admin/users/{u}/access", SAME, {"role": "senior"}),
    "admin.users.deactivate": ("/admin/users/{u}/deactivate", None, {}),
    "admin.users.reactivate": ("/admin/users/{u}/reactivate", None, {}),
    "admin.users.new_link": ("/admin/users/{u}/link", None, {}),
    "admin.users.reset_two_factor": ("/admin/users/{u}/two-factor", None, {}),
    "admin.communities.index": ("/admin/communities", SAME, {
        "name": "Irish Travellers", "characteristic": "race"}),  # fmt: skip
    "admin.communities.edit": ("/admin/communities/{cm}", SAME, {"name": "Older people (65+)"}),
    "admin.communities.retire": ("/admin/communities/{cm}/retire", None, {}),
    "admin.communities.restore": ("/admin/communities/{cm}/restore", None, {}),
    "admin.areas.edit": ("/admin/areas/{ar}", SAME, {"code": "mersey-and-cheshire"}),
    # Equality monitoring (the right's forms are filled in here: no role may open them).
    "equality.edit": ("/memberships/{m}/equality/edit", None, {
        "religion": "buddhist", "given_on": DAY, "given_how": "interview"}),  # fmt: skip
    "equality.objection": ("/memberships/{m}/equality/objection", None, {"objected_on": DAY}),
    "equality.withdraw": ("/memberships/{m}/equality/withdraw-objection", None, {}),
    "admin.population.edit": ("/admin/areas/{ar}/population", SAME, {"sex-female": "51.2"}),
    # Erasure and retention. Erasing answers with the erasure log; the rules page saves one
    # rule (each rule is its own form, named by its kind).
    "contacts.erasure.erase": ("/contacts/{c}/erase", SAME, {
        "request_reference": "DP-2026-017", "reason": "Asked to be forgotten"}),  # fmt: skip
    "contacts.erasure.legal_hold": ("/contacts/{c}/legal-hold", SAME,
                                    {"reason": "Civil claim pending"}),
    "contacts.erasure.release_hold": ("/contacts/{c}/legal-hold/remove", None, {}),
    "feedback.legal_hold.place": ("/feedback/{f}/legal-hold", SAME,
                                  {"reason": "Complaint under investigation"}),
    "feedback.legal_hold.release": ("/feedback/{f}/legal-hold/remove", None, {}),
    "admin.retention.index": ("/admin/retention", SAME, {
        "inactive_contacts-years": "6", "inactive_contacts-active": "y",
        "inactive_contacts-submit": "Save rule"}),  # fmt: skip
    "admin.retention.apply": ("/admin/retention/apply", None, {}),
    # A report's PDF, made as a job for the user's own Area (in the tests, at once).
    "reports.quarterly_pdf": ("/reports/quarterly.pdf?quarter=2026-Q2", None, {}),
    "reports.annual_pdf": ("/reports/annual.pdf?year=2025", None, {}),
    # Consent, do not contact and subject access (answers on the job's page).
    "contacts.consent.record": ("/contacts/{c}/consent", SAME, {
        "purpose_id": "{pu}", "status": "given", "changed_on": DAY,
        "method": "Signed form at the drop-in"}),  # fmt: skip
    "contacts.consent.do_not_contact": ("/contacts/{c}/do-not-contact", SAME, {
        "do_not_contact": "yes", "changed_on": DAY, "reason": "Asked by phone"}),  # fmt: skip
    "contacts.subject_access.new": ("/contacts/{c}/subject-access", SAME,
                                    {"reference": "SAR-2026-014"}),
    "admin.purposes.index": ("/admin/purposes", SAME, {
        "name": "Research interviews", "lawful_basis": "public_task"}),  # fmt: skip
    "admin.purposes.edit": ("/admin/purposes/{pu}", SAME, {"name": "Newsletters and news"}),
    "admin.purposes.retire": ("/admin/purposes/{pu}/retire", None, {}),
    "admin.purposes.restore": ("/admin/purposes/{pu}/restore", None, {}),
}
IMPORT_CSV = b"Name,Email\r\nSam Imported,sam.imported@example.org\r\n"
PLAN_CSV = (b"No.,Theme,Action,By whom,By when / Update\r\n"
            b"1,Engagement,a. Hold a drop-in,All managers,Oct-26 - venue booked\r\n")
# POST routes whose success is a page (200), not a redirect.
ANSWER_WITH_A_PAGE = {"maps.admin.area_boundaries", "maps.admin.postcodes", "plans.imports.new",
                      "admin.users.invite", "admin.users.new_link"}  # fmt: skip
# POST routes tested in their own module, as a generic submission cannot reach them.
SWEPT_ELSEWHERE = {
    # Confirms a file the same user uploaded a moment before: tests/test_plan_import.py.
    "plans.imports.confirm",
    # A spreadsheet import's columns, preview and undo, for the person who uploaded it:
    # tests/test_imports.py.
    "imports.columns", "imports.detail", "imports.undo",
    # Setting a password through a one-time invitation link: tests/test_admin.py.
    "admin.invitations.accept",
}
# Posting somewhere that only concerns the user themselves: no record, no Area.
OWN_ACCOUNT = {"auth.sign_out", "auth.change_password", "auth.sign_in", "auth.two_factor.verify",
               "auth.two_factor.set_up", "auth.two_factor.new_recovery_codes",
               "info.switch_language"}  # fmt: skip
# The routes whose record may be national (no Area): panels, their memberships,
# meetings and feedback; creating one with no Area makes a national record.
NATIONAL = {
    "feedback.case_reviews.record", "feedback.archive", "feedback.edit", "feedback.new",
    "feedback.restore", "feedback.status", "panels.meetings.edit", "panels.meetings.new",
    "panels.memberships.declare", "panels.memberships.edit", "panels.memberships.new",
    "panels.archive", "panels.edit", "panels.new", "panels.restore", "panels.terms",
    "panels.refresh.refresh", "plans.objectives.new", "plans.objectives.edit",
    "plans.objectives.archive", "plans.objectives.restore", "plans.new", "plans.edit",
    "plans.add_theme", "plans.archive", "plans.restore", "plans.actions.new",
    "plans.actions.edit", "plans.actions.update", "plans.actions.evidence",
    "plans.actions.archive", "plans.imports.new",
}  # fmt: skip


def fill(template, ids: dict):
    """A path or form value with its {placeholders} replaced by the records' ids."""
    if isinstance(template, list):
        return [fill(v, ids) for v in template]
    if callable(template):  # a fresh value each time, such as an upload
        return template()
    return template.format(**ids) if isinstance(template, str) else template


def make_records(app, factories, area_name: str | None = "Mersey-Cheshire", archived=False,
                 lead_id=None) -> dict:  # fmt: skip
    """One record of each kind in an Area (or national: a national panel, its membership
    and meeting, national feedback, objective, plan and its action; the other kinds still in
    an Area, none being national).

    With archived=True the records a restore route needs are archived.
    """
    f = factories
    home = area_name or "Mersey-Cheshire"
    s = f["stakeholder"](home)
    s2 = f["stakeholder"](home, name="Toxteth Womens Network Ltd")
    c = f["contact"](home, stakeholder_id=s)
    c2 = f["contact"](home, name="Priya Applicant")
    e = f["engagement"](home, stakeholder_ids=[s], lead_id=lead_id,
                        actions=[{"description": "Write back", "due_on": date(2026, 12, 1)}])
    p = f["panel"](area_name, name=f"{area_name or 'National'} LSIP",
                   type="lsip" if area_name else "caf")  # fmt: skip
    m = f["membership"](p, c, communities=["Older people"], term_end=date(2027, 1, 29))
    g = f["meeting"](p, attendance={m: "present"})
    fb = f["feedback"](area_name, panel_id=p, panel_meeting_id=g, source="panel_meeting",
                       owner_id=lead_id)  # fmt: skip
    o = f["objective"](area_name, title=f"{area_name or 'National'} objective")
    pl = f["plan"](area_name, title=f"{area_name or 'National'} action plan")
    pa = f["plan_action"](pl, objective_ids=[o])
    x = f["exercise"](home, positions={s: (4, 2)}, title=f"{home} mapping")
    with app.app_context():
        j = make_job()
        im = make_import()
        a = db.session.get(Engagement, e).actions[0].id
        r = priority("Hate crime").id
        area = db.session.query(Area).filter_by(name=home).one().id
        u = auth.create_user(f"someone{next(_PEOPLE)}@engage.test", "Sam Someone", PASSWORD,
                             "lead", [home]).id  # fmt: skip
        older_people = db.session.query(Community).filter_by(name="Older people").one()
        cm = older_people.id
        newsletters = db.session.query(Purpose).filter_by(name="Newsletters and updates").one()
        pu = newsletters.id
        db.session.commit()
        if archived:
            older_people.retired_at = utcnow()  # for the community's restore
            newsletters.retired_at = utcnow()  # and the purpose's
            for model, record_id in ((Stakeholder, s), (Contact, c), (Engagement, e),
                                     (Panel, p), (Feedback, fb), (Objective, o),
                                     (ActionPlan, pl)):  # fmt: skip
                db.session.get(model, record_id).archived_at = utcnow()
            db.session.commit()
    return {"s": s, "s2": s2, "c": c, "c2": c2, "e": e, "a": a, "p": p, "m": m, "g": g, "f": fb,
            "r": r, "o": o, "pl": pl, "pa": pa, "area": "" if area_name is None else area,
            "x": x, "x_area": area, "j": j, "u": u, "cm": cm, "ar": area,
            "pu": pu, "im": im}  # fmt: skip


_PEOPLE = itertools.count(1)


def make_job(status: str = "done") -> int:
    """A background job started by a command (no user): a finished one has a file."""
    job = Job(kind="geocode", title="Place records with a postcode", status=status,
              message="Placed 3 records", result_name="placed.txt", result_type="text/plain",
              result_data=b"3 placed")  # fmt: skip
    db.session.add(job)
    db.session.commit()
    return job.id


def make_import() -> int:
    """A draft spreadsheet import uploaded by no one from a page: only administrators
    may follow it."""
    record = SpreadsheetImport(kind="contacts", file_name="contacts.csv", file_data=IMPORT_CSV,
                               file_sha256="0" * 64, headers=["Name", "Email"],
                               mapping={"name": 0, "email": 1}, choices={})  # fmt: skip
    db.session.add(record)
    db.session.commit()
    return record.id


def answers_as_missing(client, method: str, path: str, ids: dict, role: str, allowed) -> None:
    """A record in another Area is indistinguishable from one that does not exist: not
    found for the roles that may use the route, refused or not found for the others."""
    response = client.open(path.format(**ids), method=method)
    missing = client.open(path.format(**MISSING), method=method)
    assert response.status_code == missing.status_code, role
    assert ("Page not found" in response.get_data(as_text=True)) == (
        "Page not found" in missing.get_data(as_text=True)
    ), role
    assert response.status_code in ((404,) if role in allowed else (403, 404)), role
