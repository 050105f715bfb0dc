"""FHIR R4 output: valid per fhir.resources.R4B, plus codes, link IDs, totals and item 9."""

import json

import pytest
from rest_framework.test import APIClient

from apps.questionnaires.catalogue import scoring_definition
from apps.trials import fhir
from tests.factories import UserFactory
from tests.trials.factories import SECRETS, practitioner_answers, t

LOINC = "http://loinc.org"
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8", "69722-7"]  # fmt: skip
PHQ9_ANSWERS = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}


@pytest.fixture
def bundle(trial):
    api = APIClient()
    api.force_authenticate(UserFactory(is_trial_manager=True))
    response = api.get("/api/v1/fhir/questionnaire-responses/?limit=100")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    return json.loads(response.content)


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _ordinal(answer):
    (ext,) = answer["valueCoding"]["extension"]
    assert ext["url"] == fhir.ORDINAL_VALUE
    return int(ext["valueDecimal"])


def test_bundle_validates_with_fhir_resources_r4b(bundle):
    parsed = fhir.validate_bundle(bundle)
    assert parsed.type == "searchset"
    assert bundle["total"] == 7
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    for qr in _resources(bundle, "QuestionnaireResponse"):
        QuestionnaireResponse.model_validate(qr)
    for obs in _resources(bundle, "Observation"):
        Observation.model_validate(obs)


def test_phq9_response_link_ids_loinc_answers_total_and_item_9(bundle):
    qrs = _resources(bundle, "QuestionnaireResponse")
    observations = {o["derivedFrom"][0]["reference"]: o for o in _resources(bundle, "Observation")}
    phq9 = [q for q in qrs if "/Questionnaire/phq9|" in q["questionnaire"]]
    assert len(phq9) == 5
    definition = scoring_definition("phq9")
    for qr in phq9:
        assert qr["status"] == "completed"
        assert set(qr["subject"]) == {"identifier"}
        assert qr["subject"]["identifier"]["system"] == fhir.participant_system()
        link_ids = [i["linkId"] for i in qr["item"]]
        assert link_ids[:9] == [f"phq9-{n}" for n in range(1, 10)]
        assert "phq9-9" in link_ids  # item 9 always present
        for item in qr["item"]:
            n = int(item["linkId"].split("-")[1])
            (answer,) = item["answer"]
            coding = answer["valueCoding"]
            assert coding["system"] == LOINC
            option = next(o for o in definition.item(n).options if o.value == _ordinal(answer))
            assert coding["code"] == option.loinc_answer
            if n <= 9:
                assert coding["code"] == PHQ9_ANSWERS[_ordinal(answer)]
        obs = observations[f"QuestionnaireResponse/{qr['id']}"]
        assert obs["code"]["coding"][0] == {
            "system": LOINC,
            "code": "44261-6",
            "display": "PHQ-9 total score",
        }
        assert obs["valueQuantity"]["unit"] == "{score}"
        scored = [_ordinal(i["answer"][0]) for i in qr["item"] if i["linkId"] != "phq9-10"]
        assert obs["valueQuantity"]["value"] == sum(scored)


def test_questionnaire_resources_carry_loinc_item_codes(bundle):
    (phq9,) = [q for q in _resources(bundle, "Questionnaire") if q["id"] == "phq9"]
    assert phq9["code"] == [{"system": LOINC, "code": "44249-1"}]
    assert [i["code"][0]["code"] for i in phq9["item"]] == PHQ9_ITEMS
    (gad7,) = [q for q in _resources(bundle, "Questionnaire") if q["id"] == "gad7"]
    assert gad7["code"][0]["code"] == "69737-5"
    assert gad7["item"][1]["code"][0]["code"] == "68509-9"


