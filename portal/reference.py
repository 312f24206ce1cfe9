"""Reference data of respondents: the 193 Member States with their regional groups, and a
starting set of intergovernmental organizations and network institutes."""

from __future__ import annotations

from pathlib import Path

import yaml

REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "respondents.yaml"


def load_respondents(respondent_model=None) -> dict[str, int]:
    """Create or update every respondent of the reference file (idempotent). Takes the model
    so that the data migration can pass its historical one."""
    if respondent_model is None:
        from portal.models import Respondent as respondent_model
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    rows = [
        ("member_state", s["iso3"], s["name_en"], s["name_fr"], s["group"]) for s in data["member_states"]
    ]
    rows += [("organization", o["code"], o["name_en"], o["name_fr"], "") for o in data["organizations"]]
    rows += [("institute", i["code"], i["name_en"], i["name_fr"], "") for i in data["institutes"]]
    created = updated = 0
    for kind, code, name_en, name_fr, group in rows:
        _, was_created = respondent_model.objects.update_or_create(
            code=code,
            defaults={"kind": kind, "name_en": name_en, "name_fr": name_fr, "regional_group": group},
        )
        created += was_created
        updated += not was_created
    return {"created": created, "updated": updated}
