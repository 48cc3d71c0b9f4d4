"""The stakeholder and community mapping exercise the objectives paper asks each Area for:
the influence x interest grid, recording a dated exercise, and comparing two.

A stakeholder's cell follows from its two scores by one rule, `cell_of`. The register's
grid reads the register's scores, filtered exactly as the register is (its own filters
and Area scoping); an exercise's grid reads the exercise's own snapshot.

The register's scores are the latest exercise's: recording an Area's latest exercise sets
each stakeholder's scores to the exercise's, audited, so the stakeholder's history shows
the change; recording an earlier one (a paper exercise typed in late) keeps its snapshot
and leaves the register alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import Area, MappingExercise, MappingPosition, Stakeholder, User
from crm.services import access, records
from crm.services.records import InvalidValue
from crm.services.stakeholders import KIND as STAKEHOLDER
from crm.services.stakeholders import StakeholderFilters, filter_conditions

KIND = "mapping_exercise"
SCORES = range(1, 6)
HIGH = 3

NOT_ASSESSED = "not_assessed"
CELLS: dict[str, str] = {
    "manage_closely": _l("Manage closely"),
    "keep_satisfied": _l("Keep satisfied"),
    "keep_informed": _l("Keep informed"),
    "monitor": _l("Monitor"),
    NOT_ASSESSED: _l("Not yet assessed"),
}
# What each cell asks of the Area, said under its heading.
ADVICE: dict[str, str] = {
    "manage_closely": _l("High influence and high interest: involve them fully and often."),
    "keep_satisfied": _l("High influence, lower interest: meet their needs, keep them on side."),
    "keep_informed": _l("High interest, lower influence: keep them told, hear what they say."),
    "monitor": _l("Lower influence and lower interest: watch for change, do not overload them."),
    NOT_ASSESSED: _l("No influence and interest scores yet."),
}
# The grid as drawn: higher influence on the top row, higher interest on the right.
ROWS = (("keep_satisfied", "manage_closely"), ("monitor", "keep_informed"))
# Names listed in one cell of the register's grid; the count is always the whole cell.
SHOWN_PER_CELL = 200


def cell_of(influence: int | None, interest: int | None) -> str:
    """The grid's cell for a stakeholder's influence and interest (each 1 low to 5 high).

    3 and above is high. On a 1 to 5 scale, 3 is the middle score, the one given when
    unsure; counting it as high means a stakeholder we cannot yet place gets more of our
    attention, not less (a middling group is managed closely, not merely monitored).
    Without both scores a stakeholder is in no cell: not yet assessed.
    """
    if influence is None or interest is None:
        return NOT_ASSESSED
    if influence >= HIGH:
        return "manage_closely" if interest >= HIGH else "keep_satisfied"
    return "keep_informed" if interest >= HIGH else "monitor"


def scores_text(influence: int | None, interest: int | None) -> str:
    if influence is None or interest is None:
        return _("Not yet assessed")
    return _("Influence %(influence)s, interest %(interest)s", influence=influence,
             interest=interest)  # fmt: skip


@dataclass(frozen=True)
class Placed:
    """A stakeholder on a grid: its scores, the note given, and whether its page opens."""

    stakeholder_id: int
    name: str
    influence: int | None
    interest: int | None
    note: str = ""
    archived: bool = False
    opens: bool = True

    @property
    def cell(self) -> str:
        return cell_of(self.influence, self.interest)

    @property
    def cell_label(self) -> str:
        return CELLS[self.cell]

    @property
    def scores(self) -> str:
        return scores_text(self.influence, self.interest)


@dataclass
class Grid:
    """Stakeholders by cell, in name order (the first `SHOWN_PER_CELL` of a register
    cell), and how many each cell holds."""

    cells: dict[str, list[Placed]] = field(default_factory=lambda: {c: [] for c in CELLS})
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CELLS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def grid_of(placed: Iterable[Placed], shown: int | None = None) -> Grid:
    """Stakeholders sorted into their cells (at most `shown` listed in each)."""
    grid = Grid()
    for p in placed:
        grid.counts[p.cell] += 1
        if shown is None or len(grid.cells[p.cell]) < shown:
            grid.cells[p.cell].append(p)
    return grid


def grid(user: User, filters: StakeholderFilters) -> Grid:
    """The register's grid: the stakeholders the register would list with these filters.

    Read as plain rows, not ORM objects: an Area may hold thousands of stakeholders.
    """
    rows = db.session.execute(
        select(Stakeholder.id, Stakeholder.name, Stakeholder.influence, Stakeholder.interest,
               Stakeholder.archived_at)
        .where(*filter_conditions(user, filters))
        .order_by(Stakeholder.name, Stakeholder.id)
    )  # fmt: skip
    return grid_of(
        (Placed(i, name, influence, interest, archived=archived_at is not None)
         for i, name, influence, interest, archived_at in rows),
        SHOWN_PER_CELL,
    )  # fmt: skip


# Exercises: reading


def exercise_conditions(user: User) -> list:
    return [*access.area_conditions(MappingExercise.area_id, user),
            MappingExercise.archived_at.is_(None)]  # fmt: skip


def list_exercises(user: User, area_id: int | None = None) -> list[MappingExercise]:
    """The exercises in the user's Areas (or one of them), newest first."""
    conditions = exercise_conditions(user)
    if area_id:
        conditions.append(MappingExercise.area_id == area_id)
    stmt = (
        select(MappingExercise)
        .where(*conditions)
        .options(selectinload(MappingExercise.area), selectinload(MappingExercise.run_by))
        .order_by(MappingExercise.held_on.desc(), MappingExercise.id.desc())
    )
    return list(db.session.scalars(stmt))


