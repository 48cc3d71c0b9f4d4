"""Equality monitoring of panel members: special category data (DPA 2018 Schedule 1
paragraph 8), given voluntarily, seen individually only by people with the "equality data"
right, and reported only as suppressed aggregates.

One row of answers per person (a contact), whichever panels they sit on. An answer is a
category's key, "prefer_not" (prefer not to say) or "" (not answered). Each answer column is
declared special category (common.special_category), so the audit keeps only that it
changed. A person who objects (objected_on) leaves every report and their answers are no
longer shown as answers.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, special_category, utcnow
from crm.models.user import User

PREFER_NOT = "prefer_not"

# The ONS 2021 census ethnic groups for England and Wales: 5 high-level groups, 19
# categories. A category's key starts with its group's key.
ETHNIC_GROUPS: dict[str, tuple[str, dict[str, str]]] = {
    "asian": (_l("Asian, Asian British or Asian Welsh"), {
        "asian_bangladeshi": _l("Bangladeshi"),
        "asian_chinese": _l("Chinese"),
        "asian_indian": _l("Indian"),
        "asian_pakistani": _l("Pakistani"),
        "asian_other": _l("Any other Asian background"),
    }),
    "black": (_l("Black, Black British, Black Welsh, Caribbean or African"), {
        "black_african": _l("African"),
        "black_caribbean": _l("Caribbean"),
        "black_other": _l("Any other Black, Black British or Caribbean background"),
    }),
    "mixed": (_l("Mixed or Multiple ethnic groups"), {
        "mixed_white_asian": _l("White and Asian"),
        "mixed_white_black_african": _l("White and Black African"),
        "mixed_white_black_caribbean": _l("White and Black Caribbean"),
        "mixed_other": _l("Any other Mixed or Multiple ethnic background"),
    }),
    "white": (_l("White"), {
        "white_british": _l("English, Welsh, Scottish, Northern Irish or British"),
        "white_irish": _l("Irish"),
        "white_gypsy": _l("Gypsy or Irish Traveller"),
        "white_roma": _l("Roma"),
        "white_other": _l("Any other White background"),
    }),
    "other": (_l("Other ethnic group"), {
        "other_arab": _l("Arab"),
        "other_any": _l("Any other ethnic group"),
    }),
}  # fmt: skip

def _category(group: str, label: str) -> str:
    return f"{group}: {label}"


# "Asian, Asian British or Asian Welsh: Indian", in the page's language.
ETHNICITIES: dict[str, str] = {
    key: LazyString(_category, group, label)
    for group, categories in ETHNIC_GROUPS.values()
    for key, label in categories.items()
}


def ethnic_group(category: str) -> str:
    """The high-level group's key of a category's key ("" or prefer_not as they are)."""
    for group, (_, categories) in ETHNIC_GROUPS.items():
        if category in categories:
            return group
    return category


# question key: (label, {category key: label}); reports count ethnicity by its 5 groups.
QUESTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "age_band": (_l("Age band"), {
        "16_24": _l("16 to 24"), "25_34": _l("25 to 34"), "35_44": _l("35 to 44"),
        "45_54": _l("45 to 54"),
        "55_64": _l("55 to 64"), "65_74": _l("65 to 74"), "75_over": _l("75 or over"),
    }),
    "disability": (_l("Disability"), {
        "yes": _l("Disabled (Equality Act 2010)"), "no": _l("Not disabled"),
    }),
    "ethnicity": (_l("Ethnic group"), ETHNICITIES),
    "religion": (_l("Religion or belief"), {
        "none": _l("No religion"), "christian": _l("Christian"), "buddhist": _l("Buddhist"),
        "hindu": _l("Hindu"), "jewish": _l("Jewish"), "muslim": _l("Muslim"), "sikh": _l("Sikh"),
        "other": _l("Any other religion or belief"),
    }),
    "sex": (_l("Sex"), {"female": _l("Female"), "male": _l("Male")}),
    "gender_same": (_l("Gender identity the same as the sex registered at birth"), {
        "yes": _l("Yes"), "no": _l("No"),
    }),
    "sexual_orientation": (_l("Sexual orientation"), {
        "straight": _l("Straight or heterosexual"), "gay_lesbian": _l("Gay or lesbian"),
        "bisexual": _l("Bisexual"), "other": _l("Any other sexual orientation"),
    }),
}  # fmt: skip

GIVEN_HOW: dict[str, str] = {
    "paper_form": _l("Paper form"),
    "online_form": _l("Online form"),
    "interview": _l("Interview"),
    "telephone": _l("Telephone"),
    "email": _l("Email"),
}


# An objection says the person is in equality monitoring: kept out of the history as the
# answers are (its date shown only with the equality data right).
OBJECTION = "Objected to equality monitoring"  # i18n: not interface (the audit's word)


class EqualityAnswers(db.Model):
    """One person's equality monitoring answers (at most one row per contact)."""

    __tablename__ = "equality_answers"
    # Labels the audit treats as special category besides the answers' own columns.
    __table_args__ = {"info": {"special_category_labels": (OBJECTION,)}}

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    age_band: Mapped[str] = mapped_column(String(20), default="",
                                          info=special_category("Age band"))  # fmt: skip
    disability: Mapped[str] = mapped_column(String(20), default="",
                                            info=special_category("Disability"))  # fmt: skip
    ethnicity: Mapped[str] = mapped_column(String(40), default="",
                                           info=special_category("Ethnic group"))  # fmt: skip
    religion: Mapped[str] = mapped_column(String(20), default="",
                                          info=special_category("Religion or belief"))  # fmt: skip
    sex: Mapped[str] = mapped_column(String(20), default="", info=special_category("Sex"))
    gender_same: Mapped[str] = mapped_column(
        String(20), default="",
        info=special_category("Gender identity the same as the sex registered at birth"))
    sexual_orientation: Mapped[str] = mapped_column(
        String(20), default="", info=special_category("Sexual orientation"))
    given_on: Mapped[date | None] = mapped_column(Date, info=special_category("Answers given on"))
    given_how: Mapped[str] = mapped_column(String(20), default="",
                                           info=special_category("How they were given"))
    # The person objected to their answers being used: they leave every report.
    objected_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EqualityView(db.Model):
    """Who looked at (or changed, or exported) whose answers, and when; never the values."""

    __tablename__ = "equality_views"
    __table_args__ = (Index("ix_equality_views_contact", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))

    user: Mapped[User | None] = relationship(lazy="joined")


class AreaPopulation(db.Model):
    """An Area's population profile: the percentage of its people in each category of a
    question (from the census), entered by an administrator to compare panels with."""

    __tablename__ = "area_populations"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(30), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    percent: Mapped[float] = mapped_column(Numeric(5, 2))