def test_wai_uses_local_code_system_and_no_licensed_wording(bundle):
    (qr,) = [
        q for q in _resources(bundle, "QuestionnaireResponse") if "wai-sf-c" in q["questionnaire"]
    ]
    system = scoring_definition("wai_sf_c").code_system
    assert all(i["answer"][0]["valueCoding"]["system"] == system for i in qr["item"])
    assert all("text" not in i for i in qr["item"])
    (obs,) = [
        o
        for o in _resources(bundle, "Observation")
        if o["derivedFrom"][0]["reference"].endswith(qr["id"])
    ]
    assert obs["code"]["coding"][0]["system"] == system
    assert obs["valueQuantity"]["value"] == 48 == sum(_ordinal(i["answer"][0]) for i in qr["item"])
    assert {c["code"]["text"]: c["valueQuantity"]["value"] for c in obs["component"]} == {
        "task": 16, "bond": 16, "goal": 16,
    }  # fmt: skip
    (q,) = [q for q in _resources(bundle, "Questionnaire") if q["id"] == "wai-sf-c"]
    assert all("text" not in i for i in q["item"])


def test_one_participant_bundle_and_no_identifiers(trial, bundle):
    api = APIClient()
    api.force_authenticate(UserFactory(is_trial_manager=True))
    one = json.loads(api.get("/api/v1/fhir/questionnaire-responses/?participant=BBB-0001").content)
    qrs = _resources(one, "QuestionnaireResponse")
    assert one["total"] == 2
    assert {q["subject"]["identifier"]["value"] for q in qrs} == {"BBB-0001"}
    fhir.validate_bundle(one)
    text = json.dumps(bundle).lower()
    for secret in SECRETS:
        assert secret.lower() not in text


def test_practitioners_wai_sf_t_is_theirs_by_pseudonym_never_the_patients(trial):
    wai = dict.fromkeys(range(1, 13), 4)
    p1, p2 = trial.treatments["AAA-0001"], trial.treatments["AAA-0002"]
    early = practitioner_answers(p1, "early_alliance", wai, t(3, 29, 11))
    end = practitioner_answers(p1, "end_of_treatment", wai, t(5, 5, 16))
    other = practitioner_answers(p2, "early_alliance", wai, t(3, 14, 17))
    assert early.answered_by == other.answered_by == p1.pwp  # the same PWP holds both
    api = APIClient()
    api.force_authenticate(UserFactory(is_trial_manager=True))
    bundle = json.loads(api.get("/api/v1/fhir/questionnaire-responses/?limit=100").content)
    fhir.validate_bundle(bundle)
    qrs = {q["id"]: q for q in _resources(bundle, "QuestionnaireResponse")}
    observations = {o["derivedFrom"][0]["reference"]: o for o in _resources(bundle, "Observation")}

    theirs = {}
    for adm in (early, end, other):
        qr = qrs[f"qr-{adm.pk}"]
        pid = adm.treatment.participant_id
        assert "/Questionnaire/wai-sf-t|" in qr["questionnaire"]
        assert qr["subject"] == {"identifier": {"system": fhir.participant_system(), "value": pid}}
        author = qr["author"]
        assert qr["source"] == author
        assert author["type"] == "PractitionerRole"
        assert author["identifier"]["system"] == fhir.practitioner_role_system()
        assert author["display"] == "The participant's practitioner (PWP)"
        assert observations[f"QuestionnaireResponse/qr-{adm.pk}"]["performer"] == [author]
        theirs[adm.pk] = author["identifier"]["value"]
    # The same PWP and participant: one pseudonym; the same PWP with another
    # participant: another, so nothing links the two participants' practitioner.
    assert theirs[early.pk] == theirs[end.pk] != theirs[other.pk]
    for value in theirs.values():
        assert value.startswith("pr-") and len(value) == 19  # a keyed hash, not an id
        assert "aaa-" not in value.lower()

    # The client's own answers are the patient's, by participant ID only.
    for qr in qrs.values():
        if "/Questionnaire/wai-sf-t|" in qr["questionnaire"]:
            continue
        patient = {"type": "Patient", **qr["subject"]}
        assert qr["author"] == qr["source"] == patient
        if (obs := observations.get(f"QuestionnaireResponse/{qr['id']}")) is not None:
            assert obs["performer"] == [patient]
    text = json.dumps(bundle).lower()
    for secret in SECRETS:
        assert secret.lower() not in text