def position_counts(exercises: list[MappingExercise]) -> dict[int, int]:
    """How many stakeholders each exercise placed."""
    if not exercises:
        return {}
    stmt = (
        select(MappingPosition.exercise_id, func.count())
        .where(MappingPosition.exercise_id.in_([e.id for e in exercises]))
        .group_by(MappingPosition.exercise_id)
    )
    return {exercise_id: count for exercise_id, count in db.session.execute(stmt)}


def previous_of(exercises: list[MappingExercise]) -> dict[int, MappingExercise]:
    """For each exercise (listed newest first), the one before it in its Area."""
    found: dict[int, MappingExercise] = {}
    later: dict[int, MappingExercise] = {}
    for exercise in exercises:
        if exercise.area_id in later:
            found[later[exercise.area_id].id] = exercise
        later[exercise.area_id] = exercise
    return found


def get_exercise(user: User, exercise_id: int, include_archived: bool = False
                 ) -> MappingExercise:  # fmt: skip
    return access.get_scoped(MappingExercise, exercise_id, user,
                             include_archived=include_archived)  # fmt: skip


def get_area(user: User, area_id: int | None) -> Area:
    """An Area the user works in, or not found (exactly as a missing one)."""
    area = db.session.get(Area, area_id) if area_id else None
    if area is None or not access.can_see_area(user, area.id):
        raise access.RecordNotFound()
    return area


def _order(area_id: int):
    return (
        select(MappingExercise)
        .where(MappingExercise.area_id == area_id, MappingExercise.archived_at.is_(None))
        .order_by(MappingExercise.held_on.desc(), MappingExercise.id.desc())
    )


def latest_exercise(area_id: int) -> MappingExercise | None:
    """The Area's latest exercise (the later recorded of two on one day): the one whose
    scores the register holds."""
    return db.session.scalars(_order(area_id).limit(1)).first()


def earlier_exercise(exercise: MappingExercise) -> MappingExercise | None:
    """The Area's exercise just before this one."""
    earlier = (MappingExercise.held_on < exercise.held_on) | (
        (MappingExercise.held_on == exercise.held_on) & (MappingExercise.id < exercise.id)
    )
    return db.session.scalars(_order(exercise.area_id).where(earlier).limit(1)).first()


