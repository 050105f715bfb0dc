"""Writes for mood ratings and goals. Callers check access first (apps.care.access)."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.care.models import CANCELLED_STATUSES, OPEN_STATUSES, Appointment, Treatment
from apps.core.errors import DomainError
from apps.safety.models import RiskSource
from apps.safety.services import risk_screen_client_text
from apps.tracking.clock import local_today
from apps.tracking.models import (
    GOAL_RATING_MAX,
    GOAL_RATING_MIN,
    MOOD_MAX,
    MOOD_MIN,
    Goal,
    GoalComment,
    GoalRating,
    GoalStatus,
    MoodRating,
    MoodTag,
)


def _open_treatment(client: User) -> Treatment | None:
    return Treatment.objects.filter(client=client, status__in=OPEN_STATUSES).first()


def _clean(obj, *, exclude: list[str] | None = None) -> None:
    """full_clean, turning the first problem into a DomainError on its field."""
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


def _screen(*, actor: User, client: User, subject, source: str, texts) -> None:
    """A client's own text goes through the risk screen (apps.safety); a match raises
    a risk alert to their PWP in the caller's transaction. Text a practitioner
    writes with the client is not screened (they are the one who would be told)."""
    if actor.pk == client.pk:
        risk_screen_client_text(
            treatment=_open_treatment(client), subject=subject, source=source, texts=texts
        )


def _check_client(client: User) -> None:
    if not client.is_client:
        raise DomainError(_("Only clients rate their mood and set goals."))


def mood_rate(
    *,
    client: User,
    value: int,
    note: str | None = None,
    tags: Iterable[str] | None = None,
    now: datetime.datetime | None = None,
) -> MoodRating:
    """Record today's mood (today in the client's own time zone); rating again updates it.

    `note` and `tags` left as None keep what today's rating already has, so a
    quick re-rate never wipes a note. The rating is linked to the client's open
    treatment, or to none after treatment ends. Raises DomainError for a value
    outside 1-10 or an unknown tag. A double submit makes one record: the
    database allows one rating per client per day and a lost race updates.
    """
    _check_client(client)
    if not isinstance(value, int) or not MOOD_MIN <= value <= MOOD_MAX:
        raise DomainError(_("Choose a number from 1 to 10."), field="value")
    if tags is not None:
        tags = list(dict.fromkeys(tags))
        if unknown := set(tags) - set(MoodTag.values):
            raise DomainError(_("Choose from the list."), field="tags") from ValueError(unknown)
    now = now or timezone.now()
    rated_on = local_today(client, now=now)
    treatment = _open_treatment(client)
    for attempt in range(2):
        try:
            with transaction.atomic():
                rating = (
                    MoodRating.objects.select_for_update()
                    .filter(client=client, rated_on=rated_on)
                    .first()
                )
                if rating is None:
                    rating = MoodRating(client=client, rated_on=rated_on, created_at=now)
                rating.value = value
                rating.treatment = treatment
                if note is not None:
                    rating.note = note.strip()
                if tags is not None:
                    rating.tags = tags
                _clean(rating, exclude=["client", "treatment"])
                rating.save()
                if note is not None and rating.note:
                    _screen(
                        actor=client,
                        client=client,
                        subject=rating,
                        source=RiskSource.MOOD_NOTE_SAFETY_WORDS,
                        texts=[rating.note],
                    )
                return rating
        except IntegrityError:
            # Another request created today's rating between our read and write.
            if attempt:
                raise
    raise AssertionError("unreachable")


def goal_create(
    *,
    actor: User,
    client: User,
    title: str,
    why_it_matters: str = "",
    how_ill_know: str = "",
    target_date: datetime.date | None = None,
) -> Goal:
    """Create a goal for `client`, set by the client or by a PWP with them.

    The caller has already checked that `actor` may write to `client`'s
    treatment (a client acting for themselves, or staff through
    `treatment_get_for_user(..., write=True)`). Linked to the open treatment, if
    any. Raises DomainError for an empty title or a target date in the past.
    """
    _check_client(client)
    if actor.is_client and actor.pk != client.pk:
        raise DomainError(_("You can only set goals for yourself."))
    title = title.strip()
    if not title:
        raise DomainError(_("Enter what you will do."), field="title")
    if target_date and target_date < local_today(client):
        raise DomainError(_("The date must be today or in the future."), field="target_date")
    goal = Goal(
        client=client,
        treatment=_open_treatment(client),
        title=title,
        why_it_matters=why_it_matters.strip(),
        how_ill_know=how_ill_know.strip(),
        target_date=target_date,
        created_by=actor,
    )
    with transaction.atomic():
        _clean(goal, exclude=["client", "treatment", "created_by"])
        goal.save()
        _screen(
            actor=actor,
            client=client,
            subject=goal,
            source=RiskSource.GOAL_SAFETY_WORDS,
            texts=[goal.title, goal.why_it_matters, goal.how_ill_know],
        )
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: User,
    goal: Goal,
    title: str,
    why_it_matters: str = "",
    how_ill_know: str = "",
    target_date: datetime.date | None = None,
) -> Goal:
    """Change a goal's wording or date. Access is the caller's job, as for goal_create."""
    title = title.strip()
    if not title:
        raise DomainError(_("Enter what you will do."), field="title")
    if target_date and target_date != goal.target_date and target_date < local_today(goal.client):
        raise DomainError(_("The date must be today or in the future."), field="target_date")
    goal.title = title
    goal.why_it_matters = why_it_matters.strip()
    goal.how_ill_know = how_ill_know.strip()
    goal.target_date = target_date
    _clean(goal, exclude=["client", "treatment", "created_by"])
    goal.save()
    _screen(
        actor=actor,
        client=goal.client,
        subject=goal,
        source=RiskSource.GOAL_SAFETY_WORDS,
        texts=[goal.title, goal.why_it_matters, goal.how_ill_know],
    )
    return goal


@transaction.atomic
def goal_set_status(*, actor: User, goal: Goal, status: str) -> Goal:
    """Mark a goal achieved, stopped or active again. Idempotent."""
    if status not in GoalStatus.values:
        raise DomainError(_("Choose a status from the list."), field="status")
    if goal.status != status:
        goal.status = status
        goal.status_changed_at = timezone.now()
        goal.save(update_fields=["status", "status_changed_at", "updated_at"])
    return goal


@transaction.atomic
def goal_rate(
    *,
    actor: User,
    goal: Goal,
    value: int,
    note: str = "",
    now: datetime.datetime | None = None,
) -> GoalRating:
    """Record 'how close I am now' (0-10) for `goal`. Raises DomainError outside 0-10."""
    if not isinstance(value, int) or not GOAL_RATING_MIN <= value <= GOAL_RATING_MAX:
        raise DomainError(_("Choose a number from 0 to 10."), field="value")
    rating = GoalRating(
        goal=goal, value=value, note=note.strip(), rated_by=actor, rated_at=now or timezone.now()
    )
    _clean(rating, exclude=["goal", "rated_by"])
    rating.save()
    if rating.note:
        _screen(
            actor=actor,
            client=goal.client,
            subject=rating,
            source=RiskSource.GOAL_SAFETY_WORDS,
            texts=[rating.note],
        )
    return rating


@transaction.atomic
def goal_comment_add(*, actor: User, goal: Goal, text: str) -> GoalComment:
    """The client or their practitioner comments on a goal; both see every comment.

    Access is the caller's job, as for goal_create. A client's comment goes
    through the risk screen. Raises DomainError for an empty comment.
    """
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your comment before you send it."), field="text")
    comment = GoalComment(goal=goal, author=actor, text=text)
    _clean(comment, exclude=["goal", "author"])
    comment.save()
    _screen(
        actor=actor,
        client=goal.client,
        subject=comment,
        source=RiskSource.GOAL_SAFETY_WORDS,
        texts=[text],
    )
    return comment


@transaction.atomic
def goal_agree_in_session(*, actor: User, goal: Goal, appointment: Appointment | None) -> Goal:
    """Mark a goal as agreed in `appointment` (None clears it).

    The session must belong to the goal's treatment, have started and not have
    been cancelled. Raises DomainError otherwise.
    """
    if appointment is not None:
        if appointment.treatment_id != goal.treatment_id:
            raise DomainError(_("Choose a session of this client"), field="appointment")
        if appointment.status in CANCELLED_STATUSES or appointment.starts_at > timezone.now():
            raise DomainError(_("Choose a session that has already happened"), field="appointment")
    goal.agreed_in = appointment
    goal.save(update_fields=["agreed_in", "updated_at"])
    return goal
