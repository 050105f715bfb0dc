"""Translatable content fields (django-modeltranslation).

English is the default. Every language in MODELTRANSLATION_LANGUAGES gets a
column (`title_nl`, `body_nl`, ...; Welsh `*_cy` is kept though not offered);
an empty one falls back to English (MODELTRANSLATION_FALLBACK_LANGUAGES) and the
step page says so (docs/i18n.md).
"""

from modeltranslation.translator import TranslationOptions, register

from apps.programme.models import Module, Programme, Step


@register(Programme)
class ProgrammeTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Module)
class ModuleTranslationOptions(TranslationOptions):
    fields = ("title", "summary")


@register(Step)
class StepTranslationOptions(TranslationOptions):
    fields = ("title", "body", "prompts", "questions")