def placed_in(user: User, exercise: MappingExercise) -> list[Placed]:
    """The exercise's snapshot, in name order."""
    opens_archived = access.can(user, "administer", "archived")
    stmt = (
        select(MappingPosition, Stakeholder.name, Stakeholder.archived_at)
        .join(Stakeholder, Stakeholder.id == MappingPosition.stakeholder_id)
        .where(MappingPosition.exercise_id == exercise.id)
        .order_by(Stakeholder.name, Stakeholder.id)
    )
    return [
        Placed(p.stakeholder_id, name, p.influence, p.interest, p.note,
               archived=archived_at is not None, opens=archived_at is None or opens_archived)
        for p, name, archived_at in db.session.execute(stmt)
    ]  # fmt: skip


def _may_run(area_id: int):
    """Who may be named as running an Area's exercise: active staff of the Area, or national."""
    return User.active.is_(True) & (User.is_national.is_(True) | User.areas.any(Area.id == area_id))


def possible_runners(area: Area) -> list[User]:
    return list(db.session.scalars(select(User).where(_may_run(area.id)).order_by(User.name)))


def live_stakeholders(area: Area) -> list[Stakeholder]:
    """Every live stakeholder of the Area: the rows of the exercise form."""
    stmt = (
        select(Stakeholder)
        .where(Stakeholder.area_id == area.id, Stakeholder.archived_at.is_(None))
        .order_by(Stakeholder.name, Stakeholder.id)
    )
    return list(db.session.scalars(stmt))


# Exercises: recording


@dataclass(frozen=True)
class Position:
    """One stakeholder's scores as entered (both None: not yet assessed)."""

    stakeholder_id: int
    influence: int | None
    interest: int | None
    note: str = ""


def describe(e: MappingExercise) -> dict[str, str]:
    return {  # i18n: not interface (the audit trail keeps its words as written)
        "Area": e.area.name if e.area else "",
        "Date held": records.iso_day(e.held_on),
        "Run by": e.run_by.name if e.run_by else "",
        "Title": e.title or "",
        "Notes": e.notes or "",
        "Stakeholders placed": str(len(e.positions)),
    }


def _scores(s: Stakeholder) -> dict[str, str]:
    """The part of a stakeholder's audit description an exercise changes, labelled as
    stakeholders.describe labels it (the whole description would read its communities,
    Area and owner for each of an Area's stakeholders, for nothing)."""
    return {
        "Influence": "" if s.influence is None else str(s.influence),
        "Interest": "" if s.interest is None else str(s.interest),
    }


def _check(user: User, area_id: int | None, held_on: date | None, run_by_id: int | None,
           positions: list[Position]) -> dict[int, Stakeholder]:  # fmt: skip
    """Every rule of an exercise; the Area's live stakeholders it places, by id."""
    if not access.can_place_in(user, area_id):
        raise InvalidValue("area_id", _("Select an Area you work in"))
    if held_on is None:
        raise InvalidValue("held_on", _("Enter the date of the exercise"))
    if held_on > clock.today():
        raise InvalidValue("held_on", _("Date of the exercise must be today or in the past"))
    runner = select(User.id).where(User.id == run_by_id, _may_run(area_id))
    if not run_by_id or db.session.scalar(runner) is None:
        raise InvalidValue("run_by_id", _("Select who ran the exercise from the list"))
    wanted = [p.stakeholder_id for p in positions]
    if not wanted:
        raise InvalidValue("held_on", _("Add the Area's stakeholders to the register first"))
    found = {s.id: s for s in db.session.scalars(select(Stakeholder).where(
        Stakeholder.id.in_(wanted), Stakeholder.area_id == area_id,
        Stakeholder.archived_at.is_(None)))}  # fmt: skip
    if len(set(wanted)) != len(wanted) or len(found) != len(wanted):
        raise InvalidValue("held_on", _("Place each of the Area's stakeholders once"))
    for p in positions:
        name = found[p.stakeholder_id].name
        for aspect, score in (("influence", p.influence), ("interest", p.interest)):
            if score is not None and score not in SCORES:
                message = (_("Influence of %(name)s must be between 1 and 5", name=name)
                           if aspect == "influence" else
                           _("Interest of %(name)s must be between 1 and 5", name=name))
                raise InvalidValue(f"{aspect}_{p.stakeholder_id}", message)
        if (p.influence is None) != (p.interest is None):
            raise InvalidValue(
                f"interest_{p.stakeholder_id}",
                _("Enter both influence and interest for %(name)s, or neither", name=name),
            )
    return found


