"""Reference data of respondents: the 193 Member States with their regional groups, and a
starting set of intergovernmental organizations and network institutes, named in the six
official languages of the United Nations."""

from __future__ import annotations

from pathlib import Path

import yaml

REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "respondents.yaml"

# The languages other than English and French, whose names go to Respondent.names.
OTHER_LANGUAGES = ("ar", "zh", "ru", "es")


def load_respondents(respondent_model=None) -> dict[str, int]:
    """Create or update every respondent of the reference file (idempotent). Takes the model
    so that the data migrations can pass their historical one; the names in Arabic, Chinese,
    Russian and Spanish are written only where that model has the `names` field."""
    if respondent_model is None:
        from portal.models import Respondent as respondent_model
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    has_names = any(f.name == "names" for f in respondent_model._meta.get_fields())
    entries = [("member_state", s["iso3"], s["group"], s) for s in data["member_states"]]
    entries += [("organization", o["code"], "", o) for o in data["organizations"]]
    entries += [("institute", i["code"], "", i) for i in data["institutes"]]
    created = updated = 0
    for kind, code, group, entry in entries:
        defaults = {
            "kind": kind,
            "name_en": entry["name_en"],
            "name_fr": entry["name_fr"],
            "regional_group": group,
        }
        if has_names:
            defaults["names"] = {lang: entry[f"name_{lang}"] for lang in OTHER_LANGUAGES}
        _, was_created = respondent_model.objects.update_or_create(code=code, defaults=defaults)
        created += was_created
        updated += not was_created
    return {"created": created, "updated": updated}
