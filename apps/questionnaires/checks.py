"""System checks: definitions load, and licensed wording is present."""

from django.core.checks import Error, Warning, register

from apps.questionnaires.catalogue import definitions_directory, missing_wordings
from apps.questionnaires.definitions import DefinitionError, load_definitions


@register()
def check_questionnaires(app_configs=None, **kwargs):
    try:
        load_definitions(definitions_directory())
    except DefinitionError as exc:
        return [Error(str(exc), id="questionnaires.E001")]
    messages = []
    for status in missing_wordings():
        if status.error:
            messages.append(
                Error(
                    f"The licensed wording file for {status.code} is invalid: {status.error}",
                    hint=f"Fix the file named by {status.setting} (format: docs/scoring.md).",
                    id="questionnaires.E002",
                )
            )
        else:
            messages.append(
                Warning(
                    f"The licensed wording for {status.code} is missing: clients cannot open "
                    'it until it is supplied. Its due questionnaires are held as "Waiting '
                    'for wording" (admin site, Administrations, filter by status).',
                    hint=f"Set {status.setting} to the wording file your service is licensed "
                    "to use (format: docs/scoring.md).",
                    id="questionnaires.W001",
                )
            )
    return messages
