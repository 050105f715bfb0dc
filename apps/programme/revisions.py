"""Content versions of a step: releases from content/, local edits, reverts.

- The files in content/ are a release (``release:`` in programme.yaml).
  load_content writes a release revision whenever a step's text changes.
- An edit in the admin writes a local revision and marks the step
  ``locally_edited``. load_content then leaves that step's text alone and
  reports it (a conflict when the new release changed the same step too),
  unless it is run with ``--overwrite``.
- Reverting to any revision writes a new revision with that text; reverting
  to a release revision clears ``locally_edited``.

A client's entry and progress record the revision they answered
(``step_revision``), so what they wrote stays tied to the text they saw.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.programme.models import RevisionSource, Step, StepRevision

LANGUAGES = list(settings.MODELTRANSLATION_LANGUAGES)
TRANSLATED = ("title", "body", "prompts", "questions")
PLAIN = ("kind", "minutes", "exercise_type")
CONTENT_FIELDS = tuple(f"{name}_{lang}" for name in TRANSLATED for lang in LANGUAGES) + PLAIN


def step_content(step: Step) -> dict:
    """Every content field of `step` (both languages), as plain JSON values."""
    return {name: getattr(step, name, None) for name in CONTENT_FIELDS}


def content_differs(a: dict, b: dict) -> bool:
    """Whether two content snapshots differ (empty and missing count as the same)."""
    return any((a.get(k) or None) != (b.get(k) or None) for k in CONTENT_FIELDS)


def _record(
    *, step: Step, source: str, release: str, actor: User | None, note: str = ""
) -> StepRevision:
    step.revision += 1
    step.locally_edited = source == RevisionSource.LOCAL
    step.release = release
    step.save(update_fields=["revision", "locally_edited", "release"])
    return StepRevision.objects.create(
        step=step,
        number=step.revision,
        source=source,
        release=release,
        content=step_content(step),
        created_by=actor,
        note=note,
    )


def step_release_recorded(*, step: Step, release: str) -> StepRevision:
    """load_content wrote a release's text into `step`."""
    return _record(step=step, source=RevisionSource.RELEASE, release=release, actor=None)


def last_release_content(step: Step) -> dict | None:
    revision = step.revisions.filter(source=RevisionSource.RELEASE).order_by("-number").first()
    return revision.content if revision else None


@transaction.atomic
def step_edited(*, step: Step, actor: User | None) -> StepRevision | None:
    """An author changed `step` in the admin: keep it as a local revision.

    Does nothing when the text is the same as the current revision's.
    """
    current = step.revisions.filter(number=step.revision).first()
    if current is not None and not content_differs(current.content, step_content(step)):
        return None
    return _record(
        step=step,
        source=RevisionSource.LOCAL,
        release=step.release,
        actor=actor,
        note=_("Edited in the admin"),
    )


@transaction.atomic
def step_revert(*, revision: StepRevision, actor: User | None) -> StepRevision:
    """Put `revision`'s text back into its step, as a new revision.

    Back to a release revision: the step counts as release content again
    (load_content updates it). Back to a local one: it stays a local edit.
    """
    step = Step.objects.select_for_update().get(pk=revision.step_id)
    for name in CONTENT_FIELDS:
        if name in revision.content:
            setattr(step, name, revision.content[name])
    step.full_clean(exclude=["module"])
    step.save(update_fields=[n for n in CONTENT_FIELDS if n in revision.content])
    return _record(
        step=step,
        source=revision.source,
        release=revision.release,
        actor=actor,
        note=_("Reverted to revision %(n)s") % {"n": revision.number},
    )
