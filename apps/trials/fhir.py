"""FHIR R4 output: questionnaire responses, total-score observations, a searchset Bundle.

Modelled on the US Core PHQ-9 QuestionnaireResponse example:

- one `QuestionnaireResponse` per completed administration; `linkId` is the
  item's link ID from the instrument definition; each answer is a
  `valueCoding` with the LOINC answer code (PHQ-9, GAD-7) or a code of the
  local WAI-SF-C code system, carrying its numeric value in the standard
  `ordinalValue` extension;
- one `Observation` per scorable total: LOINC total code (PHQ-9 44261-6,
  GAD-7 70274-6; WAI-SF-C: local code `total`), `valueQuantity` in `{score}`,
  `derivedFrom` the response; WAI-SF-C subscales as components;
- one `Questionnaire` per instrument in the bundle (search mode `include`), the
  canonical the responses point to, with the LOINC item codes (`item.code`)
  and answer options — R4 QuestionnaireResponse items carry no codes, so this
  is where the item codes live.

The subject is only an identifier: the pseudonymous participant ID. No names,
no free text; licensed WAI-SF-C wording is never included (items have no text).

Who answered (`author` and `source` of the response, `performer` of the
observation) follows from the questionnaire's definition:

- the client's questionnaires: the participant (a `Patient` reference by the
  same participant ID identifier as the subject);
- the practitioner's own (WAI-SF-T, `"respondent": "practitioner"`): a
  `PractitionerRole` reference, "the participant's practitioner", identified
  only by a pseudonym (`practitioner_pseudonym`): a keyed hash of the
  treatment and the practitioner who answered, so the two WAI-SF-Ts of one
  participant show whether the same PWP answered both (after a handover they
  differ), while nothing links one participant's practitioner to another's
  and no name, email address or user id is given. Never the patient.
Everything instrument-specific comes from the definitions
(`apps/questionnaires/instruments/*.json`).

`validate_bundle` checks the output with `fhir.resources.R4B` (structure only;
the tests also check codes, link IDs and totals).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils.crypto import salted_hmac

from apps.questionnaires.catalogue import scoring_definition
from apps.questionnaires.definitions import Definition

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _base() -> str:
    return settings.TRIALS_FHIR_SYSTEM_BASE.rstrip("/")


def participant_system() -> str:
    return f"{_base()}/participant-id"


PRACTITIONER_DISPLAY = "The participant's practitioner (PWP)"


def practitioner_role_system() -> str:
    return f"{_base()}/practitioner-role"


def practitioner_pseudonym(administration) -> str:
    """The pseudonym of whoever answered a practitioner's questionnaire, for this
    participant only: the same for the same practitioner and treatment, different
    for another treatment (keyed with SECRET_KEY; not reversible to the person)."""
    digest = salted_hmac(
        "apps.trials.fhir.practitioner",
        f"{administration.treatment_id}:{administration.answered_by_id or ''}",
    ).hexdigest()
    return f"pr-{digest[:16]}"


def _participant(participant_id: str) -> dict:
    return {"identifier": {"system": participant_system(), "value": participant_id}}


def respondent_reference(administration, definition: Definition, participant_id: str) -> dict:
    """Who answered, as a Reference: the participant, or for a practitioner's
    questionnaire (WAI-SF-T) the participant's practitioner by pseudonym."""
    if definition.for_practitioner:
        return {
            "type": "PractitionerRole",
            "identifier": {
                "system": practitioner_role_system(),
                "value": practitioner_pseudonym(administration),
            },
            "display": PRACTITIONER_DISPLAY,
        }
    return {"type": "Patient", **_participant(participant_id)}


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _resource_id(code: str) -> str:
    return code.replace("_", "-")


def questionnaire_url(definition: Definition) -> str:
    return f"{_base()}/Questionnaire/{_resource_id(definition.code)}"


def _uses_loinc(definition: Definition) -> bool:
    return definition.code_system == LOINC


def item_coding(definition: Definition, item) -> dict:
    if _uses_loinc(definition) and item.loinc:
        coding = {"system": LOINC, "code": item.loinc}
    else:
        coding = {"system": definition.code_system, "code": item.link_id}
    if item.text and definition.wording is None:
        coding["display"] = item.text
    return coding


def answer_coding(definition: Definition, item, value: int) -> dict:
    option = next((o for o in item.options if o.value == value), None)
    if option is not None and option.loinc_answer:
        coding = {"system": LOINC, "code": option.loinc_answer}
    else:
        coding = {"system": definition.code_system, "code": f"answer-{value}"}
    if option is not None:
        coding["display"] = option.label
    coding["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": value}]
    return coding


def total_coding(definition: Definition) -> dict:
    if definition.total.loinc:
        return {
            "system": LOINC,
            "code": definition.total.loinc,
            "display": f"{definition.short_name} total score",
        }
    return {
        "system": definition.code_system,
        "code": "total",
        "display": f"{definition.short_name} total score",
    }


