"""The scoring method in the users' words: what each KPI means, and why a decision carries each
flag. One wording, used by the KPI cards, the "why" pages, How scores work and a decision's
page, so that harm is always "rated −2 (harm) or −3 (serious harm)"."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from scorecard.domain.rules import IMPACT_WORDS
from scorecard.domain.scoring import HARM_AT, KPI_COLUMNS

HARM_RULE = "a group rated −2 (harm) or −3 (serious harm)"

KPI_DEFINITIONS = {
    "Composite": "The weighted mean of the other KPIs, each put on a 0–100 scale "
    "(for Harm % and the calibration error, lower is better, so the scale is turned round). "
    "A KPI with nothing to measure drops out and the others are re-weighted.",
    "Decisions": "How many decisions were decided in the quarter and count in the scores "
    "(decided or reviewed; drafts and archived decisions count nowhere).",
    "Impact index": "The mean of each decision's impact index: its weighted impact on every "
    "stakeholder group, from −100 (serious harm to everyone) to +100 (strong benefit to all).",
    "Shared value %": "The share of decisions that are good for society (societal index above 0) "
    f"and for the business (business index above 0), with no {HARM_RULE}.",
    "Harm %": f"The share of decisions with {HARM_RULE}. Lower is better.",
    "Waste-neutral %": "The share of decisions that avoid at least as much waste, in money, as "
    "they create, compared with the alternative not chosen.",
    "Net waste avoided": "Money: the waste each decision avoids minus the waste it creates, at "
    "each category's unit cost, added over the decisions.",
    "Net CO2e avoided (kg)": "Kilograms of CO2e: avoided minus created, at each category's "
    "CO2e factor, added over the decisions.",
    "Consultation %": "The mean, over the decisions that affect some group, of the share of "
    "affected groups that were asked before deciding.",
    "Review %": "Of the decisions whose review falls due in the quarter (decided in any "
    "quarter), the share reviewed by the last day of that quarter.",
    "Calibration error": "Over the reviews done in the quarter, how far each estimated impact "
    "was from the impact found at review: the mean gap, 0 (spot on) to 6. Lower is better.",
}
KPI_SLUGS = {name: re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") for name in KPI_COLUMNS}
KPI_BY_SLUG = {slug: name for name, slug in KPI_SLUGS.items()}


def _rated(name: str, impact: int) -> str:
    return f"{name} is rated {impact:+d} ({IMPACT_WORDS.get(impact, str(impact))})".replace(
        "+", "+" if impact > 0 else ""
    ).replace("-", "−")


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def flag_reasons(
    impacts: Mapping[str, int],
    consulted: Mapping[str, bool],
    figures: Mapping[str, float],
) -> dict[str, str]:
    """Why a decision has (or lacks) each flag, in the method's words.

    impacts and consulted: by group name, the scored groups only; figures: its FIGURE_COLUMNS.
    """
    harmed = [(name, value) for name, value in impacts.items() if value <= HARM_AT]
    if harmed:
        said = " and ".join(_rated(name, value) for name, value in harmed)
        harm = f"Harm: {said}; −2 or lower counts as harm."
    else:
        harm = "No harm: no group is rated −2 or lower."

    societal, business = figures.get("societal_index"), figures.get("business_index")
    if figures.get("shared_value"):
        shared = (
            f"Shared value: good for society (societal index {_signed(societal)}) and for the "
            f"business (business index {_signed(business)}), harming no group."
        )
    elif harmed:
        shared = f"No shared value: it has {HARM_RULE}."
    else:
        missing = []
        if societal is None or math.isnan(societal) or round(societal, 9) <= 0:
            missing.append(f"the societal index is {_signed(societal or 0.0)}")
        if business is not None and not math.isnan(business) and round(business, 9) <= 0:
            missing.append(f"the business index is {_signed(business)}")
        shared = f"No shared value: {' and '.join(missing)}; both must be above 0."

    net = float(figures.get("net_waste", 0.0))
    if round(net, 9) >= 0:
        waste = f"Waste-neutral: it avoids {net:,.0f} more than it creates, in money."
    else:
        waste = f"Not waste-neutral: it creates {-net:,.0f} more than it avoids, in money."

    affected = [name for name, value in impacts.items() if value != 0]
    asked = [name for name in affected if consulted.get(name)]
    if not affected:
        consultation = "Consultation does not count: no group is affected."
    else:
        share = 100 * len(asked) / len(affected)
        who = f" ({', '.join(asked)})" if asked else ""
        consultation = (
            f"Consultation {share:.0f} %: {len(asked)} of the {len(affected)} affected groups "
            f"were asked{who}."
        )
    return {"harm": harm, "shared": shared, "waste": waste, "consultation": consultation}
