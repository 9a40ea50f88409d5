"""Marketing: bundle suggestions and "for you" picks mined from members' baskets, and drafts made from them.

The runs are the API's jobs (``POST /api/v1/insights/bundle-suggestions`` and ``/for-you``: the same
task functions, the same schemas for their settings); the page follows a run by its job id and shows
its result. A draft is made by the same services as the API's ``/draft`` endpoints, audited as the
signed-in user; marketing then reviews and publishes it from the promotion's page.
"""

from __future__ import annotations

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from admin_ui.access import staff_page
from admin_ui.blueprint import attempt, bp
from server.api.context import acting, db_session, services
from server.auth.roles import Role
from server.jobs import JobNotFound, JobState
from server.jobs.tasks import mine_bundle_suggestions, pick_for_you
from server.pricing.bundle_mining import draft_bundle
from server.pricing.for_you import draft_for_you
from server.pricing.versions import current_definition
from server.schemas.insights import BundleDraftSchema, BundleMiningSchema, ForYouDraftSchema, ForYouRunSchema

MARKETING = Role.MARKETING
BUNDLES, FOR_YOU = "bundles", "for-you"
JOB_KINDS = {f"{task.__module__}.{task.__qualname__}": kind
             for task, kind in ((mine_bundle_suggestions, BUNDLES), (pick_for_you, FOR_YOU))}
BUNDLE_FIELDS = ("weeks", "min_together", "limit", "discount_bp")
FOR_YOU_FIELDS = ("weeks", "recent_weeks", "min_together", "min_before", "limit")
DEFAULT_OFFER_BP = 1_000  # the "for you" draft's discount until marketing types another


@bp.route("/insights")
@staff_page(MARKETING)
def insights():
    return _page()


@bp.route("/insights/bundles", methods=["POST"])
@staff_page(MARKETING)
def run_bundle_mining():
    settings, errors = _settings(BundleMiningSchema(), BUNDLE_FIELDS, percent="discount_bp")
    if errors:
        return _page(bundle_errors=errors), 422
    db_session().commit()  # the job's record is written in a transaction of its own (as the API does)
    job = services().jobs.enqueue(mine_bundle_suggestions, *(settings[name] for name in BUNDLE_FIELDS))
    return redirect(url_for("admin.insights_job", run_id=job.id))


@bp.route("/insights/for-you", methods=["POST"])
@staff_page(MARKETING)
def run_for_you():
    settings, errors = _settings(ForYouRunSchema(), FOR_YOU_FIELDS)
    if errors:
        return _page(for_you_errors=errors), 422
    db_session().commit()
    job = services().jobs.enqueue(pick_for_you, *(settings[name] for name in FOR_YOU_FIELDS))
    return redirect(url_for("admin.insights_job", run_id=job.id))


@bp.route("/insights/runs/<string:run_id>")
@staff_page(MARKETING)
def insights_job(run_id: str):
    try:
        job = services().jobs.status(run_id[:64], db_session())
    except JobNotFound:
        abort(404, description="No such run: it may have been cleared. Start it again.")
    if job.name not in JOB_KINDS:
        abort(404, description="That job is not a bundle or \"for you\" run.")
    return _page(job=job, kind=JOB_KINDS[job.name],
                 result=job.result if job.state is JobState.FINISHED else None)


@bp.route("/insights/bundles/draft", methods=["POST"])
@staff_page(MARKETING)
def draft_bundle_page():
    return _draft(BundleDraftSchema(), {"skus": request.form.getlist("sku"), "price_minor": _int("price_minor")},
                  lambda body, svc: draft_bundle(db_session(), body["skus"], body["price_minor"], body["label"],
                                                 svc.clock(), acting(), svc.program))


@bp.route("/insights/for-you/draft", methods=["POST"])
@staff_page(MARKETING)
def draft_for_you_page():
    percent = _percent(request.form.get("percent", ""))
    return _draft(ForYouDraftSchema(), {"sku": request.form.get("sku", ""), "percent_bp": percent},
                  lambda body, svc: draft_for_you(db_session(), body["sku"], body["percent_bp"], body["label"],
                                                  svc.clock(), acting(), svc.program))


def _draft(schema: ma.Schema, fields: dict, make):
    """Load the draft's fields with the API's schema, make it, and open its page (or go back and say why)."""
    back = _back()
    try:
        body = schema.load({name: value for name, value in fields.items() if value is not None})
    except ma.ValidationError as exc:
        flash("No draft made: " + "; ".join(f"{name.replace('_', ' ')}: {' '.join(map(str, texts))}"
                                             for name, texts in _flat(exc.messages)), "error")
        return redirect(back)
    done, record = attempt(lambda: make(body, services()))
    if not done:
        return redirect(back)
    label = current_definition(db_session(), record)["label"]
    flash(f"{label} is saved as a draft. Check it, then publish it here.", "success")
    return redirect(url_for("admin.promotion", promotion_id=record.id))


def _back() -> str:
    """The run page the draft was made from (only a job page of this blueprint), else the insights page."""
    job_id = request.form.get("job_id", "")
    return url_for("admin.insights_job", run_id=job_id[:64]) if job_id else url_for("admin.insights")


def _flat(messages) -> list[tuple[str, list]]:
    if isinstance(messages, dict):
        return [(name, texts if isinstance(texts, list) else [texts]) for name, texts in messages.items()]
    return [("form", list(messages))]


def _settings(schema: ma.Schema, names: tuple[str, ...], percent: str | None = None) -> tuple[dict, dict[str, str]]:
    """A run's settings from the form, checked by the API's schema: (settings, a message per field)."""
    values = {name: _int(name) for name in names if name != percent}
    if percent is not None:
        values[percent] = _percent(request.form.get("discount", ""))
    # The page always sends every field: an empty one is a mistake, not a wish for the API's default.
    errors = {name: "Type a number." for name, value in values.items() if value is None}
    try:
        settings = schema.load({name: value for name, value in values.items() if value is not None})
    except ma.ValidationError as exc:
        settings = {}
        errors = {name: " ".join(map(str, texts)) for name, texts in _flat(exc.messages)} | errors
    return (settings, {}) if not errors else ({}, {"discount" if n == percent else n: t for n, t in errors.items()})


def _int(name: str) -> int | str | None:
    """A whole number typed in the form; text that is not one goes to the schema as it is (and fails there)."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _percent(text: str) -> int | str | None:
    """A percentage as people type it ('10', '12.5') in basis points."""
    text = text.strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return None
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and not (fraction.isdigit() and len(fraction) <= 2)):
        return text
    return int(whole) * 100 + int(fraction.ljust(2, "0") or "0")


def _page(**shown):
    """The page; a form that was refused shows what was typed in it, the other its defaults."""
    typed = request.form if request.method == "POST" else MultiDict()
    return render_template("admin/insights.html", job=shown.get("job"), kind=shown.get("kind"),
                           bundle_form=typed if "bundle_errors" in shown else MultiDict(),
                           for_you_form=typed if "for_you_errors" in shown else MultiDict(),
                           result=shown.get("result"), bundle_errors=shown.get("bundle_errors", {}),
                           for_you_errors=shown.get("for_you_errors", {}), default_offer_bp=DEFAULT_OFFER_BP,
                           defaults={"bundles": BundleMiningSchema().load({}), "for_you": ForYouRunSchema().load({})})