def questionnaire(definition: Definition) -> dict:
    """The instrument as a FHIR Questionnaire (codes and options; licensed text left out)."""
    resource = {
        "resourceType": "Questionnaire",
        "id": _resource_id(definition.code),
        "url": questionnaire_url(definition),
        "version": definition.version,
        "name": "".join(ch for ch in definition.short_name if ch.isalnum()) or "Questionnaire",
        "title": definition.short_name,
        "status": "active",
        "subjectType": ["Patient"],
        "item": [],
    }
    if definition.loinc:
        resource["code"] = [{"system": LOINC, "code": definition.loinc.panel}]
    for item in definition.items:
        entry = {
            "linkId": item.link_id,
            "code": [item_coding(definition, item)],
            "type": "choice",
            "required": item.required,
            "answerOption": [
                {"valueCoding": answer_coding(definition, item, o.value)} for o in item.options
            ],
        }
        if item.text and definition.wording is None:
            entry["text"] = item.text
        resource["item"].append(entry)
    return resource


def questionnaire_response(
    administration, answers: Iterable[tuple[int, int]], participant_id: str
) -> dict:
    """A completed administration as a QuestionnaireResponse. `answers`: (item, value)."""
    definition = scoring_definition(administration.instrument)
    values = dict(answers)
    items = []
    for item in definition.items:
        if item.n not in values:
            continue
        entry = {
            "linkId": item.link_id,
            "answer": [{"valueCoding": answer_coding(definition, item, values[item.n])}],
        }
        if item.text and definition.wording is None:
            entry["text"] = item.text
        items.append(entry)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"qr-{administration.pk}",
        "identifier": {"system": f"{_base()}/administration", "value": str(administration.pk)},
        "questionnaire": f"{questionnaire_url(definition)}|{definition.version}",
        "status": "completed",
        "subject": _participant(participant_id),
        "authored": _instant(administration.completed_at),
        "author": respondent_reference(administration, definition, participant_id),
        "source": respondent_reference(administration, definition, participant_id),
        "item": items,
    }


def total_observation(administration, participant_id: str) -> dict | None:
    """The total score as an Observation; None when the administration was not scorable."""
    if not administration.valid or administration.total is None:
        return None
    definition = scoring_definition(administration.instrument)
    obs = {
        "resourceType": "Observation",
        "id": f"obs-{administration.pk}",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {"coding": [total_coding(definition)], "text": f"{definition.short_name} total"},
        "subject": _participant(participant_id),
        "effectiveDateTime": _instant(administration.completed_at),
        "performer": [respondent_reference(administration, definition, participant_id)],
        "valueQuantity": {
            "value": administration.total,
            "unit": "{score}",
            "system": UCUM,
            "code": "{score}",
        },
        "derivedFrom": [{"reference": f"QuestionnaireResponse/qr-{administration.pk}"}],
    }
    if administration.band:
        try:
            obs["interpretation"] = [{"text": definition.band(administration.band).label}]
        except KeyError:
            pass
    if administration.prorated:
        obs["note"] = [
            {
                "text": f"Prorated from {administration.n_answered} answered items "
                f"(raw sum {administration.raw_sum})."
            }
        ]
    components = [
        {
            "code": {"coding": [{"system": definition.code_system, "code": name}], "text": name},
            "valueQuantity": {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"},
        }
        for name, value in (administration.subscales or {}).items()
        if value is not None
    ]
    if components:
        obs["component"] = components
    return obs


def bundle(administrations, *, total: int, links: dict[str, str] | None = None) -> dict:
    """A searchset Bundle: responses (match) with their observations and
    questionnaires (include). `administrations` have `answers` prefetched and
    `treatment` selected."""
    base = _base()
    entries = []
    instruments = []
    for adm in administrations:
        pid = adm.treatment.participant_id
        answers = [(a.item, a.value) for a in adm.answers.all()]
        qr = questionnaire_response(adm, answers, pid)
        entries.append(
            {
                "fullUrl": f"{base}/QuestionnaireResponse/{qr['id']}",
                "resource": qr,
                "search": {"mode": "match"},
            }
        )
        obs = total_observation(adm, pid)
        if obs is not None:
            entries.append(
                {
                    "fullUrl": f"{base}/Observation/{obs['id']}",
                    "resource": obs,
                    "search": {"mode": "include"},
                }
            )
        if adm.instrument not in instruments:
            instruments.append(adm.instrument)
    for code in instruments:
        q = questionnaire(scoring_definition(code))
        entries.append(
            {
                "fullUrl": f"{base}/Questionnaire/{q['id']}",
                "resource": q,
                "search": {"mode": "include"},
            }
        )
    result = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "timestamp": _instant(datetime.datetime.now(datetime.UTC)),
        "entry": entries,
    }
    if links:
        result["link"] = [{"relation": rel, "url": url} for rel, url in links.items() if url]
    return result


def validate_bundle(data: dict):
    """Parse with fhir.resources R4B (raises pydantic ValidationError when invalid)."""
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(data)