def record_exercise(user: User, area_id: int | None, held_on: date | None,
                    positions: list[Position], run_by_id: int | None, title: str = "",
                    notes: str = "") -> MappingExercise:  # fmt: skip
    """Save an exercise's snapshot; if it is the Area's latest, set each stakeholder's
    register scores to it (each change audited on the stakeholder). Refused whole, with
    a message for the field at fault, if any rule fails; the caller commits."""
    access.require(user, "add", KIND)
    stakeholders = _check(user, area_id, held_on, run_by_id, positions)
    exercise = MappingExercise(area_id=area_id, held_on=held_on, run_by_id=run_by_id,
                               title=title, notes=notes)  # fmt: skip
    exercise.positions = [
        MappingPosition(stakeholder_id=p.stakeholder_id, influence=p.influence,
                        interest=p.interest, note=p.note)
        for p in positions
    ]  # fmt: skip
    records.create_audited(user, KIND, exercise, describe)
    latest = latest_exercise(exercise.area_id)
    if latest is not None and latest.id == exercise.id:
        for p in positions:
            _set_scores(user, stakeholders[p.stakeholder_id], p)
    return exercise


def set_archived(user: User, exercise: MappingExercise, archived: bool) -> None:
    """Archive an exercise recorded in error (leads and administrators), or restore one
    (administrators). The register's scores stay the latest live exercise's: archiving the
    latest puts back the one before it, restoring one that is the latest puts it back;
    stakeholders the exercise now latest did not place keep the scores they have. Each
    change is audited on the stakeholder; the caller commits."""
    was_latest = latest_exercise(exercise.area_id)
    records.set_archived(user, KIND, exercise, archived)
    latest = latest_exercise(exercise.area_id)
    if latest is None or (was_latest is not None and latest.id == was_latest.id):
        return  # the latest is as it was: the register already holds its scores
    live = {s.id: s for s in db.session.scalars(select(Stakeholder).where(
        Stakeholder.id.in_([p.stakeholder_id for p in latest.positions]),
        Stakeholder.archived_at.is_(None)))}  # fmt: skip
    for p in latest.positions:
        if p.stakeholder_id in live:
            _set_scores(user, live[p.stakeholder_id],
                        Position(p.stakeholder_id, p.influence, p.interest))  # fmt: skip


def _set_scores(user: User, s: Stakeholder, p: Position) -> None:
    if (s.influence, s.interest) == (p.influence, p.interest):
        return

    def mutate() -> None:
        s.influence, s.interest = p.influence, p.interest

    records.update_audited(user, STAKEHOLDER, s, None, _scores, mutate)


# Comparing two exercises


@dataclass(frozen=True)
class Move:
    before: Placed
    after: Placed


@dataclass
class Comparison:
    """Between an earlier and a later exercise of one Area: who changed cell, who is new
    in the later one, who dropped out of it (archived since, say), and how many stayed."""

    moved: list[Move]
    new: list[Placed]
    dropped: list[Placed]
    stayed: int


def compare(user: User, a: MappingExercise, b: MappingExercise) -> Comparison:
    """What changed from exercise a to exercise b (both of one Area)."""
    if a.area_id != b.area_id:
        raise InvalidValue("to", _("Choose two exercises from the same Area"))
    before = {p.stakeholder_id: p for p in placed_in(user, a)}
    after = {p.stakeholder_id: p for p in placed_in(user, b)}
    moved = [Move(before[i], p) for i, p in after.items()
             if i in before and before[i].cell != p.cell]  # fmt: skip
    return Comparison(
        moved=moved,
        new=[p for i, p in after.items() if i not in before],
        dropped=[p for i, p in before.items() if i not in after],
        stayed=sum(1 for i, p in after.items() if i in before and before[i].cell == p.cell),
    )
